"""KPI gates: parsing (before any solve) and checking against a plan's kpis.json."""

from __future__ import annotations

import pytest

from planner.report.gates import GateError, parse_gate, resolve, tripped_gates

KPIS = {
    "service": {"fill_rate": 0.93, "backorder_units": 0.0},
    "capacity": {"FC1": {"outbound_utilization_peak": 1.0}, "FC2": {"outbound_utilization_peak": 0.5}},
    "solver": {"mip_gap": None},
}


@pytest.mark.parametrize(
    "text, path, op, threshold",
    [
        ("fill_rate<0.95", "service.fill_rate", "<", 0.95),
        (" backorder_units > 0 ", "service.backorder_units", ">", 0.0),
        ("service.backlog_units>=1e3", "service.backlog_units", ">=", 1000.0),
        ("capacity.*.outbound_utilization_peak>0.9", "capacity.*.outbound_utilization_peak", ">", 0.9),
        ("orders.by_priority.1.late!=0", "orders.by_priority.1.late", "!=", 0.0),
    ],
)
def test_a_gate_reads_a_short_name_or_a_dotted_path(text, path, op, threshold):
    gate = parse_gate(text)
    assert (gate.path, gate.op, gate.threshold) == (path, op, threshold)


@pytest.mark.parametrize(
    "text, says",
    [
        ("fill_rate", "expected METRIC OP NUMBER"),
        ("fill_rate<high", "expected METRIC OP NUMBER"),
        ("fill_rate<0.9.5", "is not a number"),
        ("fillrate<0.95", "unknown metric 'fillrate'"),
        ("solver.name==1", "unknown metric"),  # text, not a number
        ("service.*<1", "unknown metric"),
        ("*.FC1.outbound_units>0", "unknown metric"),
    ],
)
def test_a_bad_gate_is_refused_with_what_is_allowed(text, says):
    with pytest.raises(GateError, match=says):
        parse_gate(text)


def test_a_wildcard_gate_trips_once_per_value_that_makes_it_true():
    assert tripped_gates([parse_gate("capacity.*.outbound_utilization_peak>=0.9")], KPIS) == [
        "capacity.*.outbound_utilization_peak>=0.9: capacity.FC1.outbound_utilization_peak = 1"
    ]


def test_gates_that_hold_trip_and_others_do_not():
    gates = [parse_gate("fill_rate<0.95"), parse_gate("backorder_units>0")]
    assert tripped_gates(gates, KPIS) == ["fill_rate<0.95: service.fill_rate = 0.93"]


def test_a_missing_or_null_value_trips_rather_than_passing_silently():
    gates = [parse_gate("capacity.FC9.outbound_units>0"), parse_gate("mip_gap>0.01")]
    assert tripped_gates(gates, KPIS) == [
        "capacity.FC9.outbound_units>0: kpis.json has no value at capacity.FC9.outbound_units",
        "mip_gap>0.01: solver.mip_gap = null (no value)",
    ]


def test_resolve_lists_wildcard_matches_in_key_order():
    assert [p for p, _ in resolve(KPIS, "capacity.*.outbound_utilization_peak")] == [
        "capacity.FC1.outbound_utilization_peak",
        "capacity.FC2.outbound_utilization_peak",
    ]
