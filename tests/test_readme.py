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
