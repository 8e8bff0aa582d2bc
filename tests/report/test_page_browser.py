"""report.html in a real headless browser: it loads with no error, fetches nothing, shows its charts.

Skipped where no Chromium is installed (Debian: apt-get install chromium).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from PIL import Image

from planner.report.page import report_html

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "report_screenshot.py"


def load_script():
    spec = importlib.util.spec_from_file_location("report_screenshot", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


browser_check = load_script()
BROWSER = browser_check.find_browser()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def report(tiny_plan_run, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_bytes(report_html(tiny_plan_run, tiny_plan_run.dataset.demand_history))
    return path


def test_the_report_loads_cleanly_shows_every_chart_and_screenshots(report, tmp_path):
    check = browser_check.check_page(report, BROWSER)
    assert check.problems == []
    assert len(check.image_widths) == 3 and min(check.image_widths) > 500
    out = tmp_path / "shot.png"
    browser_check.screenshot(report, BROWSER, out, 1100, 900)
    with Image.open(out) as shot:
        assert shot.size == (1100, 900)
        assert len(shot.convert("RGB").getcolors(maxcolors=1 << 20)) > 20, "the screenshot is blank"


def test_a_broken_page_is_caught(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<html><body><img src="missing.png"><script>nope()</script></body></html>')
    problems = browser_check.check_page(page, BROWSER).problems
    assert any("nope is not defined" in p for p in problems) and "1 image(s) did not decode" in problems
