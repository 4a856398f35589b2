"""Snapshot what `faultline check` says about every example — verdicts, state counts, depths and every
counterexample trace — and compare two snapshots, so that a change meant to keep behaviour can show it did.

    uv run python scripts/verdict_diff.py snapshot before.json      # on the old code
    uv run python scripts/verdict_diff.py snapshot after.json       # on the new code
    uv run python scripts/verdict_diff.py compare before.json after.json

`compare` prints every difference and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
KEPT = (
    "verdict",
    "distinct_states",
    "generated_states",
    "depth",
    "trace_length",
    "bounds",
    "reason",
    "warning",
)


def snapshot() -> dict[str, Any]:
    from faultline.cli import main

    out: dict[str, Any] = {}
    for spec_file in sorted((ROOT / "specs").glob("*.fl")):
        with tempfile.TemporaryDirectory() as tmp:
            result = CliRunner().invoke(main, ["check", str(spec_file), "--json", "--out", tmp])
            if result.exit_code not in (0, 1):
                out[spec_file.name] = {"error": result.output}
                continue
            rows = json.loads(result.stdout)["results"]
            entry: dict[str, Any] = {}
            for row in rows:
                key = f"{row['model']}/{row['property']}"
                entry[key] = {k: row.get(k) for k in KEPT}
                if row["trace"]:
                    trace = json.loads(Path(row["trace"]).read_text(encoding="utf-8"))
                    trace["#meta"].pop("source", None)
                    entry[key]["trace"] = trace
                    entry[key]["text"] = (
                        Path(row["trace"].removesuffix(".itf.json") + ".txt")
                        .read_text(encoding="utf-8")
                        .replace(str(spec_file), spec_file.name)
                    )
        out[spec_file.name] = entry
        print(f"{spec_file.name}: {len(entry)} results", file=sys.stderr)
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    diffs = []
    for spec_name in sorted(set(before) | set(after)):
        a, b = before.get(spec_name, {}), after.get(spec_name, {})
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                diffs.append(f"{spec_name} {key}: only in {'after' if key not in a else 'before'}")
                continue
            for field in sorted(set(a[key]) | set(b[key])):
                if a[key].get(field) != b[key].get(field):
                    diffs.append(f"{spec_name} {key}: {field} differs")
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    take = sub.add_parser("snapshot")
    take.add_argument("file", type=Path)
    diff = sub.add_parser("compare")
    diff.add_argument("before", type=Path)
    diff.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        args.file.write_text(json.dumps(snapshot(), indent=1, sort_keys=True), encoding="utf-8")
        return 0
    diffs = compare(json.loads(args.before.read_text()), json.loads(args.after.read_text()))
    for line in diffs:
        print(line)
    count = sum(len(v) for v in json.loads(args.before.read_text()).values())
    print(f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''} in {count} results")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
