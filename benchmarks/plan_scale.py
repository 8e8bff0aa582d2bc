"""How the weekly plan scales with the number of SKUs: forecast, model build and solve, per size.

    python benchmarks/plan_scale.py [--sizes 100,1000,5000] [--fcs 6] [--shape generated] [--solver highs]
                                    [--time-limit S] [--gap 0.01] [--seed 1]
                                    [--highs-method simplex,ipm,pdlp | each]

For every size the script runs itself in a fresh subprocess (`--one SIZE`), so the peak memory
(getrusage ru_maxrss, a process-wide high-water mark) belongs to that size alone. The child
generates a dataset with `generate_dataset(n_skus, n_fcs, seed, history_period="week")` (with
`--shape star-moq` or `sparse`, benchmarks/shapes.py's `build(shape, n_skus, n_fcs, seed)`, a
network built apart from the generator, e.g. `--sizes 30 --fcs 10 --shape star-moq`), writes
it to a temporary folder and loads it back with `load_dataset`, as `planner plan` would, runs
`planner.pipeline.run_plan` and writes the output files, then prints one JSON object on stdout.
The parent prints a Markdown table on stdout; progress goes to stderr.

Stage times come from the run's own `kpis["run"]["timings_seconds"]`: "build" is model inputs +
`build_model` (the PuLP objects), "solve" is `planner.solve.solver.solve`. Inside "solve", the child also
times what PuLP does before and after the solver proper (copying the model into HiGHS row by row,
or writing the MPS file for CBC; reading the solution back), by wrapping those PuLP methods; this
changes nothing in the run, it only splits the solve figure into "PuLP transfer" and "solver run".

`--highs-method` runs every size once per HiGHS method named (`each`: all of them). The method
is HiGHS's for the first LP of a model loaded whole; a model of more columns than
`HighsSession.PRICED_COLUMNS` is solved by prices on its shared capacities, one small dual
simplex per SKU, whatever the method: the "LP" column says which path a row took.

`--profile-build SIZE` runs the same pipeline up to the end of the build stage under cProfile
(model inputs + build_model only) and prints the hotspots; it does not solve.

Targets (from the issue), printed beside the figures:
  * build < solve / 3 at every size;
  * 1,000 SKUs x 6 FCs x 13 weeks, HiGHS, MOQ/lot integers, 1% gap: end to end < 120 s;
  * 5,000 SKUs: end to end < 15 minutes.
"End to end" is load + run_plan + writing the output files (what `planner plan` does); the
synthetic data generation is timed but not counted. An end-to-end target also needs a plan
within the MIP gap: it FAILs when the solver stops on its time limit above the gap, and when
any LP call of the solve (relaxation or repair) stopped on the time limit, since such an LP's
values are not a solution even if the run reports one (the status column then says so).

`--max-seconds` kills a size that runs too long; the child keeps a partial row on disk at every
stage and solver call, so a killed size still shows how far it got. `--max-memory-mb` caps each
child's address space so a size too big for the machine fails alone with a MemoryError.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BUILD_SHARE = 1 / 3  # build must stay under this fraction of solve
E2E_TARGETS = {1000: 120.0, 5000: 900.0}  # skus -> end-to-end seconds
TARGET_FCS, TARGET_PERIODS, TARGET_GAP = 6, 13, 0.01


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- child: one size


class _SolverClock:
    """Splits the solve stage: PuLP -> solver transfer, the solver run, reading the solution back.

    Wraps PuLP methods for the duration of one run; the wrapped methods do exactly what they did.
    The solve stage may call the solver several times (LP relaxation, rounded and repaired LPs,
    then maybe the MILP): each HiGHS call gets an entry in `calls`.
    """

    def __init__(self, highs_log: str | None = None):
        self.seconds = {"transfer": 0.0, "solver_run": 0.0, "read_back": 0.0}
        self.calls: list[dict] = []
        self.highs_log = highs_log
        self.on_call = None
        self._saved: list = []

    def _wrap(self, owner, name: str, bucket: str, before=None, after=None) -> None:
        original = getattr(owner, name)
        clock = self

        def timed(*args, **kwargs):
            if before is not None:
                before(*args)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                clock.seconds[bucket] += spent
                if clock.calls and bucket in clock.calls[-1]:
                    clock.calls[-1][bucket] = round(clock.calls[-1][bucket] + spent, 3)
                if after is not None:
                    after(*args)

        self._saved.append((owner, name, original))
        setattr(owner, name, timed)

    def __enter__(self):
        import pulp

        highs = pulp.HiGHS
        if hasattr(highs, "buildSolverModel"):  # highspy installed
            self._wrap(highs, "createAndConfigureSolver", "transfer", before=self._new_call, after=self._log_to_file)
            self._wrap(highs, "buildSolverModel", "transfer")
            self._wrap(highs, "callSolver", "solver_run", after=self._highs_info)
            self._wrap(highs, "findSolutionValues", "read_back")
        self._wrap(pulp.LpProblem, "writeMPS", "transfer")  # CBC reads the model from an MPS file
        self._wrap(pulp.COIN_CMD, "readsol_MPS", "read_back")
        return self

    def __exit__(self, *exc):
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        return False

    def _new_call(self, solver, lp) -> None:
        self.calls.append(
            {
                "kind": "MILP" if solver.mip and _has_integers(lp) else "LP",
                "transfer": 0.0,
                "solver_run": 0.0,
                "read_back": 0.0,
            }
        )

    def _log_to_file(self, solver, lp) -> None:
        """HiGHS's own log (presolve, root node, B&B progress) to a file per call; the console stays quiet."""
        if self.highs_log:
            for option, value in (
                ("output_flag", True),
                ("log_to_console", False),
                ("log_file", f"{self.highs_log}.call{len(self.calls)}"),
            ):
                lp.solverModel.setOptionValue(option, value)

    def _highs_info(self, solver, lp) -> None:
        try:
            highs = lp.solverModel
            info = highs.getInfo()
            self.calls[-1].update(
                {
                    "status": highs.modelStatusToString(highs.getModelStatus()),
                    "highs_run_time": round(float(highs.getRunTime()), 3),
                    "simplex_iterations": int(info.simplex_iteration_count),
                    "ipm_iterations": int(info.ipm_iteration_count),
                    "mip_nodes": int(info.mip_node_count),
                    "mip_dual_bound": _finite(info.mip_dual_bound),
                    "objective": _finite(info.objective_function_value),
                    "mip_gap": _finite(info.mip_gap),
                }
            )
        except Exception as exc:  # informational only
            self.calls[-1]["error"] = repr(exc)
        if self.on_call is not None:
            self.on_call()

    def path(self) -> str:
        """The solver calls in order, e.g. 'LP,LP,LP' or 'LP,LP,LP,MILP'."""
        return ",".join(call["kind"] for call in self.calls)


def _has_integers(lp) -> bool:
    """A FrameModel's integer flags, or a plain problem's PuLP variables."""
    frame = getattr(lp, "frame_model", None)
    return bool(frame.integer.any()) if frame is not None else any(v.cat == "Integer" for v in lp.variables())


def _finite(value) -> float | None:
    value = float(value)
    return value if abs(value) < 1e20 else None


class _KeepModel:
    """Keeps the model run_plan builds, so sizes are known even when the solve finds no plan."""

    def __init__(self):
        self.model = None

    def __enter__(self):
        import planner.pipeline as pipeline

        self._original = original = pipeline.build_model

        def keep(inputs):
            built = original(inputs)
            self.model = built[0]
            return built

        pipeline.build_model = keep
        return self

    def __exit__(self, *exc):
        import planner.pipeline as pipeline

        pipeline.build_model = self._original
        return False


def _code_version() -> dict:
    """The commit of the planner package this run imported, and whether planner/ had local edits."""
    import planner

    root = Path(planner.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "planner"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    if not commit and (root / "COMMIT").is_file():  # an exported snapshot (git archive) of the package
        commit, dirty = (root / "COMMIT").read_text().strip()[:7], ""
    return {"commit": commit or None, "planner_dirty": bool(dirty), "planner_path": str(root)}


def _peak_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"peak_mb": round(own, 1), "worker_peak_mb": round(workers, 1), "tree_peak_mb": _TreeMemory.peak}


class _TreeMemory(threading.Thread):
    """Samples, every second, the memory of this process and all its descendants (the solver's
    worker processes live beside it): the sum of their proportional set sizes (PSS, Linux), which
    counts a page shared by n processes 1/n in each. ru_maxrss sees one process at a time."""

    peak: float | None = None

    def __init__(self):
        super().__init__(daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            total = sum(_pss_mb(pid) for pid in _tree(os.getpid()))
            _TreeMemory.peak = round(max(_TreeMemory.peak or 0.0, total), 1)

    def stop(self) -> None:
        self.stopped.set()


def _tree(root: int) -> list[int]:
    """root and every process descending from it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(frontier)
    return found


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def _config(args):
    from planner.config import load_config

    return load_config(args.model).with_overrides(
        solver=args.solver,
        time_limit=args.time_limit,
        mip_gap=args.gap,
        relax=args.relax or None,
        highs_method=args.highs_method,
    )


def _lp_path(variables: int | None) -> str | None:
    """Whether the LP was loaded whole (the HiGHS method applies) or solved by prices per SKU."""
    from planner.solve.highs import HighsSession

    if variables is None:
        return None
    return "whole" if variables <= HighsSession.PRICED_COLUMNS else "by prices"


def _load(n_skus: int, args, scratch: Path) -> tuple:
    """Generate, write and load a dataset; returns the Dataset and the two timings."""
    from planner.data.generate import generate_dataset, write_dataset
    from planner.data.load import load_dataset

    started = time.perf_counter()
    if args.shape == "generated":
        tables = generate_dataset(n_skus, args.fcs, args.seed, history_period="week")
    else:
        import shapes  # benchmarks/shapes.py, beside this script

        tables = shapes.build(args.shape, n_skus, args.fcs, args.seed)
    generated = time.perf_counter()
    folder = scratch / "dataset"
    write_dataset(tables, folder)
    del tables
    written = time.perf_counter()
    dataset = load_dataset(folder)
    loaded = time.perf_counter()
    return dataset, round(generated - started, 3), round(loaded - written, 3)


class _StageMarks:
    """Wall-clock marks at each progress call: stage times even when run_plan raises NoPlan."""

    def __init__(self, on_mark=None):
        self.marks: list[tuple[str, float]] = []
        self.started = time.perf_counter()
        self.on_mark = on_mark

    def __call__(self, stage: str) -> None:
        self.marks.append((stage, time.perf_counter()))
        log(f"  [{time.perf_counter() - self.started:7.1f} s] {stage}")
        if self.on_mark is not None:
            self.on_mark()

    def seconds(self, ended: float) -> dict:
        names = {"forecast": "forecast", "build model": "build"}
        stamps = self.marks + [("end", ended)]
        return {
            names.get(name, "solve" if name.startswith("solve") else name): round(b - a, 3)
            for (name, a), (_, b) in zip(stamps[:-1], stamps[1:])
        }


class _Partial:
    """The row so far, rewritten to a file at every stage and solver call: a size the parent
    kills for taking too long still reports how far it got and what each part took."""

    def __init__(self, path: str | None, row: dict):
        self.path, self.row = path, row
        self.marks = self.clock = self.kept = None

    def write(self) -> None:
        if not self.path:
            return
        snapshot = dict(self.row)
        if self.marks is not None and self.marks.marks:
            snapshot["timings"] = self.marks.seconds(time.perf_counter())
            snapshot["stage"] = self.marks.marks[-1][0]
        if self.clock is not None:
            snapshot["solve_split"] = {k: round(v, 3) for k, v in self.clock.seconds.items()}
            snapshot["solver_calls"] = self.clock.calls
        if self.kept is not None and self.kept.model is not None:  # cheap counts only
            snapshot.setdefault("variables", self.kept.model.column_count())
            snapshot.setdefault("constraints", self.kept.model.row_count())
        snapshot.update(_peak_mb())
        temporary = f"{self.path}.tmp"
        Path(temporary).write_text(json.dumps(snapshot))
        os.replace(temporary, self.path)


def run_one(n_skus: int, args) -> dict:
    from planner.pipeline import NoPlan, run_plan
    from planner.report.outputs import plan_files, write_folder

    config = _config(args)
    row: dict = {
        "skus": n_skus,
        "fcs": args.fcs,
        "shape": args.shape,
        "solver": config.solver,
        "highs_method": config.highs_method,
        "time_limit": config.time_limit,
        "gap_target": config.mip_gap,
        "relax": config.relax,
        "integer_periods": config.integer_periods,
        "seed": args.seed,
        **_code_version(),
        "loadavg_start": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory(prefix="plan-scale-") as scratch:
        scratch = Path(scratch)
        log(f"[{n_skus} skus] generate + write + load")
        dataset, row["generate_s"], row["load_s"] = _load(n_skus, args, scratch)
        partial = _Partial(args.partial, row)
        sampler = _TreeMemory() if Path("/proc/self/smaps_rollup").exists() else None
        if sampler is not None:
            sampler.start()
        marks = partial.marks = _StageMarks(on_mark=partial.write)
        with _SolverClock(args.highs_log) as clock, _KeepModel() as kept:
            partial.clock, partial.kept = clock, kept
            clock.on_call = partial.write
            started = time.perf_counter()
            try:
                run = run_plan(dataset, config, jobs=args.jobs, progress=marks)
            except MemoryError:
                ended = time.perf_counter()
                stage = marks.marks[-1][0] if marks.marks else "?"
                row.update(
                    status=f"out of memory ({stage})",
                    mip_gap=None,
                    timings=marks.seconds(ended),
                    run_plan_s=round(ended - started, 3),
                    periods=config.horizon,
                    message=f"MemoryError under the {args.max_memory_mb} MB address-space limit",
                )
                run = None
            except NoPlan as exc:
                ended = time.perf_counter()
                row.update(
                    status=exc.result.status.value,
                    mip_gap=exc.result.mip_gap,
                    timings=marks.seconds(ended),
                    run_plan_s=round(ended - started, 3),
                    message=exc.result.message,
                    periods=config.horizon,
                )
                run = None
            else:
                ended = time.perf_counter()
        if run is None and kept.model is not None:
            from planner.pipeline import _sizes, model_sizes

            sizes = _sizes(dataset, model_sizes(kept.model))
            row.update(
                variables=sizes["variables"],
                constraints=sizes["constraints"],
                integer_variables=sizes["integer_variables"],
                input_sizes=sizes,
            )
        del kept
        row["solve_split"] = {k: round(v, 3) for k, v in clock.seconds.items()}
        row["solver_calls"] = clock.calls
        if run is not None:
            kpis = run.kpis
            sizes = kpis["input_sizes"]
            row.update(
                periods=kpis["plan"]["horizon"],
                variables=sizes["variables"],
                constraints=sizes["constraints"],
                integer_variables=sizes["integer_variables"],
                input_sizes=sizes,
                timings=kpis["run"]["timings_seconds"],
                run_plan_s=round(ended - started, 3),
                status=kpis["solver"]["status"],
                mip_gap=kpis["solver"]["mip_gap"],
                objective=kpis["solver"]["objective"],
                message=kpis["solver"]["message"],
                kpi_peak_mb=kpis["run"]["peak_memory_mb"],
                fill_rate=kpis["service"].get("fill_rate"),
            )
            log(f"[{n_skus} skus] write outputs")
            written = time.perf_counter()
            write_folder(scratch / "out", plan_files(run))
            row["write_s"] = round(time.perf_counter() - written, 3)
        else:
            row["write_s"] = None
        if sampler is not None:
            sampler.stop()
    row["total_s"] = round(row["load_s"] + row["run_plan_s"] + (row["write_s"] or 0.0), 3)
    row.update(_peak_mb())
    row["loadavg_end"] = round(os.getloadavg()[0], 2)
    return row


# ---------------------------------------------------------------- profile of the build stage


class _BuildDone(Exception):
    """Raised right after build_model to stop the pipeline before the solve."""


def profile_build(n_skus: int, args, top: int) -> None:
    """cProfile of the build stage only (model_inputs + build_model), inside run_plan."""
    import planner.pipeline as pipeline

    profiler = cProfile.Profile()
    seconds = {}

    def profiled(name, function, stop=False):
        def wrapper(*a, **k):
            started = time.perf_counter()
            profiler.enable()
            try:
                result = function(*a, **k)
            finally:
                profiler.disable()
                seconds[name] = round(time.perf_counter() - started, 3)
            if stop:
                raise _BuildDone(result)
            return result

        return wrapper

    pipeline.model_inputs = profiled("model_inputs", pipeline.model_inputs)
    pipeline.build_model = profiled("build_model", pipeline.build_model, stop=True)
    with tempfile.TemporaryDirectory(prefix="plan-scale-") as scratch:
        dataset, _, _ = _load(n_skus, args, Path(scratch))
        try:
            pipeline.run_plan(dataset, _config(args), jobs=args.jobs, progress=lambda s: log(f"  {s}"))
        except _BuildDone as done:
            model, _ = done.args[0]
            print(
                f"# build profile: {n_skus} skus x {args.fcs} FCs, {model.column_count()} variables, "
                f"{model.row_count()} constraints; wall (profiled): {seconds}\n"
            )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"## sorted by {order}\n{out.getvalue()}")
    if args.profile_out:
        profiler.dump_stats(args.profile_out)
        log(f"profile written to {args.profile_out}")


# ---------------------------------------------------------------- parent: all sizes


def run_sizes(args) -> list[dict]:
    rows = []
    for n, method in itertools.product(args.sizes, args.highs_methods):
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--one",
            str(n),
            "--fcs",
            str(args.fcs),
            "--shape",
            args.shape,
            "--seed",
            str(args.seed),
        ]
        if args.relax:
            command.append("--relax")
        for flag, value in (
            ("--solver", args.solver),
            ("--time-limit", args.time_limit),
            ("--gap", args.gap),
            ("--model", args.model),
            ("--jobs", args.jobs),
            ("--highs-method", method),
            ("--highs-log", args.highs_log and f"{args.highs_log}.{n}{'.' + method if method else ''}"),
        ):
            if value is not None:
                command += [flag, str(value)]
        log(f"== {n} skus x {args.fcs} FCs ({args.shape}): {' '.join(command[1:])}")
        started = time.perf_counter()
        if args.max_memory_mb:
            command += ["--max-memory-mb", str(args.max_memory_mb)]
        with tempfile.TemporaryDirectory(prefix="plan-scale-partial-") as scratch:
            partial = Path(scratch) / "row.json"
            command += ["--partial", str(partial)]
            try:
                done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=args.max_seconds)
                lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
                failure = None if done.returncode == 0 and lines else f"error (exit {done.returncode})"
            except subprocess.TimeoutExpired:
                lines, failure = [], f"killed after {args.max_seconds:g} s"
            if failure is None:
                row = json.loads(lines[-1])
            else:
                row = (
                    json.loads(partial.read_text())
                    if partial.exists()
                    else {"skus": n, "fcs": args.fcs, "shape": args.shape, "highs_method": method}
                )
                stage = row.get("stage")
                row.update(status=failure + (f", in {stage}" if stage else ""), total_s=None)
        row["lp_path"] = _lp_path(row.get("variables"))
        rows.append(row)
        log(f"== {n} skus: {row['status']} in {time.perf_counter() - started:.1f} s (wall, incl. generate)")
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(rows, indent=2) + "\n")
    return rows


def _fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _limit_hit_lp(row: dict) -> bool:
    """An LP call (relaxation or repair) stopped by the time limit: its 'solution' is not one."""
    return any(c["kind"] == "LP" and "limit" in str(c.get("status", "")).lower() for c in row.get("solver_calls") or [])


def _status(row: dict) -> str | None:
    status = row.get("status")
    return f"{status} (an LP stopped on the time limit)" if status and _limit_hit_lp(row) else status


def _solved_within_gap(row: dict) -> bool:
    if _limit_hit_lp(row):
        return False
    return row.get("status") == "optimal" or (
        row.get("status") == "feasible"
        and row.get("mip_gap") is not None
        and row["mip_gap"] <= row.get("gap_target", TARGET_GAP) + 1e-9
    )


def build_verdict(row: dict) -> str:
    t = row.get("timings") or {}
    if "build" not in t or not t.get("solve"):
        return "-"
    return "PASS" if t["build"] < BUILD_SHARE * t["solve"] else "FAIL"


def e2e_verdict(row: dict) -> str:
    limit = E2E_TARGETS.get(row["skus"])
    if limit is None:
        return ""
    if row.get("total_s") is None:
        return f"FAIL (< {limit:g} s; no result)"
    conforming = row["skus"] != 1000 or (
        row["fcs"] == TARGET_FCS
        and row.get("shape", "generated") == "generated"
        and row.get("periods") == TARGET_PERIODS
        and row.get("solver") == "highs"
        and not row.get("relax")
        and row.get("gap_target", 1) <= TARGET_GAP
    )
    note = "" if conforming else ", setup differs from the target's"
    within_gap = _solved_within_gap(row)
    ok = row["total_s"] < limit and within_gap
    why = "" if within_gap else ", no plan within the gap"
    return f"{'PASS' if ok else 'FAIL'} ({row['total_s']:,.0f} s, limit {limit:g} s{why}{note})"


def table(rows: list[dict]) -> str:
    header = [
        "skus",
        "fcs",
        "periods",
        "method",
        "LP",
        "variables",
        "constraints",
        "integer vars",
        "load s",
        "forecast s",
        "build s",
        "solve s",
        "(PuLP transfer s",
        "solver run s)",
        "extract+promise s",
        "write s",
        "total s",
        "build/solve",
        "build < solve/3",
        "status",
        "solver calls",
        "MIP gap",
        "fill rate",
        "peak MB",
        "tree PSS peak MB",
        "end-to-end target",
    ]
    left = {"method", "LP", "build < solve/3", "status", "solver calls", "end-to-end target"}
    lines = ["| " + " | ".join(header) + " |", "|" + "".join("---|" if h in left else "---:|" for h in header)]
    for row in rows:
        t = row.get("timings") or {}
        split = row.get("solve_split") or {}
        ratio = t["build"] / t["solve"] if t.get("solve") and "build" in t else None
        gap = row.get("mip_gap")
        cells = [
            row["skus"],
            row["fcs"],
            row.get("periods"),
            row.get("highs_method"),
            row.get("lp_path"),
            row.get("variables"),
            row.get("constraints"),
            row.get("integer_variables"),
            row.get("load_s"),
            t.get("forecast"),
            t.get("build"),
            t.get("solve"),
            split.get("transfer"),
            split.get("solver_run"),
            (t.get("extract") or 0.0) + (t.get("promise") or 0.0) if "extract" in t else None,
            row.get("write_s"),
            row.get("total_s"),
            None if ratio is None else f"{ratio:.2f}",
            build_verdict(row),
            _status(row),
            ",".join(c["kind"] for c in row.get("solver_calls") or []) or None,
            None if gap is None else f"{gap:.2%}",
            None if row.get("fill_rate") is None else f"{row['fill_rate']:.1%}",
            row.get("peak_mb"),
            row.get("tree_peak_mb"),
            e2e_verdict(row) or "-",
        ]
        lines.append("| " + " | ".join(_fmt(c) for c in cells) + " |")
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    verdicts = [build_verdict(r) for r in rows if build_verdict(r) != "-"]
    build = "n/a" if not verdicts else ("PASS" if all(v == "PASS" for v in verdicts) else "FAIL")
    lines = [
        f"- build < solve/3 at every size: **{build}** "
        f"({', '.join(str(r['skus']) + ': ' + build_verdict(r) for r in rows)})"
    ]
    for skus, limit in E2E_TARGETS.items():
        runs = [r for r in rows if r["skus"] == skus] or [None]
        for row in runs:
            verdict = "not run" if row is None else e2e_verdict(row)
            method = f" (method {row['highs_method']})" if row and len(runs) > 1 else ""
            lines.append(f"- {skus:,} SKUs end to end < {limit:g} s{method}: **{verdict}**")
    return "\n".join(lines)


# ---------------------------------------------------------------- command line


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated SKU counts")
    parser.add_argument("--fcs", type=int, default=6)
    parser.add_argument(
        "--shape",
        choices=("generated", "star-moq", "sparse"),
        default="generated",
        help="the dataset: planner generate's (default), or an independent network of benchmarks/shapes.py",
    )
    parser.add_argument("--solver", choices=("cbc", "highs"), default="highs")
    parser.add_argument("--time-limit", type=float, default=None, help="solver seconds (default: the model's)")
    parser.add_argument("--gap", type=float, default=None, help="relative MIP gap (default: the model's, 0.01)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=None, help="planning model TOML (default: built-in defaults)")
    parser.add_argument("--jobs", type=int, default=None, help="forecast worker processes (default: all cores)")
    parser.add_argument(
        "--highs-method",
        default=None,
        help="comma-separated HiGHS methods, each run at every size, or 'each' (default: the model's)",
    )
    parser.add_argument("--relax", action="store_true", help="solve the LP relaxation (no MOQ/lot integers)")
    parser.add_argument(
        "--highs-log",
        default=None,
        help="write HiGHS's own log of each solver call to FILE.<skus>.call<k> (diagnostics)",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=None, help="kill a size's subprocess after this many seconds"
    )
    parser.add_argument(
        "--max-memory-mb",
        type=int,
        default=None,
        help="address-space limit of each size's subprocess (MemoryError instead of the OOM killer)",
    )
    parser.add_argument("--json-out", default=None, help="also write the raw rows as JSON to this file")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--partial", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile-build",
        type=int,
        default=None,
        metavar="SKUS",
        help="cProfile the build stage at this size and print the hotspots (no solve)",
    )
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--profile-out", default=None, help="also dump the raw profile (pstats) here")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.highs_methods = _methods(parser, args.highs_method)
    return args


def _methods(parser, given: str | None) -> list[str | None]:
    """The HiGHS methods to run each size with; [None] keeps the model's own."""
    from planner.config import HIGHS_METHODS

    if given is None:
        return [None]
    methods = list(HIGHS_METHODS) if given == "each" else [m.strip() for m in given.split(",") if m.strip()]
    unknown = [m for m in methods if m not in HIGHS_METHODS]
    if unknown:
        parser.error(f"--highs-method: unknown {', '.join(unknown)}; known: {', '.join(HIGHS_METHODS)}, each")
    return methods


def main(argv=None) -> int:
    args = parse(argv)
    if args.max_memory_mb and (args.one is not None or args.profile_build is not None):
        # A cap on the address space: a size too big for the machine fails with MemoryError in
        # this process instead of pushing the whole machine into the OOM killer.
        limit = int(args.max_memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if args.one is not None:
        print(json.dumps(run_one(args.one, args)), flush=True)
        return 0
    if args.profile_build is not None:
        profile_build(args.profile_build, args, args.profile_top)
        return 0
    rows = run_sizes(args)
    print(
        f"plan_scale: solver {args.solver}, {args.fcs} FCs ({args.shape}), seed {args.seed}, time limit "
        f"{'model default' if args.time_limit is None else f'{args.time_limit:g} s'}, gap "
        f"{'model default' if args.gap is None else args.gap}, {os.cpu_count()} cores\n"
    )
    print(table(rows))
    print()
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
