"""Faults around --out: a writer killed with SIGKILL at every step, two writers at once, a full disk,
a read-only folder. The claims under test are planner/data/files.py's: --out holds the old or the
new complete folder at every instant (after the next run's recovery where the atomic exchange is
unavailable), the next run cleans up what a killed run left, a second writer is refused with exit 2,
and the environment's failures are exit 2 naming the path, the old output untouched.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import planner.data.files as files
import planner.data.load
import planner.pipeline
import planner.report.outputs
from planner.cli import main
from planner.data.files import MARKER, OutputFolder, marker_bytes, write_folder

FILES_PY = Path(files.__file__)
OLD = {"old.csv": b"old\n", "kpis.json": b'{"week": 1}\n', "stale.csv": b"gone next week\n"}
NEW = {"a.csv": b"x\n1\n", "b.csv": b"y\n2\n", "kpis.json": b'{"week": 2}\n', "report.html": b"<html>\n" * 500}
OLD_FOLDER = {**OLD, MARKER: marker_bytes(OLD)}
NEW_FOLDER = {**NEW, MARKER: marker_bytes(NEW)}

# Writes NEW into argv[1] with planner/data/files.py loaded on its own (fast to start), and SIGKILLs
# itself just before the argv[2]-th file system call of the write (0: never; it prints the count).
KILLED_WRITER = textwrap.dedent(
    """
    import importlib.util, os, signal, sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("files", {files_py!r})
    files = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(files)
    out, kill_at, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if mode == "fallback":
        files._exchange = lambda first, second: False
    calls = 0

    def counted(function):
        def call(*args, **kwargs):
            global calls
            calls += 1
            if calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return call

    for name in ("rename", "replace", "mkdir", "rmdir", "unlink", "fsync", "ftruncate", "write"):
        setattr(os, name, counted(getattr(os, name)))
    files._write_file = counted(files._write_file)
    files._exchange = counted(files._exchange)
    files.write_folder(out, {new!r})
    print(calls)
    """
).format(files_py=str(FILES_PY), new=NEW)


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def killed_write(out: Path, kill_at: int, mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(out), str(kill_at), mode], capture_output=True, text=True, timeout=60
    )


def steps_of_a_write(tmp_path: Path, mode: str, old: bool) -> int:
    out = tmp_path / "count" / "plan"
    out.parent.mkdir()
    if old:
        write_folder(out, OLD)
    done = killed_write(out, 0, mode)
    assert done.returncode == 0, done.stderr
    assert snapshot(out) == NEW_FOLDER
    shutil.rmtree(out.parent)
    return int(done.stdout)


@pytest.mark.parametrize(
    "mode, old",
    [("exchange", True), ("exchange", False), ("fallback", True)],
    ids=["replace-exchange", "first-write", "replace-two-renames"],
)
def test_a_writer_killed_before_any_step_leaves_the_old_or_the_new_folder(tmp_path, mode, old):
    """Kill -9 before each file system call of a write (lock, staging files, fsyncs, the swap, cleanup)."""
    if mode == "exchange" and old and not _exchange_works(tmp_path):
        pytest.skip("this file system has no renameat2(RENAME_EXCHANGE)")
    steps = steps_of_a_write(tmp_path, mode, old)
    assert steps >= 10
    before = OLD_FOLDER if old else None
    seen = set()
    for kill_at in range(1, steps + 1):
        out = tmp_path / f"kill{kill_at}" / "plan"
        out.parent.mkdir()
        if old:
            write_folder(out, OLD)
        killed = killed_write(out, kill_at, mode)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stdout, killed.stderr)
        after_kill = snapshot(out)
        if mode == "exchange":  # no instant without a complete folder, no recovery needed
            assert after_kill in (before, NEW_FOLDER), f"killed before step {kill_at}: {after_kill}"
        else:  # between the two renames --out is absent, the old folder complete under .planner-old
            assert after_kill in (before, NEW_FOLDER, None), f"killed before step {kill_at}: {after_kill}"
        with OutputFolder(out):  # the next run's recovery, before any work
            recovered = snapshot(out)
        assert recovered in (before, NEW_FOLDER), f"killed before step {kill_at}: recovered {recovered}"
        assert leftovers(out) == [], f"killed before step {kill_at}"
        seen.add("new" if recovered == NEW_FOLDER else "old")
        if after_kill is None and old:
            seen.add("absent until recovered")
        write_folder(out, NEW)  # and the next run writes
        assert snapshot(out) == NEW_FOLDER and leftovers(out) == []
    assert seen == ({"old", "new", "absent until recovered"} if mode == "fallback" else {"old", "new"})


def _exchange_works(tmp_path: Path) -> bool:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    try:
        return files._exchange(tmp_path / "x", tmp_path / "y")
    finally:
        (tmp_path / "x").rmdir()
        (tmp_path / "y").rmdir()


# ---------------------------------------------------------------- the command line, killed for real

# Runs `planner ARGS...` (argv[2:]) in a fresh interpreter, SIGKILLing itself at argv[1]:
# "solve" (in place of the plan), "staging" (before the third file), "swapped" (right after the
# exchange, before the old folder is deleted), or "wait" (holding --out: write argv[2]/ready,
# wait for argv[2]/go, then plan; argv[2] is then dropped).
KILLED_CLI = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path

    import planner.data.files as files
    import planner.pipeline

    point, args = sys.argv[1], sys.argv[2:]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "solve":
        planner.pipeline.run_plan = die
    elif point == "staging":
        real_write, count = files._write_file, []
        def write_file(path, content):
            count.append(path)
            if len(count) == 3:
                die()
            return real_write(path, content)
        files._write_file = write_file
    elif point == "swapped":
        real_exchange = files._exchange
        def exchange(first, second):
            if real_exchange(first, second):
                die()
            return False
        files._exchange = exchange
    elif point == "wait":
        signals, args = Path(args[0]), args[1:]
        real_run = planner.pipeline.run_plan
        def run_plan(*args, **kwargs):
            (signals / "ready").touch()
            deadline = time.time() + 120
            while not (signals / "go").exists() and time.time() < deadline:
                time.sleep(0.05)
            return real_run(*args, **kwargs)
        planner.pipeline.run_plan = run_plan

    from planner.cli import main
    main(args, prog_name="planner")
    """
)


def planner_cli(*args, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", KILLED_CLI, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def last_week(dataset_folder, tmp_path) -> tuple[Path, dict[str, bytes]]:
    """A plan folder `plan` written by the planner (a shorter horizon than the runs under test)."""
    out = tmp_path / "plan"
    result = run("plan", dataset_folder.path, "--out", out, "--horizon", 7)
    assert result.exit_code == 0, result.output
    return out, snapshot(out)


@pytest.mark.parametrize("point", ["solve", "staging", "swapped"])
def test_a_plan_killed_at_any_point_leaves_a_complete_plan_and_the_next_run_cleans_up(
    dataset_folder, last_week, tmp_path, point
):
    out, before = last_week
    if point == "swapped" and not _exchange_works(tmp_path):
        pytest.skip("this file system has no renameat2(RENAME_EXCHANGE)")
    killed = planner_cli(point, "plan", dataset_folder.path, "--out", out)
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    after = snapshot(out)
    if point == "swapped":  # the new plan, complete: every file its marker lists, and only those
        assert after.keys() == before.keys() and after != before
        assert after[MARKER] == marker_bytes(name for name in after if name != MARKER)
        assert json.loads(after["kpis.json"])["plan"]["horizon"] != 7
        assert ".plan.planner-partial" in leftovers(out)  # the old plan, not deleted yet
    else:
        assert after == before
    assert ".plan.planner-lock" in leftovers(out)
    again = run("plan", dataset_folder.path, "--out", out)
    assert again.exit_code == 0, again.output
    assert leftovers(out) == []
    assert snapshot(out).keys() == before.keys()


def test_a_second_writer_is_refused_with_exit_2_while_the_first_finishes(dataset_folder, last_week, tmp_path):
    out, before = last_week
    signals = tmp_path / "signals"
    signals.mkdir()
    first = planner_cli("wait", signals, "plan", dataset_folder.path, "--out", out)
    try:
        deadline = time.time() + 120
        while not (signals / "ready").exists():
            assert first.poll() is None, first.communicate()
            assert time.time() < deadline, "the first writer never started planning"
            time.sleep(0.05)
        for command, extra in (("plan", []), ("plan", ["--overwrite"]), ("forecast", [])):
            second = run(command, dataset_folder.path, "--out", out, *extra)
            assert second.exit_code == 2, second.output
            assert f"another planner run (process {first.pid}) is writing {out}" in second.stderr
            assert snapshot(out) == before
        (signals / "go").touch()
        stdout, stderr = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    assert f"written to {out}" in stdout
    assert snapshot(out) != before and snapshot(out).keys() == before.keys()
    assert leftovers(out) == []


# Holds --out, forks a worker that sleeps (a forecast process would), prints its pid and is killed.
FORKED_WORKER = textwrap.dedent(
    """
    import importlib.util, os, signal, sys, time
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("files", {files_py!r})
    files = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(files)
    files.OutputFolder(Path(sys.argv[1])).__enter__()
    child = os.fork()
    if child == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        time.sleep(120)
        os._exit(0)
    print(child, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
).format(files_py=str(FILES_PY))


def test_a_forked_worker_outliving_a_killed_run_does_not_keep_out_locked(tmp_path):
    out = tmp_path / "plan"
    killed = subprocess.run([sys.executable, "-c", FORKED_WORKER, str(out)], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    worker = int(killed.stdout)
    try:
        os.kill(worker, 0)  # still alive, still holding its copy of the parent's descriptors
        write_folder(out, NEW)
        assert snapshot(out) == NEW_FOLDER and leftovers(out) == []
    finally:
        os.kill(worker, signal.SIGKILL)


# ---------------------------------------------------------------- the environment: exit 2 with the path


def stub_plan(monkeypatch):
    """Only the writing is under test: the plan and its files are stubbed out."""
    monkeypatch.setattr(planner.pipeline, "run_plan", lambda *a, **k: SimpleNamespace(kpis={"warnings": []}))
    monkeypatch.setattr(planner.report.outputs, "plan_files", lambda run: dict(NEW))


@pytest.mark.parametrize(
    "code, advice",
    [
        (errno.ENOSPC, "the disk is full: free some space there, or choose another --out"),
        (errno.EDQUOT, "the disk quota is used up"),
        (errno.EROFS, "the file system is read-only: choose another --out"),
        (errno.EACCES, "permission denied: choose a folder you can write to"),
    ],
)
def test_an_injected_write_failure_exits_2_naming_the_path_and_keeps_the_old_plan(
    dataset_folder, tmp_path, monkeypatch, code, advice
):
    out = tmp_path / "plan"
    write_folder(out, OLD)
    stub_plan(monkeypatch)
    real = files._write_file

    def write_file(path, content):
        if path.name == "b.csv":
            raise OSError(code, os.strerror(code), str(path))
        return real(path, content)

    monkeypatch.setattr(files, "_write_file", write_file)
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith(
        f"error: cannot write {out}: {os.strerror(code)} ({tmp_path}/.plan.planner-partial/b.csv)"
    )
    assert advice in message and "unexpected" not in message
    assert snapshot(out) == OLD_FOLDER and leftovers(out) == []


def test_a_lock_that_cannot_be_created_exits_2_before_any_work(dataset_folder, tmp_path, monkeypatch):
    out = tmp_path / "plan"
    write_folder(out, OLD)
    monkeypatch.setattr(planner.data.load, "load_dataset", lambda *a, **k: pytest.fail("loaded the dataset"))
    real_open = os.open

    def deny(path, flags, *args, **kwargs):
        if str(path).endswith(".planner-lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", deny)
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"cannot write {out}: Permission denied ({tmp_path}/.plan.planner-lock)" in result.stderr
    assert snapshot(out) == OLD_FOLDER


# Inside a private mount namespace: a tmpfs of argv[2] KiB at argv[1] holding an old plan (read-only
# when argv[3] is "ro"), then `planner plan argv[4] --out argv[1]/plan`; prints what happened as JSON.
IN_A_SMALL_MOUNT = textwrap.dedent(
    """
    import json, subprocess, sys
    from pathlib import Path
    from click.testing import CliRunner
    from planner.cli import main
    from planner.data.files import write_folder

    mount, size, mode, dataset = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={{size}}k", "none", str(mount)], check=True)
    write_folder(mount / "plan", {old!r})
    if mode == "ro":
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    result = CliRunner().invoke(main, ["plan", dataset, "--out", str(mount / "plan")])
    print(json.dumps({{
        "exit": result.exit_code,
        "stderr": result.stderr,
        "plan": {{p.name: p.read_text() for p in sorted((mount / "plan").iterdir())}},
        "beside": sorted(p.name for p in mount.iterdir()),
    }}))
    """
).format(old=OLD)


def in_a_small_mount(tmp_path: Path, dataset: Path, size_kib: int, mode: str) -> dict:
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) to mount a private tmpfs")
    mount = tmp_path / "mount"
    mount.mkdir()
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", sys.executable, "-c", IN_A_SMALL_MOUNT]
        + [str(mount), str(size_kib), mode, str(dataset)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 and "mount" in done.stderr.lower() and not done.stdout:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


OLD_TEXT = {name: content.decode() for name, content in OLD_FOLDER.items()}


def test_a_full_disk_exits_2_naming_the_path_and_keeps_the_old_plan(dataset_folder, tmp_path):
    seen = in_a_small_mount(tmp_path, dataset_folder.path, 96, "rw")
    assert seen["exit"] == 2, seen["stderr"]
    assert "No space left on device" in seen["stderr"] and "the disk is full" in seen["stderr"]
    assert (
        f"cannot write {tmp_path}/mount/plan: No space left on device ({tmp_path}/mount/.plan.planner-partial/"
        in (seen["stderr"])
    )
    assert seen["plan"] == OLD_TEXT
    assert seen["beside"] == ["plan"]


def test_a_read_only_file_system_exits_2_before_any_work_and_keeps_the_old_plan(dataset_folder, tmp_path):
    seen = in_a_small_mount(tmp_path, dataset_folder.path, 1024, "ro")
    assert seen["exit"] == 2, seen["stderr"]
    assert "Read-only file system" in seen["stderr"] and "choose another --out" in seen["stderr"]
    assert f"cannot write {tmp_path}/mount/plan" in seen["stderr"]
    assert seen["plan"] == OLD_TEXT
    assert seen["beside"] == ["plan"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_folder_without_write_permission_exits_2_naming_it(dataset_folder, tmp_path):
    parent = tmp_path / "shared"
    out = parent / "plan"
    write_folder(out, OLD)
    parent.chmod(0o555)
    try:
        result = run("plan", dataset_folder.path, "--out", out)
    finally:
        parent.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert f"cannot write {out}: Permission denied" in result.stderr
    assert snapshot(out) == OLD_FOLDER and leftovers(out) == []
