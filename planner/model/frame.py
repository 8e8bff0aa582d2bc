"""A thin bulk layer over PuLP: variable families as frames, constraint families from term frames.

A variable family is a frame of index columns plus `vid`, the variable's position in one
list. A constraint family is a frame of (row keys, vid, coef) terms; one LpAffineExpression
is made per row from numpy slices and all rows are added with one `prob.extend`.
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
    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    objective_terms: list[pd.DataFrame] = field(default_factory=list)

    def add_variables(self, family: str, index: pd.DataFrame, *, integer: bool = False,
                      upper: float | None = None) -> pd.DataFrame:
        """Create one non-negative variable per index row; returns the index with `vid`."""
        category = pulp.LpInteger if integer else pulp.LpContinuous
        created = self.problem.add_variable_matrix(family, range(len(index)), lowBound=0,
                                                   upBound=upper, cat=category)
        index = index.reset_index(drop=True).assign(vid=np.arange(len(self.variables),
                                                                 len(self.variables) + len(created)))
        self.variables.extend(created)
        self.families[family] = index
        return index

    def add_rows(self, family: str, terms: pd.DataFrame, keys: list[str], sense: str,
                 rhs: pd.DataFrame | None = None) -> None:
        """Add one constraint per distinct key: sum(coef * var) <sense> rhs (0 where rhs has no row)."""
        terms = terms.groupby(keys + ["vid"], sort=True, as_index=False)["coef"].sum()
        terms = terms[terms["coef"] != 0]
        if terms.empty:
            return
        row_of = terms.groupby(keys, sort=False).ngroup().to_numpy()
        starts = np.r_[0, np.flatnonzero(np.diff(row_of)) + 1, len(terms)]
        rows = terms[keys].iloc[starts[:-1]].reset_index(drop=True)
        bound = np.zeros(len(rows))
        if rhs is not None:
            bound = rows.merge(rhs, on=keys, how="left")["rhs"].fillna(0.0).to_numpy(dtype=float)
        names = [f"{family}_{i}" for i in range(len(rows))]
        self.problem.extend(dict(zip(names, _constraints(
            self.variables, terms["vid"].to_numpy(), terms["coef"].to_numpy(dtype=float),
            starts, SENSES[sense], bound))))
        self.rows[family] = rows.assign(constraint=names)

    def add_cost(self, family_index: pd.DataFrame, coef) -> None:
        """Objective terms: coef per variable of a family (an array or a column)."""
        self.objective_terms.append(pd.DataFrame({"vid": family_index["vid"].to_numpy(),
                                                  "coef": np.asarray(coef, dtype=float)}))

    def set_objective(self) -> None:
        terms = pd.concat(self.objective_terms).groupby("vid", sort=True)["coef"].sum()
        terms = terms[terms != 0]
        self.problem.setObjective(pulp.LpAffineExpression(
            zip(map(self.variables.__getitem__, terms.index.tolist()), terms.tolist())))

    def values(self, family: str) -> np.ndarray:
        """Solution values of a family, in its index order (0 where the solver gave none)."""
        vids = self.families[family]["vid"].to_numpy()
        return np.array([self.variables[i].varValue or 0.0 for i in vids.tolist()], dtype=float)


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
