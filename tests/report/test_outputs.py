"""Output files: a folder is written whole or not at all, and CSV bytes are canonical."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner.data.files
from planner.report.outputs import csv_bytes, write_folder

FILES = {"a.csv": b"x\n1\n", "b.csv": b"y\n2\n", "kpis.json": b"{}\n"}


def siblings(out: Path) -> list[str]:
    """Hidden staging or retired folders left beside `out`."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def fail_on_second_write(monkeypatch):
    written = []
    original = Path.write_bytes

    def write_bytes(self, data):
        written.append(self.name)
        if len(written) == 2:
            raise OSError("disk full")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def test_write_folder_creates_every_file_and_no_staging(tmp_path):
    out = tmp_path / "nested" / "plan"
    write_folder(out, FILES)
    assert snapshot(out) == FILES
    assert siblings(out) == []


def test_a_failed_write_leaves_no_folder_and_no_staging(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    fail_on_second_write(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        write_folder(out, FILES)
    assert not out.exists()
    assert siblings(out) == []


def test_a_failed_write_keeps_the_old_folder_unchanged(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    write_folder(out, {"old.csv": b"old\n", "marker.txt": b"keep me\n"})
    fail_on_second_write(monkeypatch)
    with pytest.raises(OSError):
        write_folder(out, FILES)
    assert snapshot(out) == {"marker.txt": b"keep me\n", "old.csv": b"old\n"}
    assert siblings(out) == []


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    """The rename of the new folder into place fails after the old one was moved aside."""
    out = tmp_path / "plan"
    write_folder(out, {"marker.txt": b"keep me\n"})
    original = os.rename

    def rename(source, target):
        if str(source).endswith(".partial"):
            raise OSError("rename failed")
        return original(source, target)

    monkeypatch.setattr(planner.data.files.os, "rename", rename)
    with pytest.raises(OSError, match="rename failed"):
        write_folder(out, FILES)
    assert snapshot(out) == {"marker.txt": b"keep me\n"}
    assert siblings(out) == []


def test_replacing_a_folder_replaces_it_as_a_whole(tmp_path):
    out = tmp_path / "plan"
    write_folder(out, {"stale.csv": b"old\n"})
    write_folder(out, FILES)
    assert snapshot(out) == FILES
    assert siblings(out) == []


def test_an_existing_file_in_place_of_the_folder_is_refused(tmp_path):
    out = tmp_path / "plan"
    out.write_text("not a folder")
    with pytest.raises(FileExistsError, match="not a folder"):
        write_folder(out, FILES)
    assert out.read_text() == "not a folder"
    assert siblings(out) == []


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
