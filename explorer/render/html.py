"""The HTML report of a `check` run: one self-contained file with the matrix of models and properties
and, for each violation, its sequence chart (inline SVG, fitted to the page or at full size, scrolling in
its panel), the whole state at the selected step with what the step changed highlighted, a table of steps
(variables as `old → new`, messages in flight as `+`/`−` lines) and, for a small spec, its state graph.

Nothing is loaded from elsewhere: styles, script and pictures are all inline. `#v2-step-5` in the address
selects step 5 of the second violation, and follows the step last selected; clicking a step, in the table
or on the chart (its description, a lane's notes, a mark, or a message's arrow: the step that received or
dropped it, or that sent it if it is still in flight), selects it, and the arrow keys then move through
the violation last clicked (a link of the matrix leaves the other violations' steps as they were).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from explorer.render import dot, sequence
from explorer.render.chart import network_lines, readable, show
from explorer.render.pictures import PictureError, state_graph
from explorer.run import PropertyResult
from explorer.trace.files import write_atomic
from explorer.trace.parts import shown_name
from spec import CheckedSpec

_STYLE = """
body { font: 14px/1.4 'DejaVu Sans', system-ui, sans-serif; margin: 24px; color: #212121; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 36px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.holds { color: #2e7d32; } td.violated { color: #c62828; font-weight: bold; } td.incomplete { color: #ef6c00; }
.bounds { color: #616161; font-size: 12px; }
.chart, .graph > div { overflow: auto; max-height: 80vh; border: 1px solid #e0e0e0; margin: 12px 0; }
.chart svg, .graph svg { max-width: 100%; height: auto; display: block; }
.chart.actual svg { max-width: none; }
.chart g[id*="-step-"], .chart g[id*="-label-"], .chart g[id*="-vars-"], .chart g[id*="-msg-"] { cursor: pointer; }
.chart path.hit { stroke: transparent; stroke-width: 10; fill: none; pointer-events: stroke; }
.matrix-panel { overflow-x: auto; }
.columns { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }  /* narrow: state below steps */
.columns > .steps { flex: 3 1 400px; min-width: 0; }
.columns > .state { flex: 2 1 240px; min-width: 240px; position: sticky; top: 8px; }
table.steps td { overflow-wrap: anywhere; }  /* a long message breaks rather than widen the page */
table.steps tr.step { cursor: pointer; } table.steps tr.step:hover { background: #f5f5f5; }
table.steps tr.current { background: #fff3e0; outline: 2px solid #ef6c00; }
td.changes { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; white-space: pre-wrap; }
td.changes .added { color: #2e7d32; } td.changes .removed { color: #c62828; }
.controls button { margin-right: 6px; }
.state { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; background: #fafafa;
         border: 1px solid #e0e0e0; padding: 8px; margin-top: 8px; white-space: pre-wrap; }
.state div.changed { background: #fff59d; font-weight: bold; }
svg g.current text { fill: #e65100; }  /* not bold: a wider text would leave its box and meet its neighbour */
svg g.current polygon { fill: #ffe0b2; }
"""

_SCRIPT = """
let focused = null;  // the violation the arrow keys move: the one last clicked or addressed
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
  const panel = section.querySelector('.state');
  panel.replaceChildren();
  for (const [text, changed] of JSON.parse(rows[i].dataset.state)) {
    const line = document.createElement('div');
    line.textContent = text;
    if (changed) line.className = 'changed';
    panel.appendChild(line);
  }
  section.querySelector('.position').textContent = 'step ' + i + ' of ' + (rows.length - 1);
}
function focus(v) {
  focused = v;
  document.querySelectorAll('section.violation').forEach(s => s.classList.toggle('focused', s.id === v));
}
function choose(v, i) {  // a step the reader picked: selected, and named by the address
  focus(v);
  select(v, i);
  const at = document.getElementById(v).dataset.current;
  history.replaceState(null, '', '#' + v + '-step-' + at);
}
function move(v, delta) {
  choose(v, Number(document.getElementById(v).dataset.current || 0) + delta);
}
function rowOf(id) {
  const m = /^v[0-9]+-(?:step|now)-([0-9]+)$/.exec(id) || /^v[0-9]+-(?:label|vars|clock|dot)-[0-9]+-([0-9]+)/.exec(id)
    || /^v[0-9]+-(?:mark|msg)-.*-([0-9]+)$/.exec(id);
  return m ? Number(m[1]) : null;
}
document.addEventListener('click', e => {
  const section = e.target.closest('section.violation');
  if (!section) return;
  focus(section.id);
  const row = e.target.closest('tr.step');
  if (row) { choose(section.id, Number(row.dataset.index)); return; }
  for (let g = e.target.closest('g[id]'); g; g = g.parentElement.closest('g[id]')) {
    const i = rowOf(g.id);
    if (i !== null) { choose(section.id, i); return; }
  }
});
document.addEventListener('keydown', e => {
  const v = focused || (document.querySelector('section.violation') || {}).id;
  if (!v) return;
  if (e.key === 'ArrowDown' || e.key === 'ArrowRight') { move(v, 1); e.preventDefault(); }
  if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') { move(v, -1); e.preventDefault(); }
});
function fromHash() {  // the step the address names; the other violations keep theirs
  const m = /^#(v[0-9]+)-step-([0-9]+)$/.exec(location.hash);
  if (m) { select(m[1], Number(m[2])); focus(m[1]); }
}
window.addEventListener('hashchange', fromHash);
function widen(path) {  // a thin arrow is hard to hit: a wide transparent copy takes its clicks
  const hit = path.cloneNode(false);
  hit.setAttribute('class', 'hit');
  path.parentNode.appendChild(hit);
}
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('.chart g.edge[id*="-msg-"] path').forEach(widen);
  document.querySelectorAll('section.violation').forEach(s => select(s.id, 0));
  fromHash();
});
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
        parts.append(_violation(r, anchors[(r.model, r.property)], checked))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _matrix(
    results: list[PropertyResult],
    models: list[str],
    properties: list[str],
    anchors: dict[tuple[str, str], str],
) -> str:
    cells = {(r.model, r.property): r for r in results}
    rows = ["<div class='matrix-panel'><table class='matrix'><tr><th>model</th><th>states</th>"]
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
    rows.append("</table></div>")
    return "".join(rows)


def _inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element of the page: without its prologue, every id prefixed (ids are unique
    across the page's pictures)."""
    svg = svg[svg.index("<svg") :]
    return re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)


def _violation(r: PropertyResult, anchor: str, checked: CheckedSpec) -> str:
    assert r.trace is not None
    document = json.loads(Path(r.trace).read_text(encoding="utf-8"))
    meta = document["#meta"]
    svg = dot.to_svg(sequence.to_dot(document))
    if svg is None:
        chart = f"<p class='bounds'>No chart: {_e(dot.INSTALL_HINT)}.</p>"
    else:
        chart = (
            f"<div class='controls'><button onclick=\"this.parentElement.nextElementSibling.classList"
            f".toggle('actual')\">fit to page / actual size</button></div>"
            f"<div class='chart' id='{anchor}-chart'>{_inline_svg(svg, anchor)}</div>"
        )
    steps = r.trace_length or 0
    return (
        f"<section class='violation' id='{anchor}'>"
        f"<h2>{_e(r.model)}: {_e(r.property)} VIOLATED in {steps} step{'s' if steps != 1 else ''}</h2>"
        f"<p>{_e(meta.get('description', ''))}</p><p class='bounds'>{_e(r.bounds)}</p>"
        f"{chart}"
        f"<div class='controls'><button onclick=\"move('{anchor}', -1)\">◀ previous</button>"
        f"<button onclick=\"move('{anchor}', 1)\">next ▶</button> <span class='position'></span></div>"
        f"<div class='columns'>{_steps(document, anchor)}<div class='state'></div></div>"
        f"{_graph(document, anchor, checked)}</section>"
    )


def _steps(document: dict[str, Any], anchor: str) -> str:
    """The table of steps: what each did, sent and changed; each row carries the whole state after it."""
    rows = ["<table class='steps'><tr><th>#</th><th>step</th><th>sent</th><th>changed</th></tr>"]
    previous: dict[str, Any] = {}
    before: dict[str, list[str]] = {}
    texts = sequence.chart(document).rows  # the steps in words, a lasso's cycle marked as on the chart
    for k, state in enumerate(document["states"]):
        info = state.get("#meta", {})
        values = {n: v for n, v in state.items() if n != "#meta"}
        parts = readable(values)
        lines = [[line, k > 0 and before.get(name) != part] for name, part in parts.items() for line in part]
        sends = "<br>".join(_e(f"{s['message']} → {s['to']}") for s in info.get("sends", []))
        text = _e(texts[k])
        if "error" in info:
            text += f"<br><strong>✗ {_e(info['error'])}</strong>"
        changes = _changes(previous, values) if k > 0 else ""
        rows.append(
            f"<tr class='step' id='{anchor}-row-{k}' data-violation='{anchor}' data-index='{k}' "
            f"data-state='{_e(json.dumps(lines, ensure_ascii=False))}'><td>{k}</td><td>{text}</td>"
            f"<td>{sends}</td><td class='changes'>{changes}</td></tr>"
        )
        previous, before = values, parts
    rows.append("</table>")
    return "".join(rows)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What a step changed, as HTML: `name: old → new` per variable (and per part of the system: status,
    clock, timers, time; for the faults spent, `faults spent: loss 0 → 1` per budget that changed), then
    one `+` line per message that entered the network, one `−` per message that left it."""
    out = []
    for name, value in after.items():
        shown = _shown_name(name)
        if shown is None or before.get(name) == value:
            continue
        if name == "_faults" and isinstance(value, dict) and isinstance(before.get(name), dict):
            was = before[name]  # a fault spent: only the budgets that changed
            out += [
                _e(f"{shown}: {k} {show(was.get(k))} → {show(v)}")
                for k, v in value.items()
                if was.get(k) != v
            ]
        else:
            out.append(_e(f"{shown}: {show(before.get(name))} → {show(value)}"))
    was = Counter(network_lines(before.get("_network", [])))
    now = Counter(network_lines(after.get("_network", [])))
    out += [f"<span class='removed'>{_e('− ' + m)}</span>" for m in (was - now).elements()]
    out += [f"<span class='added'>{_e('+ ' + m)}</span>" for m in (now - was).elements()]
    return "\n".join(out)


def _shown_name(name: str) -> str | None:
    """The name a person reads for a part of a trace state; None for the network (shown message by message)
    and for parts with nothing to say (the monotonic clock)."""
    if name == "_network" or name.endswith("._mono"):
        return None
    shown = shown_name(name)
    return None if shown.startswith("_") or "._" in shown else shown


def _graph(document: dict[str, Any], anchor: str, checked: CheckedSpec) -> str:
    """The state graph with the violation's path, for a small spec (a note saying why not otherwise)."""
    try:
        graph = state_graph(document, checked)
    except PictureError:
        return "<p class='bounds'>The state graph is drawn only for small specs (at most 250 states).</p>"
    svg = dot.to_svg(graph)
    if svg is None:
        return ""
    return (
        f"<details class='graph' open><summary>state graph (the path to the violation in red)</summary>"
        f"<div id='{anchor}-graph'>{_inline_svg(svg, anchor + '-graph')}</div></details>"
    )


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
