"""Write a folder of files all at once or not at all: users' folders never hold half a plan."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Write all files into `out` atomically: a staging folder beside it is renamed into place.

    An existing folder is replaced only after the new one is complete; on any failure the old
    folder (or no folder) is left as it was.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        staging.chmod(0o755)
        for name, content in files.items():
            (staging / name).write_bytes(content)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rmdir(retired)
    os.rename(out, retired)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
