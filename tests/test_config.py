import re

import pytest

from planner.config import ConfigError, PlanConfig, ServiceSegments, load_config


def write(tmp_path, text):
    path = tmp_path / "model.toml"
    path.write_text(text)
    return path


def test_a_partial_model_file_keeps_the_other_defaults(tmp_path):
    config = load_config(write(tmp_path, "[plan]\nhorizon = 8\n[service]\npriority_weights = { 1 = 9, 2 = 3 }\n"))
    assert config.horizon == 8
    assert config.period == PlanConfig().period
    assert config.weight(1) == 9 and config.weight(2) == 3 and config.weight(7) == 3


@pytest.mark.parametrize(
    "text, named",
    [
        ("[plan]\nhorizn = 8\n", "horizn"),
        ("[planning]\nhorizon = 8\n", "planning"),
        ("[plan]\nperiod = 'fortnight'\n", "period"),
        ("[solver]\nname = 'gurobi'\n", "solver"),
        ("[solver]\nmip_gap = 'small'\n", "mip_gap"),
        ("[costs]\nend_stock_value = 1.5\n", "end_stock_value"),
        ("[service]\npriority_weights = { 1 = -2 }\n", "priority_weights"),
        ("[plan\n", "TOML"),
        ("[forecast]\ncandidates = ['ses', 'prophet']\n", "prophet"),
        ("[forecast]\ncandidates = 'ses'\n", "candidates"),
        ("[forecast]\ncombine = 'vote'\n", "combine"),
        ("[plan]\nhorizon = 'long'\n", "horizon"),
        ("[plan]\nhorizon = 0\n", "horizon"),
        ("[plan]\nhorizon = true\n", "horizon"),
    ],
)
def test_bad_model_files_name_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        load_config(write(tmp_path, text))


def test_missing_model_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_overrides_keep_unset_values():
    config = PlanConfig().with_overrides(horizon=5, solver=None)
    assert config.horizon == 5 and config.solver == "highs"


def test_forecast_section_becomes_forecast_options(tmp_path):
    config = load_config(
        write(tmp_path, "[forecast]\ncandidates = ['ses', 'theta']\ncombine = 'none'\nbacktest_origins = 2\n")
    )
    options = config.forecast_options()
    assert options.candidates == ("ses", "theta") and options.combine == "none" and options.origins == 2


def test_horizon_is_auto_unless_a_number_is_set(tmp_path):
    assert PlanConfig().horizon is None  # planner.pipeline.plan_calendar fits it to the lead times
    assert load_config(write(tmp_path, '[plan]\nhorizon = "auto"\n')).horizon is None
    assert load_config(write(tmp_path, "[plan]\nhorizon = 6\n")).horizon == 6
    assert PlanConfig().with_overrides(horizon=None).horizon is None
    assert PlanConfig().forecast_options().horizon == 13


# ---------------------------------------------------------------- [service.segments]

LEVELS = (
    "levels = { AX = 0.99, AY = 0.98, AZ = 0.97, BX = 0.96, BY = 0.95, BZ = 0.94, CX = 0.93, CY = 0.92, CZ = 0.91 }"
)


def test_without_a_segments_table_one_service_level_serves_every_sku(tmp_path):
    assert load_config(write(tmp_path, "[service]\nservice_level = 0.9\n")).segments is None


def test_a_segments_table_reads_thresholds_and_levels(tmp_path):
    config = load_config(write(tmp_path, f"[service.segments]\na_share = 0.7\ny_cv = 1.5\n{LEVELS}\n"))
    segments = config.segments
    assert (segments.a_share, segments.b_share, segments.x_cv, segments.y_cv) == (0.7, 0.95, 0.5, 1.5)
    assert segments.level("AX") == 0.99 and segments.level("BY") == 0.95 and segments.level("CZ") == 0.91


def test_an_empty_segments_table_takes_the_default_scheme(tmp_path):
    assert load_config(write(tmp_path, "[service.segments]\n")).segments == ServiceSegments()


@pytest.mark.parametrize(
    "body, named",
    [
        ("a_shar = 0.7", "unknown key 'a_shar'"),
        ("a_share = 'most'", "'a_share' must be a number"),
        ("a_share = 0.97", "0 < a_share <= b_share <= 1"),
        ("b_share = 1.2", "0 < a_share <= b_share <= 1"),
        ("x_cv = 2.0", "0 <= x_cv <= y_cv"),
        ("levels = 0.95", "levels must map each segment"),
        ("levels = { AX = 0.99 }", "no level for AY, AZ, BX"),
        (LEVELS.replace("}", ", DX = 0.9 }"), "unknown segment 'DX'"),
        (LEVELS.replace("AY = 0.98", "AY = 'high'"), "level of AY must be a number"),
        (LEVELS.replace("AY = 0.98", "AY = 1.0"), "level of AY must be in [0.5, 1)"),
        (LEVELS.replace("CZ = 0.91", "CZ = 0.3"), "level of CZ must be in [0.5, 1)"),
    ],
)
def test_bad_segments_name_the_key(tmp_path, body, named):
    with pytest.raises(ConfigError, match=re.escape(named)) as caught:
        load_config(write(tmp_path, f"[service.segments]\n{body}\n"))
    assert "[service.segments]" in str(caught.value) and "model.toml" in str(caught.value)


def test_a_segments_value_that_is_not_a_table_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"\[service.segments\] must be a table"):
        load_config(write(tmp_path, "[service]\nsegments = 0.9\n"))
