"""Output folders: written whole or not at all, and only where that destroys nothing but an older output.

What may be replaced. `--out` (plan, forecast, simulate; generate's DIRECTORY) is written only when it
does not exist, is empty, or is an output folder this planner wrote: it holds the marker file
`.planner-output`, and every other entry is a file the marker lists (an earlier planner's folder,
without a marker, qualifies when it holds nothing but regular files named like planner outputs,
kpis.json or simulation_summary.csv among them). Anything else (a user's notes, subfolders, a
folder another tool wrote) is refused unless `overwrite`, which is what `--overwrite` means on every
command: replace the folder as a whole although it holds files this planner did not write. Never,
`overwrite` or not: a path that is a file, the current folder or a folder holding it (it cannot
be swapped, and a shell sitting in it would be left in a deleted folder), a mount point (it cannot
be renamed), and any `protect`ed path (the dataset, the model file) or a folder holding one. The
marker lists the written file names and nothing else, so the same files give the same bytes.

The swap. Files are written (and fsynced) into a staging folder `.<name>.planner-partial` beside
`<name>`, then put in place: when `<name>` exists, one `renameat2(RENAME_EXCHANGE)` swaps the two
folders atomically (Linux 3.15+ on ext4, xfs, btrfs, tmpfs and most local file systems), so at
every instant `<name>` is the old complete folder or the new one, and the old one, now under the
staging name, is deleted afterwards. Where the exchange is not supported, the fallback is two
renames: `<name>` -> `.<name>.planner-old`, staging -> `<name>`; a kill between them leaves
`<name>` absent for a moment, with the old folder complete under `.planner-old`, which the next
run restores before anything else (below). When `<name>` does not exist, a rename puts it there.

Recovery. Every run, holding the lock, first undoes what a killed run left: a `.planner-old`
whose `<name>` is missing is renamed back (the old folder was complete when it was moved aside),
one whose `<name>` exists is deleted (the new folder is in place), and a `.planner-partial` is
deleted (it is an unfinished new folder, or the old one after an exchange). Leftovers of earlier
planner versions (`.<name>.XXXXXXXX.partial` and `.old`, from `tempfile.mkdtemp`) are treated the
same way. tests/test_faults.py kills a writer with SIGKILL before every file system call of the
write, with and without the exchange, and checks both claims.

The lock. `.<name>.planner-lock` beside `<name>`, held with `fcntl.flock` from the start of the
command (before any work) to its end; a second writer of the same folder is refused at once. The
lock file is deleted, while still held, at the end; a process that locked a file another run has
just deleted notices (its inode is no longer the path's) and starts over. Forked workers (the
forecast's process pool) close their copy of the descriptor, so a worker that outlives a killed
run does not keep the folder locked. A killed run's lock file is released by the kernel and
reused by the next run.

Errors. Every refusal, and every failure of the environment (permissions, read-only or full file
system), is an OutputError naming the path and what to do; the command line exits 2. The old
folder is then untouched and no staging is left.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

try:
    import fcntl
except ImportError:  # not a POSIX system: folders are still swapped, but writers are not locked out
    fcntl = None

MARKER = ".planner-output"
MARKER_HEAD = "planner output folder"
MARKER_TEXT = (
    f"{MARKER_HEAD}\n"
    "This folder was written by `planner` and is replaced as a whole by the next planner run that writes\n"
    "to it. A file or folder not listed below makes that run refuse (unless --overwrite).\n"
    "files:\n"
)
STAGING, RETIRED, LOCK = "planner-partial", "planner-old", "planner-lock"
# Earlier versions' names: the files a planner wrote without a marker, and mkdtemp's leftovers.
LEGACY_OUTPUTS = frozenset(
    {
        "purchase_orders.csv",
        "purchase_orders.xlsx",
        "transfers.csv",
        "order_plan.csv",
        "inventory_projection.csv",
        "open_purchase_orders.csv",
        "forecast.csv",
        "forecast_metrics.csv",
        "kpis.json",
        "report.html",
        "simulation.csv",
        "simulation_summary.csv",
        "simulation.html",
    }
)
LEGACY_SIGNATURES = frozenset({"kpis.json", "simulation_summary.csv"})
LEGACY_LEFTOVER = r"\.{name}\.[a-z0-9_]{{8}}\.(partial|old)"
ADVICE = {
    errno.ENOSPC: "the disk is full: free some space there, or choose another --out",
    errno.EDQUOT: "the disk quota is used up: free some space there, or choose another --out",
    errno.EACCES: "permission denied: choose a folder you can write to, or fix its permissions",
    errno.EPERM: "permission denied: choose a folder you can write to, or fix its permissions",
    errno.EROFS: "the file system is read-only: choose another --out",
    errno.EBUSY: "the folder is in use or a mount point: choose another --out",
}
RENAME_EXCHANGE = 2
_held_locks: set[int] = set()


class OutputError(Exception):
    """The output folder cannot be written: refused, locked by another run, or the environment failed.

    The message names the path and what to do; `path` is the path concerned.
    """

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = path


def write_folder(
    out: Path, files: dict[str, bytes], *, overwrite: bool = False, protect: Iterable[Path] = (), marker: bool = True
) -> None:
    """Write all files into `out` at once: the old folder or the new one, never a mix (module docstring).

    Raises OutputError when `out` may not be replaced (see the rules above) or cannot be written.
    """
    with OutputFolder(out, overwrite=overwrite, protect=protect, marker=marker) as target:
        target.write(files)


def marker_bytes(names: Iterable[str]) -> bytes:
    """The marker file's content: a fixed text and the sorted file names, so the same files give the same bytes."""
    return (MARKER_TEXT + "".join(f"{name}\n" for name in sorted(names))).encode("utf-8")


class OutputFolder:
    """An output folder held for one run: checked and locked on entry (before any work), written once.

    `protect` lists the run's inputs: `out` may be neither one of them nor a folder holding one.
    `marker=False` writes no marker and accepts only an absent or empty folder without `overwrite`
    (generate: a dataset is the user's input, not a planner output).
    """

    def __init__(self, out: Path, *, overwrite: bool = False, protect: Iterable[Path] = (), marker: bool = True):
        self.out = Path(out)
        self.overwrite = overwrite
        self.protect = [Path(p) for p in protect if p is not None]
        self.marker = marker
        self.path = self.out.resolve()
        self._lock_fd: int | None = None
        self._created: list[Path] = []
        self.written = False

    # ------------------------------------------------------------------ enter and leave

    def __enter__(self) -> OutputFolder:
        self._refuse_impossible()
        try:
            self._make_parents()
            self._lock()
            self._recover()
            self._check_contents()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._release()

    def write(self, files: dict[str, bytes]) -> None:
        """Stage every file, then swap the folder into place; the old folder is untouched on failure."""
        self._refuse_impossible()
        self._check_contents()
        files = dict(files)
        if self.marker:
            files[MARKER] = marker_bytes(files)
        staging = self._sibling(STAGING)
        try:
            _remove(staging)
            os.mkdir(staging)
            for name, content in files.items():
                _write_file(staging / name, content)
            _fsync_folder(staging)
            self._swap(staging)
        except OSError as error:
            with contextlib.suppress(OSError):
                _remove(staging)
            raise self._environment_error(error) from None
        except BaseException:
            with contextlib.suppress(OSError):
                _remove(staging)
            raise
        self.written = True

    # ------------------------------------------------------------------ rules

    def _refuse_impossible(self) -> None:
        """What no --overwrite allows: a file, the current folder or one above it, a mount point, an input."""
        out, path = self.out, self.path
        if path.exists() and not path.is_dir():
            raise OutputError(f"{out} exists and is not a folder; name a folder (it is created if absent)", out)
        cwd = Path.cwd().resolve()
        if path == cwd or path in cwd.parents:
            where = "the current folder" if path == cwd else "a folder holding the current folder"
            raise OutputError(
                f"{out} is {where}; an output folder is replaced as a whole, so name a folder inside it "
                f"(e.g. --out plan) or run from its parent folder",
                out,
            )
        for protected in self.protect:
            target = protected.resolve()
            if path == target or path in target.parents:
                relation = "is" if path == target else "holds"
                raise OutputError(
                    f"{out} {relation} {protected}, which this run reads; an output folder is replaced as a "
                    f"whole (--overwrite does not change this): choose a folder outside it",
                    out,
                )
        if path.is_dir() and os.path.ismount(path):
            raise OutputError(f"{out} is a mount point and cannot be replaced as a whole; name a folder inside it", out)

    def _check_contents(self) -> None:
        """Absent, empty, a planner output folder, or anything with `overwrite`; else refused."""
        try:
            entries = sorted(os.listdir(self.path))
        except FileNotFoundError:
            return
        except OSError as error:
            raise self._environment_error(error) from None
        if not entries or self.overwrite:
            return
        if not self.marker:
            raise OutputError(
                f"{self.out} is not empty ({_listing(self.path, entries)}); choose an empty folder, "
                f"or pass --overwrite to replace it as a whole",
                self.out,
            )
        foreign = self._foreign(entries)
        if foreign is None:
            return
        if MARKER in entries:
            raise OutputError(
                f"{self.out} is a planner output folder but also holds what the planner did not write "
                f"({_listing(self.path, foreign)}); move that out, choose another folder, "
                f"or pass --overwrite to replace the folder as a whole",
                self.out,
            )
        raise OutputError(
            f"{self.out} holds files this planner did not write ({_listing(self.path, foreign)}); "
            f"choose a new or empty folder, or pass --overwrite to replace it as a whole",
            self.out,
        )

    def _foreign(self, entries: list[str]) -> list[str] | None:
        """The entries this planner did not write, or None when the folder is a planner output folder."""
        regular = [name for name in entries if _is_regular_file(self.path / name)]
        if MARKER in regular:
            listed = _marker_names(self.path / MARKER)
            if listed is not None:
                foreign = [name for name in entries if name != MARKER and (name not in listed or name not in regular)]
                return foreign or None
        elif len(regular) == len(entries) and set(entries) <= LEGACY_OUTPUTS and LEGACY_SIGNATURES & set(entries):
            return None  # written by a planner from before the marker
        return entries

    # ------------------------------------------------------------------ lock and recovery

    def _make_parents(self) -> None:
        missing = [p for p in [self.path.parent, *self.path.parent.parents] if not p.is_dir()]
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except FileExistsError:
                if not folder.is_dir():
                    raise OutputError(f"{folder} is a file, so {self.out} cannot be created in it", self.out) from None
                continue
            except OSError as error:
                raise self._environment_error(error) from None
            self._created.append(folder)

    def _lock(self) -> None:
        if fcntl is None:
            return
        lock_path = self._sibling(LOCK)
        for _ in range(100):
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as error:
                raise self._environment_error(error) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise OutputError(
                    f"another planner run{holder} is writing {self.out} (it holds {lock_path.name} beside it); "
                    f"wait for it to end, or choose another --out",
                    self.out,
                ) from None
            except OSError as error:
                os.close(fd)
                raise self._environment_error(error) from None
            if _same_file(fd, lock_path):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._lock_fd = fd
                _held_locks.add(fd)
                return
            os.close(fd)  # a run that ended deleted this lock file after we opened it: start over
        raise OutputError(f"could not lock {lock_path}; run again", self.out)

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._sibling(LOCK))  # while still held: see the module docstring
            _held_locks.discard(self._lock_fd)
            os.close(self._lock_fd)
            self._lock_fd = None
        if not self.written:
            for folder in reversed(self._created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        self._created = []

    def _recover(self) -> None:
        """Undo what a killed run left beside `out` (module docstring, 'Recovery')."""
        pattern = re.compile(LEGACY_LEFTOVER.format(name=re.escape(self.path.name)))
        try:
            legacy = sorted(
                (p for p in self.path.parent.iterdir() if pattern.fullmatch(p.name)),
                key=lambda p: p.lstat().st_mtime,
                reverse=True,
            )
            retired = [self._sibling(RETIRED)] + [p for p in legacy if p.name.endswith(".old")]
            staged = [self._sibling(STAGING)] + [p for p in legacy if p.name.endswith(".partial")]
            for old in retired:
                if not old.is_dir() or old.is_symlink():
                    continue
                if self.path.exists():
                    _remove(old)
                else:
                    os.rename(old, self.path)
            for partial in staged:
                _remove(partial)
        except OSError as error:
            raise self._environment_error(error) from None

    # ------------------------------------------------------------------ the swap

    def _swap(self, staging: Path) -> None:
        parent = self.path.parent
        if not self.path.exists():
            os.rename(staging, self.path)
        elif _exchange(staging, self.path):
            _remove_quietly(staging)  # the old folder, now under the staging name
        else:
            retired = self._sibling(RETIRED)
            _remove(retired)
            os.rename(self.path, retired)
            try:
                os.rename(staging, self.path)
            except BaseException:
                os.rename(retired, self.path)
                raise
            _remove_quietly(retired)
        _fsync_folder(parent)

    def _sibling(self, kind: str) -> Path:
        return self.path.parent / f".{self.path.name}.{kind}"

    def _environment_error(self, error: OSError) -> OutputError:
        where = error.filename or self.path
        advice = ADVICE.get(error.errno, "check the folder and run again")
        return OutputError(
            f"cannot write {self.out}: {error.strerror or error} ({where}); {advice}. Nothing was written "
            f"(an earlier output there is unchanged)",
            self.out,
        )


# ---------------------------------------------------------------------- file system steps


def _write_file(path: Path, content: bytes) -> None:
    try:
        with open(path, "xb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        if error.filename is None:  # a failed write or flush names no file: name it
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


def _fsync_folder(folder: Path) -> None:
    """Make a folder's entries durable (a renamed or written name survives a power cut)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except (OSError, AttributeError):
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    """Delete a folder (or a file) if it exists."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _remove_quietly(path: Path) -> None:
    """Delete what the swap left behind once the new folder is in place; the next run retries a failure."""
    with contextlib.suppress(OSError):
        _remove(path)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where this system cannot."""
    libc = _libc()
    if libc is None:
        return False
    at_cwd = -100  # AT_FDCWD
    result = libc.renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


@functools.cache
def _libc():
    """The C library's renameat2 (glibc 2.28+), or None."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return libc


def _is_regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _marker_names(path: Path) -> set[str] | None:
    """The file names a marker lists, or None when the file is not a marker."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0] != MARKER_HEAD or "files:" not in lines:
        return None
    return {line for line in lines[lines.index("files:") + 1 :] if line}


def _listing(folder: Path, names: list[str], shown: int = 5) -> str:
    text = ", ".join(name + ("/" if (folder / name).is_dir() else "") for name in names[:shown])
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _same_file(fd: int, path: Path) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {text})" if text.isdigit() else ""


def _close_held_locks_in_child() -> None:
    """A forked worker closes its copy of a held lock (closing, not unlocking: the parent keeps the lock)."""
    for fd in list(_held_locks):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held_locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks_in_child)
