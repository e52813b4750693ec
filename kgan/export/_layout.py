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

from kgan._atomic import DiskFullError, is_disk_full, process_alive

_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def version_dir(base_dir, name, version, overwrite) -> Path:
    """``BASE/NAME/VERSION`` after checking each part; raises before anything is written."""
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"name={name!r} is not a usable model name: use letters, digits, '.', '_' or '-' (no '/'), "
            "e.g. name='fmnist'. It is the NAME in TF Serving's /v1/models/NAME URLs."
        )
    base = Path(base_dir)
    clean_stale(base / name)  # before the checks: a killed --overwrite may have left the old version aside
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

    TF Serving polls BASE/NAME/ and ignores non-numeric folders: it never sees a half-written
    version. An existing ``target`` (overwrite=True, checked by the caller) is first renamed
    aside to a hidden name, the new version renamed in, and only then the old one deleted: at
    every moment ``target`` is either the whole old version or the whole new one (or, for the
    instant between two renames, absent, which TF Serving skips), never a half-deleted folder.
    Leftovers of a killed export are tidied by `clean_stale` on the next one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging = target.parent / f".{target.name}.partial-{tag}"
    staging.mkdir()  # not mkdtemp: its 0700 mode would hide the version from a server running as another user
    aside = None
    try:
        write(staging)
        if target.exists():
            aside = target.parent / f".{target.name}.old-{tag}"
            os.replace(target, aside)
        os.replace(staging, target)
    except BaseException as err:
        if aside is not None and not target.exists():
            os.replace(aside, target)  # the new version never got in: put the old one back
            aside = None
        shutil.rmtree(staging, ignore_errors=True)
        if is_disk_full(err) and not isinstance(err, DiskFullError):
            raise DiskFullError(target) from err
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return target


_STALE = re.compile(r"\.(\d+)\.(partial|old)-(?:(\d+)-)?[0-9a-f]+")  # no pid: an older kgan's staging


def clean_stale(model_dir: Path) -> list[Path]:
    """Tidy what killed exports left in ``BASE/NAME``; returns what it removed or restored.

    A staging folder (``.V.partial-PID-ID``) of a process no longer running is deleted. An old
    version moved aside (``.V.old-PID-ID``) is deleted if ``V`` is in place, or renamed back to
    ``V`` if the kill came between the two renames (the new version never got in).
    """
    done = []
    if not model_dir.is_dir():
        return done
    for entry in sorted(model_dir.iterdir()):
        match = _STALE.fullmatch(entry.name)
        if not match or (match.group(3) and process_alive(int(match.group(3)))):
            continue
        version = model_dir / match.group(1)
        if match.group(2) == "old" and not version.exists():
            os.replace(entry, version)
        else:
            shutil.rmtree(entry, ignore_errors=True)
        done.append(entry)
    return done
