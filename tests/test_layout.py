"""The package layout shows the flow: each stage imports only the stages before it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "planner"

# Down the flow of DESIGN.md: a module may import its own layer and the layers above it here.
LAYERS = {
    "calendar": 0,
    "data": 1,
    "config": 2,
    "forecast": 2,
    "model": 3,
    "solve": 4,
    "plan": 5,
    "report": 6,
    "pipeline": 7,
    "simulate": 8,
    "cli": 9,
    "__init__": 10,
}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 else LAYERS["__init__"]


def _runtime_imports(tree: ast.Module):
    """planner modules imported when the module runs (not those under `if TYPE_CHECKING:`)."""
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", None) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("planner"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("planner"))


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts), path


def test_every_import_points_down_the_flow():
    upward = [
        f"{name} imports {target}"
        for name, path in _modules()
        for target in _runtime_imports(ast.parse(path.read_text()))
        if _layer(target) > _layer(name)
    ]
    assert upward == []


def test_no_module_repeats_its_package_name():
    repeated = [
        name
        for name, _ in _modules()
        if len(name.split(".")) > 2 and name.split(".")[-1].startswith(name.split(".")[-2] + "_")
    ]
    assert repeated == []


def test_every_stage_is_a_package():
    for stage in ("data", "forecast", "model", "solve", "plan", "report", "simulate"):
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
