"""report.html: self-contained, escaped, complete, and the same bytes for the same plan."""

from __future__ import annotations

import base64
import re
from dataclasses import replace

import pandas as pd
import pytest
from report_instance import ALPHA, BETA, SUPPLIER

from planner.calendar import Calendar
from planner.report.page import history_by_period, report_html, table

SECTIONS = [
    "Waiting by priority",
    "Cost breakdown",
    "Outbound capacity use per FC",
    "SKUs most at risk",
    "Forecast against history",
    "SKUs that stock out",
    "Order lines that ship late",
    "FCs at or over outbound capacity",
    "Purchase orders to release now",
]


@pytest.fixture(scope="module")
def page(tiny_plan_run) -> str:
    return report_html(tiny_plan_run, tiny_plan_run.dataset.demand_history).decode("utf-8")


def images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_every_section_is_there(page):
    for heading in SECTIONS:
        assert heading in page, heading


def test_the_page_needs_no_network_and_runs_no_script(page):
    assert "<script" not in page and "<link" not in page and "http" not in page
    assert page.count("src=") == len(images(page)) == 3


def test_charts_are_png_without_a_software_tag(page):
    for content in images(page):
        assert content.startswith(b"\x89PNG\r\n\x1a\n") and b"Software" not in content


def test_names_from_the_input_are_escaped(page):
    assert ALPHA not in page and "ALPHA&lt;b&gt;" in page
    assert "&lt;O1&gt;" in page and "SUP&amp;CO" in page and SUPPLIER not in page
    assert BETA in page


def test_headline_kpis_come_from_kpis_json(page, tiny_plan_run):
    service = tiny_plan_run.kpis["service"]
    assert f"<b>{service['fill_rate']:.1%}</b><span>fill rate</span>" in page
    assert f"<b>{service['backlog_units']:,.0f}</b><span>backlog units</span>" in page
    total = tiny_plan_run.kpis["costs"]["total"]
    assert f'<tr><td>total</td><td class="n">{total:,.2f}</td></tr>' in page
    peak = tiny_plan_run.kpis["capacity"]["W1"]["outbound_utilization_peak"]
    assert "outbound use peak %" in page and f'<td class="n">{round(100 * peak, 1):g}</td>' in page


def test_a_plan_without_history_and_with_many_late_lines_still_reports(tiny_plan_run):
    many = pd.concat([tiny_plan_run.order_plan] * 30, ignore_index=True)
    no_history = tiny_plan_run.dataset.demand_history.iloc[0:0]
    page = report_html(replace(tiny_plan_run, order_plan=many), no_history).decode("utf-8")
    assert "Order lines that ship late (30)" in page and "and 5 more rows" in page
    assert len(images(page)) == 3


def test_history_by_period_sums_into_plan_periods_and_keeps_zeros():
    calendar = Calendar(pd.Timestamp("2026-01-05"), "week", 4)
    history = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-12-22", "2025-12-24", "2026-01-04", "2025-01-01"]),
            "sku": ["A", "A", "A", "A"],
            "region": ["r", "s", "r", "r"],
            "quantity": [1.0, 2.0, 4.0, 100.0],
        }
    )
    frame = history_by_period(history, calendar, 3)
    assert frame["period_start"].dt.strftime("%m-%d").tolist() == ["12-15", "12-22", "12-29"]
    assert frame["quantity"].tolist() == [0.0, 3.0, 4.0]


def test_table_cells_escape_text_and_format_numbers():
    html = table(["a<"], [["<x>", 1234.5678, None, pd.Timestamp("2026-01-02")]])
    assert "<th>a&lt;</th>" in html and "<td>&lt;x&gt;</td>" in html
    assert '<td class="n">1,234.6</td>' in html and "<td>2026-01-02</td>" in html and "<td></td>" in html


def test_history_by_period_leaves_out_periods_before_the_history():
    calendar = Calendar(pd.Timestamp("2026-01-05"), "week", 4)
    history = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-12-17", "2025-12-22", "2026-01-04"]),
            "sku": ["A", "A", "A"],
            "region": ["r", "r", "r"],
            "quantity": [7.0, 1.0, 4.0],
        }
    )
    frame = history_by_period(history, calendar, 10)
    assert frame["period_start"].dt.strftime("%m-%d").tolist() == ["12-22", "12-29"]
    assert frame["quantity"].tolist() == [1.0, 4.0]


def test_a_plan_without_purchase_orders_or_capacity_limits_still_reports(tiny_plan_run):
    plan = tiny_plan_run.plan
    unlimited = plan.capacity.assign(outbound_capacity=float("nan"), inbound_capacity=float("nan"))
    capacity_kpis = {
        fc: dict.fromkeys(use, None) | {"outbound_units": use["outbound_units"], "inbound_units": use["inbound_units"]}
        for fc, use in tiny_plan_run.kpis["capacity"].items()
    }
    bare = replace(
        tiny_plan_run,
        plan=replace(plan, purchase_orders=plan.purchase_orders.iloc[0:0], capacity=unlimited),
        kpis=tiny_plan_run.kpis | {"capacity": capacity_kpis},
    )
    page = report_html(bare, tiny_plan_run.dataset.demand_history).decode("utf-8")
    assert "No PO needs releasing now." in page and "Purchase orders to release now (0)" in page
    assert len(images(page)) == 3


def test_one_model_wide_service_level_shows_no_segment_table(page):
    assert "Service levels by segment" not in page


def test_segmented_service_levels_show_each_group_against_its_fill_rate(tiny_plan_run):
    """BETA in AX at the segment's 99%; ALPHA in BX with its own 97.5% from skus.csv. ALPHA has
    no stock and a 14-day supplier, so its fill rate is the lower; the groups' demand adds up."""
    service = pd.DataFrame(
        {
            "sku": [ALPHA, BETA],
            "segment": ["BX", "AX"],
            "service_level": [0.975, 0.99],
            "source": ["skus.csv", "segment"],
        }
    )
    page = report_html(replace(tiny_plan_run, service=service), tiny_plan_run.dataset.demand_history).decode()
    section = page[page.index("<h2>Service levels by segment</h2>") : page.index("<h2>Cost breakdown</h2>")]
    rows = re.findall(r"<tr><td>(\w\w)</td><td class=\"n\">([\d.]+)</td><td>([\w.]+)</td>(.*?)</tr>", section)
    assert [row[:3] for row in rows] == [("AX", "99", "segment"), ("BX", "97.5", "skus.csv")]
    numbers = [[float(v.replace(",", "")) for v in re.findall(r'class="n">([\d.,]+)<', row[3])] for row in rows]
    (beta_skus, beta_demand, beta_fill), (alpha_skus, alpha_demand, alpha_fill) = numbers
    assert beta_skus == alpha_skus == 1
    assert beta_demand + alpha_demand == pytest.approx(tiny_plan_run.kpis["service"]["demand_units"], abs=0.2)
    assert alpha_fill < beta_fill


def _risk(by_pair: pd.DataFrame):
    from planner.plan.risk import Risk
    from planner.report.kpis import risk_kpis

    risk = Risk(
        50, 3, pd.DataFrame(), by_pair, {m: [0.8, 0.9, 0.95] for m in ("fill_rate", "backorder_units", "backlog_units")}
    )
    return risk, risk_kpis(risk)


def _pair(sku: str, odds: float) -> dict:
    spreads = {
        f"{m}_p{q}": v
        for m, v in (("fill_rate", 0.9), ("backorder_units", 4.0), ("backlog_units", 0.0))
        for q in (10, 50, 90)
    }
    return {
        "sku": sku,
        "fc": "W1",
        "stockout_probability": odds,
        "peak_period_start": pd.Timestamp("2026-12-07"),
        "peak_probability": odds,
        "demand_units": 10.0,
        **spreads,
    }


def test_the_risk_section_lists_the_pairs_most_likely_to_stock_out_first(tiny_plan_run):
    risk, block = _risk(pd.DataFrame([_pair("<quiet>", 0.0), _pair("=likely", 0.7), _pair(ALPHA, 0.9)]))
    run = replace(tiny_plan_run, risk=risk, kpis={**tiny_plan_run.kpis, "risk": block})
    page = report_html(run, run.dataset.demand_history).decode("utf-8")
    section = page[page.index("Stock-out risk") :]
    assert section.index("ALPHA&lt;b&gt;") < section.index("=likely")
    assert "&lt;quiet&gt;" not in section.split("</table>")[0]
    assert "50 demand paths" in section and "2 of 3" in section
    assert "Stock-out risk" not in report_html(tiny_plan_run, tiny_plan_run.dataset.demand_history).decode("utf-8")
