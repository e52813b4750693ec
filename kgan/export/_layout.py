"""TF Serving's folder layout ``BASE/NAME/VERSION/``: checked names and versions, atomic writes.

Private. Its own module because both exporters write this layout: `kgan.export.saved_model`
(the SavedModel itself) and `kgan.export.onnx` (``model.onnx`` in it, which Triton reads), and
the ONNX exporter should not depend on the SavedModel one for it.
"""

from __future__ import annotations

import numbers
import os
import re
import shutil
import uuid
from pathlib import Path

_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def version_dir(base_dir, name, version, overwrite) -> Path:
    """``BASE/NAME/VERSION`` after checking each part; raises before anything is written."""
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"name={name!r} is not a usable model name: use letters, digits, '.', '_' or '-' (no '/'), "
            "e.g. name='fmnist'. It is the NAME in TF Serving's /v1/models/NAME URLs."
        )
    base = Path(base_dir)
    for path in (base, base / name):
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(
                f"{path} exists and is not a directory; TF Serving needs BASE/NAME/VERSION/ folders: "
                "pick another base directory or name."
            )
    if version is None:
        return base / name / str(_next_version(base / name))
    if isinstance(version, bool) or not isinstance(version, numbers.Integral) or version < 1:
        raise ValueError(
            f"version must be a positive integer (TF Serving loads BASE/NAME/<integer>/ folders), got "
            f"{version!r}. Leave it out to use the next free version."
        )
    path = base / name / str(int(version))
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists: pass overwrite=True (kgan export --overwrite) to replace it, or "
            f"another version (the next free one is {_next_version(base / name)})."
        )
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a directory: remove it or use another version.")
    return path


def _next_version(model_dir: Path) -> int:
    """One more than the highest existing version (TF Serving serves the highest by default)."""
    versions = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()] if model_dir.is_dir() else []
    return max(versions, default=0) + 1


def write_atomically(target: Path, write):
    """Write into a hidden sibling folder, then rename it to ``target``.

    TF Serving polls BASE/NAME/ and ignores non-numeric folders: it never sees a half-written version.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()  # not mkdtemp: its 0700 mode would hide the version from a server running as another user
    try:
        write(staging)
        if target.exists():  # overwrite=True was checked by the caller
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
