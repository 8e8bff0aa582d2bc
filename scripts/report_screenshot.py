"""Open report.html in headless Chromium, check it loads cleanly, and save a screenshot.

    python scripts/report_screenshot.py PLAN/report.html --screenshot docs/report.png

Checks: no console message (the page runs no script, so any message is a fault), no resource
fetched (the page is self-contained), and every chart image decoded. Exit 0 when the page is
clean, 1 when it is not, 2 when no Chromium is installed (Debian: apt-get install chromium).
tests/report/test_page_browser.py runs the same check.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 120
PALETTE_COLORS = 64
PROBE = """<script>addEventListener("load", () => {
  const report = {images: [...document.images].map(i => i.naturalWidth),
                  resources: performance.getEntriesByType("resource").map(e => e.name)};
  document.body.setAttribute("data-probe", JSON.stringify(report));
});</script>"""
PROBE_RESULT = re.compile(r'data-probe="([^"]*)"')
CONSOLE_LINE = re.compile(r":(?:INFO|WARNING|ERROR):CONSOLE[^\]]*\] (.*)")


@dataclass(frozen=True)
class PageCheck:
    image_widths: list[int]
    resources: list[str]
    console: list[str]

    @property
    def problems(self) -> list[str]:
        found = [f"console: {line}" for line in self.console]
        found += [f"fetched {name}" for name in self.resources]
        broken = sum(1 for width in self.image_widths if width == 0)
        return found + ([f"{broken} image(s) did not decode"] if broken else [])


def find_browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def _run(browser: str, *arguments: str) -> subprocess.CompletedProcess:
    """One headless run with its own profile, so parallel runs do not share a lock."""
    with tempfile.TemporaryDirectory(prefix="report-browser-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *arguments,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)


def check_page(report: Path, browser: str) -> PageCheck:
    """Load a copy of the page with a probe script that reports images and fetched resources."""
    page = report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>", 1)
    with tempfile.TemporaryDirectory(prefix="report-probe-") as folder:
        probed = Path(folder) / "report.html"
        probed.write_text(page, encoding="utf-8")
        result = _run(browser, "--enable-logging=stderr", "--v=0", "--dump-dom", probed.as_uri())
    found = PROBE_RESULT.search(result.stdout)
    if not found:
        raise RuntimeError(f"the page did not finish loading in {browser}: {result.stderr[-2000:]}")
    probe = json.loads(html.unescape(found.group(1)))
    console = [m.group(1) for m in map(CONSOLE_LINE.search, result.stderr.splitlines()) if m]
    return PageCheck(probe["images"], probe["resources"], console)


def screenshot(report: Path, browser: str, out: Path, width: int, height: int) -> None:
    """The top of the page as a PNG, reduced to a palette so it stays small enough to commit."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(
        browser,
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--screenshot={out.resolve()}",
        report.resolve().as_uri(),
    )
    if not out.is_file():
        raise RuntimeError(f"{browser} wrote no screenshot to {out}")
    with Image.open(out) as shot:
        small = shot.convert("RGB").quantize(colors=PALETTE_COLORS)
    small.save(out, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, help="PNG to write (top of the page)")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("no Chromium found; on Debian: apt-get install chromium", file=sys.stderr)
        return 2
    check = check_page(args.report, browser)
    for problem in check.problems:
        print(problem, file=sys.stderr)
    if args.screenshot:
        screenshot(args.report, browser, args.screenshot, args.width, args.height)
    print(f"{args.report}: {len(check.image_widths)} images, {len(check.problems)} problems")
    return 1 if check.problems else 0


if __name__ == "__main__":
    sys.exit(main())
