"""The HTML report of a `check` run: one self-contained file with the matrix of models and properties
and, for each violation, its sequence chart (inline SVG) and a table of its steps to click through.

Nothing is loaded from elsewhere: styles, script and pictures are all inline. `#v2-step-5` in the address
selects step 5 of the second violation.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from explorer.render import dot, sequence
from explorer.run import PropertyResult
from explorer.trace.files import write_atomic
from spec import CheckedSpec

_STYLE = """
body { font: 14px/1.4 'DejaVu Sans', system-ui, sans-serif; margin: 24px; color: #212121; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 36px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.holds { color: #2e7d32; } td.violated { color: #c62828; font-weight: bold; } td.incomplete { color: #ef6c00; }
.bounds { color: #616161; font-size: 12px; }
.chart { overflow-x: auto; border: 1px solid #e0e0e0; margin: 12px 0; }
.steps tr.step { cursor: pointer; } .steps tr.step:hover { background: #f5f5f5; }
.steps tr.current { background: #fff3e0; outline: 2px solid #ef6c00; }
.steps td.changes { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; white-space: pre; }
.controls button { margin-right: 6px; }
.state { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; white-space: pre; background: #fafafa;
         border: 1px solid #e0e0e0; padding: 8px; margin-top: 8px; }
svg g.current text { fill: #ef6c00; font-weight: bold; }
"""

_SCRIPT = """
function select(v, i) {
  const section = document.getElementById(v);
  if (!section) return;
  const rows = section.querySelectorAll('tr.step');
  if (i < 0 || i >= rows.length) return;
  rows.forEach((row, k) => row.classList.toggle('current', k === i));
  section.querySelectorAll('svg g.current').forEach(g => g.classList.remove('current'));
  const label = document.getElementById(v + '-step-' + i);
  if (label) label.classList.add('current');
  section.dataset.current = i;
  section.querySelector('.state').textContent = rows[i].dataset.state;
  section.querySelector('.position').textContent = 'step ' + i + ' of ' + (rows.length - 1);
}
function move(v, delta) {
  const section = document.getElementById(v);
  select(v, Number(section.dataset.current || 0) + delta);
}
document.addEventListener('click', e => {
  const row = e.target.closest('tr.step');
  if (row) { select(row.dataset.violation, Number(row.dataset.index)); history.replaceState(null, '', '#' + row.id); }
});
document.addEventListener('keydown', e => {
  const section = document.querySelector('section.violation.focused') || document.querySelector('section.violation');
  if (!section) return;
  if (e.key === 'ArrowDown' || e.key === 'ArrowRight') move(section.id, 1);
  if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') move(section.id, -1);
});
function fromHash() {
  const m = /^#(v[0-9]+)-step-([0-9]+)$/.exec(location.hash);
  document.querySelectorAll('section.violation').forEach(s => select(s.id, 0));
  if (m) { select(m[1], Number(m[2])); document.getElementById(m[1]).classList.add('focused'); }
}
window.addEventListener('hashchange', fromHash);
document.addEventListener('DOMContentLoaded', fromHash);
"""


def write_report(path: Path, checked: CheckedSpec, results: list[PropertyResult]) -> None:
    write_atomic(path, report(checked, results))


def report(checked: CheckedSpec, results: list[PropertyResult]) -> str:
    models: list[str] = []
    properties: list[str] = []
    for r in results:
        if r.model not in models:
            models.append(r.model)
        if r.property not in properties:
            properties.append(r.property)
    violations = [r for r in results if r.verdict == "violated" and r.trace]
    anchors = {(r.model, r.property): f"v{k + 1}" for k, r in enumerate(violations)}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>faultline: {_e(checked.name)}</title>",
        f"<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>",
        f"<h1>{_e(checked.name)} <span class='bounds'>({_e(checked.source.uri)})</span></h1>",
        _matrix(results, models, properties, anchors),
    ]
    for r in violations:
        parts.append(_violation(r, anchors[(r.model, r.property)]))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _matrix(
    results: list[PropertyResult],
    models: list[str],
    properties: list[str],
    anchors: dict[tuple[str, str], str],
) -> str:
    cells = {(r.model, r.property): r for r in results}
    rows = ["<table class='matrix'><tr><th>model</th><th>states</th>"]
    rows += [f"<th>{_e(p)}</th>" for p in properties]
    rows.append("<th>bounds</th></tr>")
    for model in models:
        first = next(r for r in results if r.model == model)
        rows.append(f"<tr><td>{_e(model)}</td><td>{first.stats.distinct:,}</td>")
        for prop in properties:
            r = cells.get((model, prop))
            if r is None:
                rows.append("<td></td>")
            elif r.verdict == "violated":
                anchor = anchors.get((model, prop))
                text = f"VIOLATED in {r.trace_length} step{'s' if r.trace_length != 1 else ''}"
                link = f"<a href='#{anchor}-step-0'>{text}</a>" if anchor else text
                rows.append(f"<td class='violated'>{link}</td>")
            else:
                title = f" title='{_e(r.reason or '')}'" if r.reason else ""
                rows.append(f"<td class='{r.verdict}'{title}>{r.verdict}</td>")
        rows.append(f"<td class='bounds'>{_e(first.bounds)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _violation(r: PropertyResult, anchor: str) -> str:
    assert r.trace is not None
    document = json.loads(Path(r.trace).read_text(encoding="utf-8"))
    meta = document["#meta"]
    svg = dot.to_svg(sequence.to_dot(document))
    if svg is None:
        chart = f"<p class='bounds'>No chart: {_e(dot.INSTALL_HINT)}.</p>"
    else:
        svg = svg[svg.index("<svg") :]  # drop the XML prologue and doctype
        svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{anchor}-{m.group(1)}"', svg)
        chart = f"<div class='chart'>{svg}</div>"
    rows = ["<table class='steps'><tr><th>#</th><th>step</th><th>sent</th><th>changed</th></tr>"]
    previous: dict[str, Any] = {}
    for k, state in enumerate(document["states"]):
        info = state.get("#meta", {})
        values = {n: v for n, v in state.items() if n != "#meta"}
        changed = [
            f"{n}: {sequence.show(previous.get(n))} → {sequence.show(v)}"
            for n, v in values.items()
            if k > 0 and previous.get(n) != v
        ]
        sends = "<br>".join(_e(f"{s['message']} → {s['to']}") for s in info.get("sends", []))
        text = _e(info.get("text", info.get("action", "")))
        if "error" in info:
            text += f"<br><strong>✗ {_e(info['error'])}</strong>"
        full = "\n".join(f"{n} = {sequence.show(v)}" for n, v in values.items())
        rows.append(
            f"<tr class='step' id='{anchor}-row-{k}' data-violation='{anchor}' data-index='{k}' "
            f"data-state='{_e(full)}'><td>{k}</td><td>{text}</td><td>{sends}</td>"
            f"<td class='changes'>{_e(chr(10).join(changed))}</td></tr>"
        )
        previous = values
    rows.append("</table>")
    steps = r.trace_length or 0
    return (
        f"<section class='violation' id='{anchor}'>"
        f"<h2>{_e(r.model)}: {_e(r.property)} VIOLATED in {steps} step{'s' if steps != 1 else ''}</h2>"
        f"<p>{_e(meta.get('description', ''))}</p><p class='bounds'>{_e(r.bounds)}</p>"
        f"{chart}"
        f"<div class='controls'><button onclick=\"move('{anchor}', -1)\">◀ previous</button>"
        f"<button onclick=\"move('{anchor}', 1)\">next ▶</button> <span class='position'></span></div>"
        f"<div class='state'></div>{''.join(rows)}</section>"
    )


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
