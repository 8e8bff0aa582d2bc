"""A thin bulk layer over PuLP: variable families as frames, constraint families from term frames.

A variable family is a frame of index columns plus `vid`, the variable's position in one
list. A constraint family is a frame of (row keys, vid, coef) terms; one LpAffineExpression
is made per row from numpy slices and all rows are added with one `prob.extend`.

Every constraint family is kept as arrays (`RowFamily`). The HiGHS driver loads them into
the solver in bulk; PuLP's own constraint objects (a dict per row, about 40% of the model's
memory) are made only for a solver that needs them (`materialize`, for CBC).

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
    variables: list = field(default_factory=list)
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
        """Create one non-negative variable per index row; returns the index with `vid`."""
        category = pulp.LpInteger if integer else pulp.LpContinuous
        created = self.problem.add_variable_matrix(family, range(len(index)), lowBound=0, upBound=upper, cat=category)
        index = index.reset_index(drop=True).assign(
            vid=np.arange(len(self.variables), len(self.variables) + len(created))
        )
        self.variables.extend(created)
        self.families[family] = index
        return index

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
        """Give the PuLP problem its objective and eager constraints (once), ahead of the rows
        added lazily."""
        if self.materialized:
            return
        used = np.flatnonzero(self.costs)
        self.problem.setObjective(
            pulp.LpAffineExpression(zip(map(self.variables.__getitem__, used.tolist()), self.costs[used].tolist()))
        )
        added = dict(self.problem._constraints)
        self.problem._constraints.clear()
        for rows, family in zip(self.eager, self.eager_families):
            names = (f"{family}_{i}" for i in range(len(rows.bound)))
            self.problem.extend(
                dict(
                    zip(
                        names,
                        _constraints(
                            self.variables, rows.vids, rows.coefs, rows.starts, SENSES[rows.sense], rows.bound
                        ),
                    )
                )
            )
        self.problem.extend(added)
        self.materialized = True

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
        """Put every lazy row the current solution violates into the problem; returns how many."""
        if not self.lazy:
            return 0
        values = self.solution()
        added = 0
        for family, lazy in self.lazy.items():
            rows = np.flatnonzero(lazy.violated(values))
            for row in rows.tolist():
                a, b = lazy.starts[row], lazy.starts[row + 1]
                self.problem.extend(
                    {
                        f"{family}_{row}": next(
                            _constraints(
                                self.variables,
                                lazy.vids[a:b],
                                lazy.coefs[a:b],
                                np.array([0, b - a]),
                                SENSES[lazy.sense],
                                lazy.bound[row : row + 1],
                            )
                        )
                    }
                )
            lazy.added[rows] = True
            self.added.extend((family, row) for row in rows.tolist())
            added += len(rows)
        return added

    def add_cost(self, family_index: pd.DataFrame, coef) -> None:
        """Objective terms: coef per variable of a family (an array or a column)."""
        self.objective_terms.append(
            pd.DataFrame({"vid": family_index["vid"].to_numpy(), "coef": np.asarray(coef, dtype=float)})
        )

    def set_objective(self) -> None:
        """The cost of every variable, as an array; PuLP gets it as its objective only when a
        solver reads the model through PuLP (`materialize`): an expression over millions of
        variables is a large dict that the HiGHS driver never reads."""
        terms = pd.concat(self.objective_terms).groupby("vid", sort=True)["coef"].sum()
        self.costs = np.zeros(len(self.variables))
        self.costs[terms.index.to_numpy()] = terms.to_numpy()

    def objective_value(self) -> float:
        """The objective at the variables' current values."""
        return float(self.costs @ self.solution())

    def set_solution(self, values: np.ndarray) -> None:
        """Give every variable its value, in variable id order."""
        for variable, value in zip(self.variables, values.tolist()):
            variable.varValue = value

    def solution(self) -> np.ndarray:
        """Every variable's current value, in variable id order (0 where the solver gave none)."""
        return np.fromiter((v.varValue or 0.0 for v in self.variables), dtype=float, count=len(self.variables))

    def variable_skus(self) -> np.ndarray:
        """Per variable, a code of the sku it belongs to (-1: none, e.g. an FC's storage overflow).

        Every eager row lies within one sku, so the model without its lazy rows falls apart into
        one small LP per sku; the HiGHS driver uses this to solve a large LP by prices.
        """
        codes = np.full(len(self.variables), -1, dtype=np.int64)
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
        vids = self.families[family]["vid"].to_numpy()
        return np.array([self.variables[i].varValue or 0.0 for i in vids.tolist()], dtype=float)


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
