import pytest

from planner.config import ConfigError, PlanConfig, load_config


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
