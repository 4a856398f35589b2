"""The pictures in README.md, made again from the example specs:

    uv run python scripts/pictures.py

writes, under docs/:
- lease_lock_counterexample.svg: the sequence chart of lease_lock's counterexample under gc_pauses
  (`faultline check specs/lease_lock.fl --model gc_pauses`, then `faultline render` of its trace);
- pictures/retry_increment_states.svg: the state graph of retry_increment under naive_lossy, its path to
  the violation in red (`faultline render TRACE --kind states`);
- pictures/report.png: the HTML report of lease_lock (`faultline check specs/lease_lock.fl --report`),
  step 6 selected, as headless Chromium shows it;
- pictures/explorer.png: `faultline explore specs/lease_lock.fl --model gc_pauses` with the counterexample
  loaded and followed to its violation.

It needs Graphviz, and Chromium for the two screenshots (Playwright drives the system's Chromium).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

import spec
from explorer.serve.server import ExploreServer
from explorer.serve.session import Session

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def faultline(*args: str) -> None:
    """Run a faultline command as a user would; exit codes 0 and 1 (a violation found) are both fine."""
    result = subprocess.run(["faultline", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        sys.exit(f"faultline {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        sys.exit("Chromium is needed for the screenshots (Debian/Ubuntu: apt-get install chromium)")
    return found


def main() -> None:
    (DOCS / "pictures").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        faultline("check", "specs/lease_lock.fl", "--model", "gc_pauses", "--out", str(out))
        lease = out / "lease_lock" / "gc_pauses" / "no_clobber.itf.json"
        faultline("render", str(lease), "-o", str(out / "chart.svg"))
        faultline("check", "specs/retry_increment.fl", "--model", "naive_lossy", "--out", str(out))
        retry = out / "retry_increment" / "naive_lossy" / "applied_once.itf.json"
        faultline("render", str(retry), "--kind", "states", "-o", str(out / "states.svg"))
        report = out / "report.html"
        faultline("check", "specs/lease_lock.fl", "--report", str(report), "--out", str(out / "all"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1150})
            page.goto(f"{report.as_uri()}#v1-step-6")
            # the violation's heading at the top of the window, its chart scrolled to its start
            page.evaluate("window.scrollTo(0, document.querySelector('#v1 h2').offsetTop - 8)")
            page.evaluate("document.querySelector('#v1 .chart').scrollTop = 0")
            page.screenshot(path=str(out / "report.png"))
            screenshot_explorer(browser, lease, out / "explorer.png")
            browser.close()
        shutil.move(out / "chart.svg", DOCS / "lease_lock_counterexample.svg")
        shutil.move(out / "states.svg", DOCS / "pictures" / "retry_increment_states.svg")
        shutil.move(out / "report.png", DOCS / "pictures" / "report.png")
        shutil.move(out / "explorer.png", DOCS / "pictures" / "explorer.png")
    print("wrote docs/lease_lock_counterexample.svg and docs/pictures/")


def screenshot_explorer(browser: object, trace: Path, to: Path) -> None:
    session = Session(spec.load_file(ROOT / "specs" / "lease_lock.fl"), "gc_pauses", {})
    session.load(json.loads(trace.read_text(encoding="utf-8")))
    session.go_to(len(session.view()["future"]))  # the whole counterexample, to its violation
    server = ExploreServer(session, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
        page.goto(server.url)
        page.wait_for_selector("#chart svg")
        page.screenshot(path=str(to))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
