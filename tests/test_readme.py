"""The README's two commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    return [block.strip() for block in blocks[:2]]


def ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    return [lines[i + 1].strip() for i, line in enumerate(lines) if line.startswith("# README:")]


def test_ci_runs_exactly_the_readme_commands():
    assert readme_commands() == ci_commands()
    assert "planner plan datasets/demo" in readme_commands()[0]
    assert "pytest" in readme_commands()[1]


def test_default_model_file_matches_built_in_defaults():
    from planner.config import PlanConfig, load_config

    loaded = load_config(ROOT / "models" / "default.toml")
    assert loaded == PlanConfig()


def test_the_segments_example_in_the_default_model_file_is_the_built_in_scheme(tmp_path):
    """models/default.toml shows [service.segments] commented out; uncommented, it is ServiceSegments()."""
    from planner.config import ServiceSegments, load_config

    text = (ROOT / "models" / "default.toml").read_text()
    example = text[text.index("# [service.segments]") : text.index("[costs]")]
    model = tmp_path / "segments.toml"
    model.write_text("\n".join(line[2:] for line in example.splitlines() if line.startswith("# ")))
    assert load_config(model).segments == ServiceSegments()
