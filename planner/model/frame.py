"""A thin bulk layer over PuLP: variable families as frames, constraint families from term frames.

A variable family is a frame of index columns plus `vid`, the variable's column: its position
in the model's column arrays. Every column is held as numpy arrays (lower and upper bound,
integer flag, cost, current value), not as an object: a PuLP variable holds about 260 bytes, and
5,000 skus x 6 FCs have 5.16 million columns (the build took 2.3x as long and held twice the memory
with them; benchmarks/README.md). A constraint family is a frame of (row keys, vid, coef) terms,
kept as arrays too (`RowFamily`).

The HiGHS driver loads the arrays into the solver in bulk and writes the solution back into
them. PuLP's own objects, a variable per column (named `<family>_<i>`) and a constraint per
row, are made only for a solver that reads the model through PuLP (`materialize`, for CBC);
`pulp_solve` gives them the arrays' bounds and values before such a solver runs, and the
arrays its solution after, so the arrays stay the one model that rounding and repairs change.

A family added `lazy` enters the problem row by row, only once a solution violates the row
(`add_violated_rows`): capacities that skus share rarely bind in more than a few FCs and
periods, and each such row in the LP slows the solver down many times over. A solution that
violates no lazy row is a solution of the whole model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


@dataclass
class FrameModel:
    problem: pulp.LpProblem
    lower: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per column, in variable id order
    upper: np.ndarray = field(default_factory=lambda: np.zeros(0))  # inf: no upper bound
    integer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    value: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the current solution (0 before one)
    prefixes: list[tuple[str, int]] = field(default_factory=list)  # (family, columns) per add_variables call:
    # PuLP's variable names, made only by `materialize`
    pulp_variables: list | None = None  # PuLP's objects, once materialized
    families: dict[str, pd.DataFrame] = field(default_factory=dict)
    objective_terms: list[pd.DataFrame] = field(default_factory=list)
    lazy: dict[str, RowFamily] = field(default_factory=dict)  # rows not in the problem yet
    eager: list[RowFamily] = field(default_factory=list)  # rows in it from the start
    eager_families: list[str] = field(default_factory=list)  # the family of each eager RowFamily
    added: list[tuple[str, int]] = field(default_factory=list)  # lazy rows put in, in order
    costs: np.ndarray | None = None
    materialized: bool = False

    def __post_init__(self):
        self.problem.frame_model = self  # lets the HiGHS driver load the matrix in bulk

    def add_variables(
        self, family: str, index: pd.DataFrame, *, integer: bool = False, upper: float | None = None
    ) -> pd.DataFrame:
        """Create one non-negative column per index row; returns the index with `vid`."""
        first, n = self.column_count(), len(index)
        self.lower = np.r_[self.lower, np.zeros(n)]
        self.upper = np.r_[self.upper, np.full(n, np.inf if upper is None else float(upper))]
        self.integer = np.r_[self.integer, np.full(n, integer)]
        self.value = np.r_[self.value, np.zeros(n)]
        self.prefixes.append((family, n))
        index = index.reset_index(drop=True).assign(vid=np.arange(first, first + n))
        self.families[family] = index
        return index

    def column_count(self) -> int:
        return len(self.lower)

    def add_rows(
        self,
        family: str,
        terms: pd.DataFrame,
        keys: list[str],
        sense: str,
        rhs: pd.DataFrame | None = None,
        *,
        lazy: bool = False,
    ) -> None:
        """Add one constraint per distinct key: sum(coef * var) <sense> rhs (0 where rhs has no row)."""
        terms = terms.groupby(keys + ["vid"], sort=True, as_index=False)["coef"].sum()
        terms = terms[terms["coef"] != 0]
        if terms.empty:
            return
        row_of = terms.groupby(keys, sort=False).ngroup().to_numpy()
        starts = np.r_[0, np.flatnonzero(np.diff(row_of)) + 1, len(terms)]
        bound = np.zeros(len(starts) - 1)
        if rhs is not None:
            rows = terms[keys].iloc[starts[:-1]].reset_index(drop=True)
            bound = rows.merge(rhs, on=keys, how="left")["rhs"].fillna(0.0).to_numpy(dtype=float)
        vids, coefs = terms["vid"].to_numpy(), terms["coef"].to_numpy(dtype=float)
        if lazy:
            self.lazy[family] = RowFamily(vids, coefs, starts, sense, bound, np.zeros(len(bound), dtype=bool))
            return
        self.eager.append(RowFamily(vids, coefs, starts, sense, bound, np.ones(len(bound), dtype=bool)))
        self.eager_families.append(family)

    def materialize(self) -> None:
        """Give the PuLP problem a variable per column, its objective and its constraints (once):
        the eager rows, then the lazy rows added so far, in the order they were added."""
        if self.materialized:
            return
        self.pulp_variables = self._pulp_variables()
        if self.costs is not None:
            used = np.flatnonzero(self.costs)
            variables = map(self.pulp_variables.__getitem__, used.tolist())
            self.problem.setObjective(pulp.LpAffineExpression(zip(variables, self.costs[used].tolist())))
        for rows, family in zip(self.eager, self.eager_families):
            names = (f"{family}_{i}" for i in range(len(rows.bound)))
            constraints = _constraints(
                self.pulp_variables, rows.vids, rows.coefs, rows.starts, SENSES[rows.sense], rows.bound
            )
            self.problem.extend(dict(zip(names, constraints)))
        self.problem.extend(self._lazy_constraints(self.added))
        self.materialized = True

    def _pulp_variables(self) -> list:
        """One PuLP variable per column, named `<family>_<i>` by its place in its add_variables call."""
        names = (f"{family}_{i}" for family, n in self.prefixes for i in range(n))
        kinds = np.where(self.integer, pulp.LpInteger, pulp.LpContinuous).tolist()
        return [
            self.problem.add_variable(name, low, up, kind)
            for name, low, up, kind in zip(names, _bound_list(self.lower), _bound_list(self.upper), kinds)
        ]

    def pulp_solve(self, solve):
        """Run `solve()`, a solver that reads the model through PuLP's objects: they get the
        arrays' bounds and values (its warm start) first, and the arrays their solution after."""
        self.materialize()
        for variable, low, up, value in zip(
            self.pulp_variables, _bound_list(self.lower), _bound_list(self.upper), self.value.tolist()
        ):
            variable.lowBound, variable.upBound, variable.varValue = low, up, value
        try:
            return solve()
        finally:
            self.value = np.fromiter(
                (v.varValue or 0.0 for v in self.pulp_variables), dtype=float, count=self.column_count()
            )

    def row_count(self) -> int:
        """Constraints in the problem: every eager row and the lazy rows added so far."""
        return sum(len(rows.bound) for rows in self.eager) + len(self.added)

    def lazy_row(self, family: str, row: int) -> tuple[np.ndarray, np.ndarray, float, float]:
        """(variable ids, coefficients, lower, upper) of one lazy row."""
        rows = self.lazy[family]
        a, b = rows.starts[row], rows.starts[row + 1]
        low, up = rows.limits()
        return rows.vids[a:b], rows.coefs[a:b], float(low[row]), float(up[row])

    def add_violated_rows(self) -> int:
        """Put every lazy row the current solution violates into the problem (and into PuLP's,
        once materialized); returns how many."""
        return self._add_lazy_rows(lambda lazy: lazy.violated(self.value))

    def add_lazy_rows(self) -> int:
        """Put every lazy row not yet in into the problem; returns how many."""
        return self._add_lazy_rows(lambda lazy: ~lazy.added)

    def _add_lazy_rows(self, chosen) -> int:
        if not self.lazy:
            return 0
        added = []
        for family, lazy in self.lazy.items():
            rows = np.flatnonzero(chosen(lazy))
            lazy.added[rows] = True
            added.extend((family, row) for row in rows.tolist())
        self.added.extend(added)
        if self.materialized:
            self.problem.extend(self._lazy_constraints(added))
        return len(added)

    def _lazy_constraints(self, rows: list[tuple[str, int]]) -> dict:
        """PuLP constraints of lazy rows, by the name `<family>_<row>`."""
        constraints = {}
        for family, row in rows:
            lazy = self.lazy[family]
            a, b = lazy.starts[row], lazy.starts[row + 1]
            constraints[f"{family}_{row}"] = next(
                _constraints(
                    self.pulp_variables,
                    lazy.vids[a:b],
                    lazy.coefs[a:b],
                    np.array([0, b - a]),
                    SENSES[lazy.sense],
                    lazy.bound[row : row + 1],
                )
            )
        return constraints

    def add_cost(self, family_index: pd.DataFrame, coef) -> None:
        """Objective terms: coef per variable of a family (an array or a column)."""
        self.objective_terms.append(
            pd.DataFrame({"vid": family_index["vid"].to_numpy(), "coef": np.asarray(coef, dtype=float)})
        )

    def set_objective(self) -> None:
        """The cost of every column, as an array (once, after every add_cost); PuLP gets it as
        its objective only when a solver reads the model through PuLP (`materialize`): an
        expression over millions of variables is a large dict that the HiGHS driver never reads."""
        terms = pd.concat(self.objective_terms).groupby("vid", sort=True)["coef"].sum()
        self.costs = np.zeros(self.column_count())
        self.costs[terms.index.to_numpy()] = terms.to_numpy()
        self.objective_terms = []  # the costs hold them (1,000 skus x 50 FCs: 57 MB)

    def objective_value(self) -> float:
        """The objective at the columns' current values."""
        return float(self.costs @ self.value)

    def set_solution(self, values: np.ndarray) -> None:
        """Give every column its value, in variable id order."""
        self.value = np.array(values, dtype=float)

    def solution(self) -> np.ndarray:
        """Every column's current value, in variable id order (0 where the solver gave none)."""
        return self.value.copy()

    def variable_skus(self) -> np.ndarray:
        """Per variable, a code of the sku it belongs to (-1: none, e.g. an FC's storage overflow).

        Every eager row lies within one sku, so the model without its lazy rows falls apart into
        one small LP per sku; the HiGHS driver uses this to solve a large LP by prices.
        """
        codes = np.full(self.column_count(), -1, dtype=np.int64)
        sku_of_item = None
        if "purchase" in self.families:
            sku_of_item = self.families["purchase"].drop_duplicates("item").set_index("item")["sku"]
        labelled = []
        for index in self.families.values():
            if "sku" in index:
                labelled.append((index["vid"].to_numpy(), index["sku"]))
            elif "item" in index and sku_of_item is not None:
                labelled.append((index["vid"].to_numpy(), index["item"].map(sku_of_item)))
        skus = sorted(set().union(*(set(sku.dropna().tolist()) for _, sku in labelled))) if labelled else []
        for vids, sku in labelled:
            codes[vids] = pd.Categorical(sku, categories=skus).codes
        return codes

    def values(self, family: str) -> np.ndarray:
        """Solution values of a family, in its index order (0 where the solver gave none)."""
        return self.value[self.families[family]["vid"].to_numpy()]


@dataclass
class RowFamily:
    """A constraint family as arrays: CSR terms, sense, bounds, and which rows are in the problem."""

    vids: np.ndarray
    coefs: np.ndarray
    starts: np.ndarray
    sense: str
    bound: np.ndarray
    added: np.ndarray

    def limits(self, inf: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) bound of every row, from its sense: a `<=` row has no lower bound."""
        bound = self.bound.astype(float)
        low = bound if self.sense in (">=", "==") else np.full(len(bound), -inf)
        up = bound if self.sense in ("<=", "==") else np.full(len(bound), inf)
        return low, up

    def violated(self, values: np.ndarray) -> np.ndarray:
        """Rows not yet added that the values break by more than a relative 1e-6."""
        lhs = np.add.reduceat(self.coefs * values[self.vids], self.starts[:-1]) if len(self.vids) else np.zeros(0)
        slack = 1e-6 * np.maximum(np.abs(self.bound), 1.0)
        broken = {
            "<=": lhs > self.bound + slack,
            ">=": lhs < self.bound - slack,
            "==": np.abs(lhs - self.bound) > slack,
        }[self.sense]
        return broken & ~self.added


def _bound_list(bound: np.ndarray) -> list:
    """Bounds as PuLP holds them: None where there is none (an infinite one)."""
    return np.where(np.isinf(bound), None, bound).tolist()


def _constraints(variables, vids, coefs, starts, sense, bound):
    lookup = variables.__getitem__
    vids, coefs = vids.tolist(), coefs.tolist()
    for row, (a, b) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist())):
        expression = pulp.LpAffineExpression(zip(map(lookup, vids[a:b]), coefs[a:b]))
        yield pulp.LpConstraint(expression, sense, rhs=float(bound[row]))


def shifted(index: pd.DataFrame, coef: float, horizon: int) -> pd.DataFrame:
    """Terms of x[t-1] in the row of period t: the carry-over of a stock or queue."""
    carried = index.assign(period=index["period"] + 1, coef=coef)
    return carried[carried["period"] < horizon]


def terms(index: pd.DataFrame, keys: dict[str, str] | list[str], coef) -> pd.DataFrame:
    """Term frame of a family for a constraint family: rename index columns to the row keys."""
    mapping = keys if isinstance(keys, dict) else {k: k for k in keys}
    frame = index[list(mapping) + ["vid"]].rename(columns=mapping)
    return frame.assign(coef=coef)
