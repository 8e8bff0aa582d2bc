"""Output files: a folder is written whole or not at all, only where it destroys no one's files, and
CSV bytes are canonical. Kills and environment failures: tests/test_faults.py."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner.data.files as files
from planner.data.files import MARKER, OutputError, OutputFolder, marker_bytes
from planner.report.outputs import csv_bytes, write_folder

FILES = {"a.csv": b"x\n1\n", "b.csv": b"y\n2\n", "kpis.json": b"{}\n"}
WRITTEN = {**FILES, MARKER: marker_bytes(FILES)}


def siblings(out: Path) -> list[str]:
    """Hidden staging, retired or lock files left beside `out`."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def fail_on_second_file(monkeypatch, code=errno.ENOSPC):
    written = []
    original = files._write_file

    def write_file(path, content):
        written.append(path.name)
        if len(written) == 2:
            raise OSError(code, os.strerror(code), str(path))
        return original(path, content)

    monkeypatch.setattr(files, "_write_file", write_file)


def user_folder(path: Path, names=("notes.txt",)) -> dict[str, bytes]:
    path.mkdir(parents=True)
    for name in names:
        (path / name).write_bytes(b"mine\n")
    return snapshot(path)


# ---------------------------------------------------------------- writing whole or not at all


def test_write_folder_creates_every_file_the_marker_and_no_staging(tmp_path):
    out = tmp_path / "nested" / "plan"
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


def test_the_marker_lists_the_files_and_is_the_same_bytes_every_time(tmp_path):
    write_folder(tmp_path / "one", FILES)
    write_folder(tmp_path / "two", dict(reversed(FILES.items())))
    assert (tmp_path / "one" / MARKER).read_bytes() == (tmp_path / "two" / MARKER).read_bytes()
    text = (tmp_path / "one" / MARKER).read_text()
    assert text.startswith("planner output folder\n") and text.endswith("files:\na.csv\nb.csv\nkpis.json\n")


def test_a_failed_write_leaves_no_folder_no_staging_and_no_created_parent(tmp_path, monkeypatch):
    out = tmp_path / "new" / "plan"
    fail_on_second_file(monkeypatch)
    with pytest.raises(OutputError, match="disk is full"):
        write_folder(out, FILES)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_folder_unchanged(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    write_folder(out, {"old.csv": b"old\n", "other.txt": b"keep me\n"})
    before = snapshot(out)
    fail_on_second_file(monkeypatch)
    with pytest.raises(OutputError) as caught:
        write_folder(out, FILES)
    assert snapshot(out) == before
    assert siblings(out) == []
    assert f"cannot write {out}" in str(caught.value) and ".plan.planner-partial" in str(caught.value)


def test_a_failed_exchange_keeps_the_old_folder(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    write_folder(out, {"old.csv": b"old\n"})
    before = snapshot(out)

    def exchange(first, second):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(second))

    monkeypatch.setattr(files, "_exchange", exchange)
    with pytest.raises(OutputError, match="in use"):
        write_folder(out, FILES)
    assert snapshot(out) == before
    assert siblings(out) == []


def test_without_the_exchange_two_renames_replace_the_folder(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    write_folder(out, {"old.csv": b"old\n"})
    monkeypatch.setattr(files, "_exchange", lambda first, second: False)
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


def test_without_the_exchange_a_failed_second_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    write_folder(out, {"old.csv": b"old\n"})
    before = snapshot(out)
    monkeypatch.setattr(files, "_exchange", lambda first, second: False)
    original = os.rename

    def rename(source, target):
        if str(source).endswith(".planner-partial"):
            raise OSError(errno.EIO, "rename failed", str(source))
        return original(source, target)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OutputError, match="rename failed"):
        write_folder(out, FILES)
    assert snapshot(out) == before
    assert siblings(out) == []


def test_replacing_a_planner_folder_replaces_it_as_a_whole(tmp_path):
    out = tmp_path / "plan"
    write_folder(out, {"stale.csv": b"old\n"})
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


def test_a_permission_error_names_the_path_and_what_to_do(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    fail_on_second_file(monkeypatch, errno.EACCES)
    with pytest.raises(OutputError, match="permission denied: choose a folder you can write to") as caught:
        write_folder(out, FILES)
    assert str(out) in str(caught.value)
    assert not out.exists() and siblings(out) == []


# ---------------------------------------------------------------- what may be replaced


def test_an_existing_file_in_place_of_the_folder_is_refused_even_with_overwrite(tmp_path):
    out = tmp_path / "plan"
    out.write_text("not a folder")
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="not a folder"):
            write_folder(out, FILES, overwrite=overwrite)
    assert out.read_text() == "not a folder"
    assert siblings(out) == []


def test_an_empty_folder_is_written(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN


def test_a_users_folder_is_refused_naming_its_files_and_overwrite(tmp_path):
    out = tmp_path / "notes"
    before = user_folder(out, ("notes.txt", "todo.md"))
    (out / "sub").mkdir()
    (out / "sub" / "deep.txt").write_text("mine")
    with pytest.raises(OutputError) as caught:
        write_folder(out, FILES)
    message = str(caught.value)
    assert "did not write (notes.txt, sub/, todo.md)" in message and "--overwrite" in message
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert (out / "sub" / "deep.txt").read_text() == "mine"
    assert siblings(out) == []


def test_overwrite_replaces_a_users_folder_as_a_whole(tmp_path):
    out = tmp_path / "notes"
    user_folder(out)
    (out / "sub").mkdir()
    write_folder(out, FILES, overwrite=True)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


@pytest.mark.parametrize("extra", ["notes.txt", "sub/"])
def test_a_planner_folder_holding_something_else_too_is_refused(tmp_path, extra):
    out = tmp_path / "plan"
    write_folder(out, FILES)
    if extra.endswith("/"):
        (out / extra).mkdir()
    else:
        (out / extra).write_text("my notes on the plan")
    with pytest.raises(OutputError, match=f"also holds what the planner did not write \\({extra}\\)"):
        write_folder(out, {"c.csv": b"z\n"})
    assert (out / extra).exists() and (out / "a.csv").exists()


def test_a_marker_that_is_not_one_does_not_qualify(tmp_path):
    out = tmp_path / "plan"
    user_folder(out, (MARKER, "a.csv"))
    with pytest.raises(OutputError, match="did not write"):
        write_folder(out, FILES)


def test_a_plan_folder_of_an_earlier_planner_without_marker_is_replaced(tmp_path):
    out = tmp_path / "plan"
    user_folder(out, ("kpis.json", "purchase_orders.csv", "report.html"))
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN


@pytest.mark.parametrize(
    "names", [("kpis.json", "notes.txt"), ("forecast.csv",), ("simulation.csv", "simulation.html")]
)
def test_an_earlier_planners_file_names_qualify_only_alone_and_with_kpis_or_a_summary(tmp_path, names):
    out = tmp_path / "plan"
    before = user_folder(out, names)
    with pytest.raises(OutputError, match="did not write"):
        write_folder(out, FILES)
    assert snapshot(out) == before


def test_the_dataset_or_a_folder_holding_it_is_refused_even_with_overwrite(tmp_path):
    dataset = tmp_path / "work" / "dataset"
    before = user_folder(dataset, ("skus.csv",))
    for out in (dataset, tmp_path / "work", tmp_path):
        for overwrite in (False, True):
            with pytest.raises(OutputError, match="which this run reads") as caught:
                write_folder(out, FILES, overwrite=overwrite, protect=[dataset])
            assert "--overwrite does not change this" in str(caught.value)
    assert snapshot(dataset) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_a_dataset_workbook_protects_the_folders_holding_it(tmp_path):
    workbook = tmp_path / "data" / "dataset.xlsx"
    workbook.parent.mkdir()
    workbook.write_bytes(b"xlsx")
    with pytest.raises(OutputError, match="holds"):
        write_folder(tmp_path / "data", FILES, overwrite=True, protect=[workbook])
    assert workbook.read_bytes() == b"xlsx"


def test_the_dataset_is_recognised_through_another_spelling_or_a_link(tmp_path, monkeypatch):
    dataset = tmp_path / "dataset"
    user_folder(dataset, ("skus.csv",))
    (tmp_path / "link").symlink_to(dataset)
    monkeypatch.chdir(tmp_path)
    for out in (Path("dataset/../dataset"), Path("link"), tmp_path / "dataset"):
        with pytest.raises(OutputError, match="which this run reads"):
            write_folder(out, FILES, overwrite=True, protect=[Path("dataset")])


@pytest.mark.parametrize("out", [".", "..", "ABSOLUTE"])
def test_the_current_folder_or_one_holding_it_is_refused_even_when_empty(tmp_path, monkeypatch, out):
    cwd = tmp_path / "empty"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = cwd if out == "ABSOLUTE" else Path(out)
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="current folder"):
            write_folder(out, FILES, overwrite=overwrite)
    assert list(cwd.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_a_mount_point_is_refused(tmp_path):
    mount = next((Path(p) for p in ("/proc", "/sys", "/dev") if os.path.ismount(p)), None)
    if mount is None:
        pytest.skip("no mount point to try")
    with pytest.raises(OutputError, match="mount point"):
        write_folder(mount, FILES, overwrite=True)


def test_a_link_to_a_planner_folder_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "plans" / "week1"
    write_folder(real, {"old.csv": b"old\n"})
    link = tmp_path / "current"
    link.symlink_to(real)
    write_folder(link, FILES)
    assert link.is_symlink() and snapshot(real) == WRITTEN
    assert siblings(real) == [] and siblings(link) == []


def test_without_marker_only_an_empty_folder_is_written_unless_overwrite(tmp_path):
    """generate's rules: a dataset is the user's input, so no folder qualifies by a marker."""
    out = tmp_path / "dataset"
    write_folder(out, FILES, marker=False)
    assert snapshot(out) == FILES
    with pytest.raises(OutputError, match="is not empty \\(a.csv, b.csv, kpis.json\\).*--overwrite"):
        write_folder(out, {"c.csv": b"z\n"}, marker=False)
    write_folder(out, {"c.csv": b"z\n"}, marker=False, overwrite=True)
    assert snapshot(out) == {"c.csv": b"z\n"}


def test_the_folder_is_checked_again_when_written(tmp_path):
    """A file a user drops into --out while the plan is computed stops the write."""
    out = tmp_path / "plan"
    with OutputFolder(out) as target:
        out.mkdir()
        (out / "notes.txt").write_text("mine")
        with pytest.raises(OutputError, match="notes.txt"):
            target.write(FILES)
    assert snapshot(out) == {"notes.txt": b"mine"}
    assert siblings(out) == []


# ---------------------------------------------------------------- the lock and leftovers


def test_a_second_writer_of_the_same_folder_is_refused_by_any_spelling(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    (tmp_path / "link").symlink_to(tmp_path)
    monkeypatch.chdir(tmp_path)
    with OutputFolder(out) as first:
        assert siblings(out) == [".plan.planner-lock"]
        for spelling in (out, Path("plan"), Path("./link/plan")):
            with pytest.raises(OutputError, match=f"another planner run \\(process {os.getpid()}\\) is writing"):
                write_folder(spelling, FILES)
        first.write(FILES)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


def test_other_folders_beside_it_are_not_locked(tmp_path):
    with OutputFolder(tmp_path / "plan"):
        write_folder(tmp_path / "plan2", FILES)
        write_folder(tmp_path / "plan.2", FILES)
    assert siblings(tmp_path / "plan") == []


def test_a_lock_file_left_by_a_killed_run_is_reused_and_removed(tmp_path):
    out = tmp_path / "plan"
    (tmp_path / ".plan.planner-lock").write_text("12345\n")
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


def test_leaving_without_writing_removes_the_lock_and_the_folders_it_created(tmp_path):
    out = tmp_path / "a" / "b" / "plan"
    with OutputFolder(out):
        assert (tmp_path / "a" / "b" / ".plan.planner-lock").exists()
    assert list(tmp_path.iterdir()) == []


def old_plan(out: Path) -> dict[str, bytes]:
    write_folder(out, {"old.csv": b"old\n"})
    return snapshot(out)


def test_a_retired_folder_whose_folder_is_missing_is_restored(tmp_path):
    """Killed between the fallback's two renames: the old folder is complete under .planner-old."""
    out = tmp_path / "plan"
    before = old_plan(out)
    out.rename(tmp_path / ".plan.planner-old")
    partial = tmp_path / ".plan.planner-partial"
    partial.mkdir()
    (partial / "a.csv").write_bytes(b"half")
    with OutputFolder(out):
        pass
    assert snapshot(out) == before
    assert siblings(out) == []


def test_a_retired_folder_beside_a_new_one_and_a_staging_folder_are_deleted(tmp_path):
    out = tmp_path / "plan"
    old_plan(tmp_path / ".plan.planner-old")
    (tmp_path / ".plan.planner-partial").mkdir()
    write_folder(out, FILES)
    write_folder(out, FILES)
    assert snapshot(out) == WRITTEN
    assert siblings(out) == []


def test_leftovers_of_earlier_versions_are_cleaned_and_a_lost_plan_restored(tmp_path):
    out = tmp_path / "plan"
    before = old_plan(out)
    out.rename(tmp_path / ".plan.k3j_x9a2.old")
    (tmp_path / ".plan.ab12cd34.partial").mkdir()
    (tmp_path / ".plan.zz99yy88.partial").mkdir()
    with OutputFolder(out):
        pass
    assert snapshot(out) == before
    assert siblings(out) == []


def test_the_leftovers_of_other_folders_are_left_alone(tmp_path):
    others = [".plan2.ab12cd34.partial", ".plan.abcdefgh.planner-partial", ".plan.x.ab12cd34.old", "plan.ab12cd34"]
    for name in others:
        (tmp_path / name).mkdir()
    write_folder(tmp_path / "plan", FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, "plan"])


def test_csv_bytes_writes_iso_dates_and_blank_missing_dates():
    frame = pd.DataFrame({"day": pd.to_datetime(["2024-01-05", None, "2024-12-31"]), "k": [1, 2, 3]})
    assert csv_bytes(frame) == b"day,k\n2024-01-05,1\n,2\n2024-12-31,3\n"


def test_csv_bytes_ends_lines_with_newline_only():
    text = csv_bytes(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert b"\r" not in text
    assert text == b"a,b\n1,x\n2,y\n"


@pytest.mark.parametrize(
    "value, text",
    [
        (0.1 + 0.2, "0.3"),
        (1 / 3, "0.333333"),
        (2.0000000001, "2.0"),
        (-1e-9, "0.0"),  # no '-0.0' from solver noise
        (-0.0, "0.0"),
        (1234567.125, "1234567.125"),
        (np.nan, ""),
    ],
)
def test_csv_bytes_has_no_float_noise(value, text):
    assert csv_bytes(pd.DataFrame({"k": ["x"], "q": [value]})) == f"k,q\nx,{text}\n".encode()


def test_csv_bytes_keeps_whole_numbers_and_text_as_they_are():
    frame = pd.DataFrame({"n": np.array([3, -4], dtype="int64"), "s": ["a,b", "plain"]})
    assert csv_bytes(frame) == b'n,s\n3,"a,b"\n-4,plain\n'


def test_csv_bytes_does_not_change_its_input():
    frame = pd.DataFrame({"q": [0.1 + 0.2], "d": pd.to_datetime(["2024-01-05"])})
    before = frame.copy()
    csv_bytes(frame)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    "text, written",
    [
        ("=1+2", "'=1+2"),
        ("+33 1", "'+33 1"),
        ("-SKU", "'-SKU"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("SKU-1", "SKU-1"),
        ("a=b", "a=b"),
    ],
)
def test_csv_bytes_writes_formula_looking_text_as_plain_text(text, written):
    frame = pd.DataFrame({"sku": [text], "q": [-1.5]})
    assert csv_bytes(frame) == f"sku,q\n{written},-1.5\n".encode()


def test_csv_bytes_guards_pandas_string_columns_too():
    frame = pd.DataFrame({"sku": pd.Series(["=A1", None], dtype="string"), "q": [1, 2]})
    assert csv_bytes(frame) == b"sku,q\n'=A1,1\n,2\n"
