"""The documented kpis.json schema: the docs are rendered from it and real files follow it."""

from __future__ import annotations

from pathlib import Path

from planner.report.kpi_schema import gate_names, markdown_table, matching_field, missing, undocumented

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"


def test_docs_hold_the_field_table_rendered_from_the_schema():
    assert markdown_table() in DOCS.read_text(encoding="utf-8"), (
        "docs/kpis.md is stale: paste planner.report.kpi_schema.markdown_table() into it"
    )


def test_every_gate_name_names_a_numeric_field():
    assert all(matching_field(path).numeric for path in gate_names().values())


def test_data_dependent_segments_match_any_key_and_others_only_themselves():
    assert matching_field("capacity.FC-9.inbound_units").path == "capacity.<fc>.inbound_units"
    assert matching_field("service.by_priority.2.backlog_units") is not None
    assert matching_field("service.fill_rates") is None


def test_undocumented_and_missing_paths_are_named():
    kpis = {"schema_version": 1, "service": {"fill_rate": 1.0, "surprise": 2}}
    assert undocumented(kpis) == ["service.surprise"]
    assert "costs.total" in missing(kpis) and "service.fill_rate" not in missing(kpis)
