"""Seconds and memory of `build_model` alone, on model inputs made once, for comparing code versions.

    python benchmarks/build_memory.py inputs DATASET INPUTS.pkl   # forecast once, keep the model inputs
    python benchmarks/build_memory.py build INPUTS.pkl            # time build_model on them; one JSON line

`inputs` loads a dataset folder (e.g. `planner generate /tmp/d --skus 1000 --fcs 6 --seed 1`),
runs `planner.pipeline.run_plan` on it with the default model up to the build (forecast, demand,
service levels, model inputs) and pickles the model inputs. `build` unpickles them and runs `build_model` once while a thread
samples the process's proportional set size (PSS, Linux) every 50 ms: it prints the build's
seconds, the PSS before the build, its peak during it and that increase, what the built model
holds (PSS after the build, less before), the process's max RSS, and the model's columns and rows. Run `build` with each version's own interpreter (two worktrees and
their venvs) on the same pickle, interleaved: the machine is shared, so compare ratios.
"""

from __future__ import annotations

import gc
import json
import pickle
import resource
import sys
import threading
import time
from pathlib import Path


class _Inputs(Exception):
    """Raised in place of build_model, with the model inputs run_plan made."""


def make_inputs(dataset_folder: str, out: str) -> None:
    """The model inputs of `planner plan DATASET` (default model), taken from run_plan just
    before it builds the model."""
    import planner.pipeline as pipeline
    from planner.config import load_config
    from planner.data.load import load_dataset

    def caught(inputs):
        raise _Inputs(inputs)

    pipeline.build_model = caught
    try:
        pipeline.run_plan(load_dataset(Path(dataset_folder)), load_config(None))
    except _Inputs as given:
        Path(out).write_bytes(pickle.dumps(given.args[0], protocol=pickle.HIGHEST_PROTOCOL))


def pss_mb() -> float:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


class PeakPss(threading.Thread):
    """The highest PSS seen while it runs, sampled every 50 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopped, self.peak = threading.Event(), pss_mb()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            self.peak = max(self.peak, pss_mb())

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        return max(self.peak, pss_mb())


def measure_build(inputs_file: str) -> dict:
    from planner.model.build import build_model

    inputs = pickle.loads(Path(inputs_file).read_bytes())
    gc.collect()
    before = pss_mb()
    sampler = PeakPss()
    sampler.start()
    started = time.perf_counter()
    model, _ = build_model(inputs)
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    gc.collect()
    after = pss_mb()
    return {
        "build_s": round(seconds, 2),
        "pss_before_mb": round(before, 1),
        "pss_peak_mb": round(peak, 1),
        "pss_build_mb": round(peak - before, 1),
        "pss_model_mb": round(after - before, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "columns": len(model.costs),
        "rows": model.row_count(),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["inputs"] and len(argv) == 3:
        make_inputs(argv[1], argv[2])
        return 0
    if argv[:1] == ["build"] and len(argv) == 2:
        print(json.dumps(measure_build(argv[1])), flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
