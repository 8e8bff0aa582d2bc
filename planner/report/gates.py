"""KPI gates for pipelines: `--fail-on "fill_rate<0.95"` trips when the plan's KPI makes it true.

A gate is `METRIC OP NUMBER`. METRIC is a short name (see planner.report.kpi_schema, `gate` column)
or a dotted path into kpis.json; a path segment that names an FC, a priority or a method may
be `*`, and the gate then trips if any of the matched values does. Gates are parsed before
anything is solved, so a typo costs no solve; they are checked after the plan is written.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from planner.report.kpi_schema import gate_names, matching_field

OPERATORS = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_EXPRESSION = re.compile(r"^\s*([A-Za-z0-9_.*-]+?)\s*(<=|>=|==|!=|<|>)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*$")


class GateError(ValueError):
    """A `--fail-on` expression the planner cannot read."""


@dataclass(frozen=True)
class Gate:
    text: str
    path: str
    op: str
    threshold: float

    def tripped_by(self, kpis: dict) -> list[str]:
        """One line per matched value that makes the expression true, or that is missing."""
        values = resolve(kpis, self.path)
        if not values:
            return [f"{self.text}: kpis.json has no value at {self.path}"]
        return [
            f"{self.text}: {path} = {_shown(value)}"
            for path, value in values
            if value is None or OPERATORS[self.op](value, self.threshold)
        ]


def parse_gate(text: str) -> Gate:
    """`METRIC OP NUMBER` -> Gate; raises GateError naming what is wrong and what is allowed."""
    match = _EXPRESSION.match(text)
    if not match:
        raise GateError(
            f'{text!r}: expected METRIC OP NUMBER, e.g. "fill_rate<0.95"; OP is one of {" ".join(OPERATORS)}'
        )
    metric, op, number = match.groups()
    try:
        threshold = float(number)
    except ValueError:
        raise GateError(f"{text!r}: {number!r} is not a number") from None
    path = gate_names().get(metric, metric)
    field = matching_field(path)
    if field is None or not field.numeric:
        raise GateError(
            f"{text!r}: unknown metric {metric!r}; use one of "
            f"{', '.join(sorted(gate_names()))} or a numeric dotted path into kpis.json "
            "(docs/kpis.md)"
        )
    return Gate(text.strip(), path, op, threshold)


def resolve(kpis: dict, path: str) -> list[tuple[str, object]]:
    """(concrete path, value) for each value at a dotted path; `*` matches every key at its level."""
    found = [("", kpis)]
    for segment in path.split("."):
        found = [
            (f"{prefix}{key}.", value[key])
            for prefix, value in found
            if isinstance(value, dict)
            for key in (sorted(value) if segment == "*" else [segment])
            if key in value
        ]
    return [(prefix.rstrip("."), value) for prefix, value in found]


def tripped_gates(gates: list[Gate], kpis: dict) -> list[str]:
    """Every reason a gate trips, in the order the gates were given."""
    return [line for gate in gates for line in gate.tripped_by(kpis)]


def _shown(value) -> str:
    return "null (no value)" if value is None else f"{value:g}"
