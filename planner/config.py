"""The planning model a planner edits (a TOML file), parsed into one frozen PlanConfig."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from planner.calendar import PERIOD_LENGTHS
from planner.forecast.options import ForecastOptions

SOLVERS = ("cbc", "highs")
AUTO = "auto"
HIGHS_METHODS = ("choose", "simplex", "ipm", "pdlp")


class ConfigError(ValueError):
    """The model file is unreadable or holds a value the planner cannot use."""


SEGMENTS = tuple(abc + xyz for abc in "ABC" for xyz in "XYZ")


@dataclass(frozen=True)
class ServiceSegments:
    """[service.segments]: a service level per ABC (share of value) x XYZ (forecast error CV) segment.

    Ranked by forecast value, a sku is A while the skus above it hold less than `a_share` of the
    value, B while they hold less than `b_share`, else C; X when its forecast error per period is
    at most `x_cv` times its mean demand per period, Y up to `y_cv`, else Z (planner.model.service).
    """

    a_share: float = 0.8
    b_share: float = 0.95
    x_cv: float = 0.5
    y_cv: float = 1.0
    levels: tuple[tuple[str, float], ...] = (
        ("AX", 0.99),
        ("AY", 0.98),
        ("AZ", 0.96),
        ("BX", 0.97),
        ("BY", 0.95),
        ("BZ", 0.93),
        ("CX", 0.95),
        ("CY", 0.92),
        ("CZ", 0.90),
    )

    def level(self, segment: str) -> float:
        return dict(self.levels)[segment]


@dataclass(frozen=True)
class PlanConfig:
    period: str = "week"
    horizon: int | None = None
    """Periods planned; None ("auto" in the model file) = enough for the longest supplier lead time
    plus 4 weeks, and at least 13 weeks (planner.pipeline.plan_calendar)."""
    priority_weights: tuple[tuple[int, float], ...] = ((1, 40.0), (2, 20.0), (3, 10.0), (4, 5.0))
    forecast_priority: int = 4
    service_level: float = 0.95
    segments: ServiceSegments | None = None
    """Service levels by ABC x XYZ segment; None keeps one service_level for every sku."""
    safety_stock_penalty: float = 0.5
    storage_overflow_penalty: float = 10.0
    holding_rate: float = 0.25
    end_stock_value: float = 0.8
    change_penalty: float = 0.05
    solver: str = "highs"
    time_limit: float = 300.0
    mip_gap: float = 0.01
    threads: int = 2
    relax: bool = False
    integer_periods: int = 4
    lp_rounding: bool = True
    highs_method: str = "simplex"
    interval_level: float = 0.9
    history_periods: int = 104
    candidates: tuple[str, ...] = ForecastOptions.candidates
    intermittent_candidates: tuple[str, ...] = ForecastOptions.intermittent_candidates
    backtest_origins: int = ForecastOptions.origins
    combine: str = ForecastOptions.combine
    combine_top: int = ForecastOptions.combine_top
    source: str = field(default="built-in defaults", compare=False)

    def weight(self, priority: int) -> float:
        """Waiting cost weight of a priority; priorities past the table use its last weight."""
        table = dict(self.priority_weights)
        listed = [p for p in table if p <= priority]
        return table[max(listed)] if listed else table[min(table)]

    def forecast_options(self) -> ForecastOptions:
        """The per-series forecast settings of the [forecast] section."""
        return ForecastOptions(
            horizon=self.horizon or ForecastOptions.horizon,
            candidates=self.candidates,
            intermittent_candidates=self.intermittent_candidates,
            origins=self.backtest_origins,
            combine=self.combine,
            combine_top=self.combine_top,
        )

    def with_overrides(self, **changes) -> PlanConfig:
        """A copy with the CLI's options applied (None means 'keep the model's value')."""
        changes = {k: v for k, v in changes.items() if v is not None}
        return _checked(replace(self, **changes))


_SECTIONS = {
    "plan": ("period", "horizon"),
    "service": (
        "priority_weights",
        "forecast_priority",
        "service_level",
        "segments",
        "safety_stock_penalty",
        "storage_overflow_penalty",
    ),
    "costs": ("holding_rate", "end_stock_value", "change_penalty"),
    "solver": ("name", "time_limit", "mip_gap", "threads", "relax", "integer_periods", "lp_rounding", "highs_method"),
    "forecast": (
        "interval_level",
        "history_periods",
        "candidates",
        "intermittent_candidates",
        "backtest_origins",
        "combine",
        "combine_top",
    ),
}


def load_config(path: Path | str | None = None) -> PlanConfig:
    """Read a model TOML file; every key is optional and falls back to the built-in default.

    The built-in defaults are the values of models/default.toml (a test keeps them equal), so an
    installed planner needs no file to run.
    """
    if path is None:
        return PlanConfig()
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: model file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values = _flatten(raw, path)
    if values.get("horizon") == AUTO:
        values["horizon"] = None
    if "priority_weights" in values:
        values["priority_weights"] = _priority_weights(values["priority_weights"], path)
    for key in ("candidates", "intermittent_candidates"):
        if key in values:
            values[key] = _method_names(values[key], key, path)
    if "segments" in values:
        values["segments"] = _segments(values["segments"], path)
    try:
        return _checked(PlanConfig(**values, source=str(path)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _flatten(raw: dict, path: Path) -> dict:
    values = {}
    for section, body in raw.items():
        if section not in _SECTIONS or not isinstance(body, dict):
            raise ConfigError(f"{path}: unknown section [{section}]; known: {', '.join(_SECTIONS)}")
        for key, value in body.items():
            if key not in _SECTIONS[section]:
                raise ConfigError(f"{path}: unknown key '{key}' in [{section}]; known: {', '.join(_SECTIONS[section])}")
            values["solver" if (section, key) == ("solver", "name") else key] = value
    return values


def _priority_weights(table, path: Path) -> tuple[tuple[int, float], ...]:
    try:
        pairs = tuple(sorted((int(p), float(w)) for p, w in dict(table).items()))
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: priority_weights must map integer priorities to numbers") from None
    if not pairs or any(p < 1 or w <= 0 for p, w in pairs):
        raise ConfigError(f"{path}: priority_weights needs priorities >= 1 with positive weights")
    return pairs


def _method_names(value, key: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ConfigError(f"{path}: {key} must be a list of method names")
    return tuple(value)


def _segments(table, path: Path) -> ServiceSegments:
    """[service.segments] as written: known keys, numbers, a level for each of the nine segments."""
    where = f"{path}: [service.segments]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table: a [service.segments] header and its keys")
    known = [f.name for f in fields(ServiceSegments)]
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; known: {', '.join(known)}")
    for key in ("a_share", "b_share", "x_cv", "y_cv"):
        if key in table and not _TYPE_CHECKS["float"][0](table[key]):
            raise ConfigError(f"{where}: '{key}' must be a number, not {table[key]!r}")
    values = {k: v for k, v in table.items() if k != "levels"}
    if "levels" in table:
        values["levels"] = _segment_levels(table["levels"], where)
    return ServiceSegments(**values)


def _segment_levels(levels, where: str) -> tuple[tuple[str, float], ...]:
    example = "levels = { AX = 0.99, AY = 0.98, ..., CZ = 0.90 }"
    if not isinstance(levels, dict):
        raise ConfigError(f"{where}: levels must map each segment to a service level, e.g. {example}")
    unknown = sorted(set(levels) - set(SEGMENTS))
    missing = [s for s in SEGMENTS if s not in levels]
    if unknown or missing:
        what = f"unknown segment '{unknown[0]}'" if unknown else f"no level for {', '.join(missing)}"
        raise ConfigError(f"{where}: levels has {what}; give each of {', '.join(SEGMENTS)} a level, e.g. {example}")
    for segment in SEGMENTS:
        if not _TYPE_CHECKS["float"][0](levels[segment]):
            raise ConfigError(f"{where}: the level of {segment} must be a number, not {levels[segment]!r}")
    return tuple((segment, float(levels[segment])) for segment in SEGMENTS)


_TYPE_CHECKS = {
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "text"),
}


def _checked(config: PlanConfig) -> PlanConfig:
    """Reject values the model cannot use, naming the key."""
    for f in fields(config):
        value = getattr(config, f.name)
        expected = _TYPE_CHECKS.get(f.type)
        if expected and not expected[0](value):
            raise ConfigError(f"{config.source}: '{f.name}' must be {expected[1]}, not {value!r}")
    rules = [
        (config.period in PERIOD_LENGTHS, f"period must be one of {', '.join(PERIOD_LENGTHS)}"),
        (
            config.horizon is None or (_TYPE_CHECKS["int"][0](config.horizon) and config.horizon >= 1),
            f'horizon must be a whole number of periods, at least 1, or "{AUTO}", not {config.horizon!r}',
        ),
        (config.solver in SOLVERS, f"solver must be one of {', '.join(SOLVERS)}"),
        (config.highs_method in HIGHS_METHODS, f"highs_method must be one of {', '.join(HIGHS_METHODS)}"),
        (0.5 <= config.service_level < 1, "service_level must be in [0.5, 1)"),
        (0 < config.interval_level < 1, "interval_level must be in (0, 1)"),
        (config.time_limit > 0, "time_limit must be positive"),
        (0 <= config.mip_gap < 1, "mip_gap must be in [0, 1)"),
        (config.threads >= 1, "threads must be at least 1"),
        (config.integer_periods >= 0, "integer_periods must not be negative"),
        (config.history_periods >= 4, "history_periods must be at least 4"),
        (config.forecast_priority >= 1, "forecast_priority must be at least 1"),
        (
            min(config.safety_stock_penalty, config.storage_overflow_penalty, config.holding_rate) >= 0,
            "penalties and holding_rate must not be negative",
        ),
        (config.change_penalty >= 0, "change_penalty must not be negative"),
        (
            0 <= config.end_stock_value < 1,
            "end_stock_value must be in [0, 1): stock left at the end is "
            "worth less than it cost, or the plan would buy without limit",
        ),
    ]
    if config.segments is not None:
        rules += _segment_rules(config.segments)
    for ok, message in rules:
        if not ok:
            raise ConfigError(f"{config.source}: {message}")
    try:
        config.forecast_options()
    except ValueError as exc:
        raise ConfigError(f"{config.source}: [forecast] {exc}") from None
    return config


def _segment_rules(segments: ServiceSegments) -> list[tuple[bool, str]]:
    where = "[service.segments]"
    return [
        (
            0 < segments.a_share <= segments.b_share <= 1,
            f"{where} needs 0 < a_share <= b_share <= 1 (cumulative shares of value), "
            f"not {segments.a_share!r} and {segments.b_share!r}",
        ),
        (
            0 <= segments.x_cv <= segments.y_cv,
            f"{where} needs 0 <= x_cv <= y_cv (forecast error over mean demand), "
            f"not {segments.x_cv!r} and {segments.y_cv!r}",
        ),
    ] + [
        (0.5 <= level < 1, f"{where} level of {segment} must be in [0.5, 1), not {level!r}")
        for segment, level in segments.levels
    ]
