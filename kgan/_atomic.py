"""Atomic file writes, a free-space check, and the corrupt-``.keras`` check: every file kgan writes goes here.

Private, ground floor (Keras and kgan._keras_private only inside the functions that save models).
A write goes to a hidden temporary name in the target's folder, then ``os.replace`` puts it in
place: a kill, a full disk or an error mid-write leaves the previous file byte-identical, and a
reader never sees half a file. The temporary name keeps the target's suffix (Keras insists on
``.keras`` / ``.weights.h5``, matplotlib and NumPy read the format from it) and starts with a dot,
so nothing mistakes it for a real file; one left by a killed process is removed by the next
successful write of the same target.

```python
from kgan import _atomic

with _atomic.atomic_path("runs/x/grid.png") as tmp:   # tmp: runs/x/.grid.png.tmp-4242-1a2b3c.png
    fig.savefig(tmp)
_atomic.atomic_write_text("runs/x/metrics.json", text)
_atomic.save_model(generator, "runs/x/generator.keras")  # free space checked, then atomic
_atomic.check_keras_file("runs/x/gan.keras")             # CorruptFileError if truncated / not a zip
```
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import uuid
import zipfile

__all__ = ["CorruptFileError", "DiskFullError", "atomic_path", "atomic_save_npy", "atomic_write_bytes", "atomic_write_text",
           "bytes_needed", "check_free_space", "check_keras_file", "make_folder", "model_bytes", "process_alive", "save_model", "save_weights"]

_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS)  # a read-only folder or file system
_MARGIN = 1 << 20  # bytes kept free beyond the estimate: zip directory, h5 metadata, other writers


class DiskFullError(OSError):
    """There is not enough disk space to write a file; the previous version of the file is unchanged.

    An ``OSError`` with ``errno.ENOSPC``, so ``except OSError`` handlers catch it.
    """

    def __init__(self, path, free=None, need=None):
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        have = f"{_size(free)} free in {folder}" if free is not None else f"the disk holding {folder} is full"
        want = f", about {_size(need)} needed" if need is not None else ""
        kept = "; the previous file is unchanged" if os.path.exists(path) else ""
        super().__init__(errno.ENOSPC, f"not enough disk space to write {path} ({have}{want}){kept}. "
                         "Free some space (old checkpoints, runs/) or write to another disk, then save again.")
        self.filename = path
        self.free, self.need = free, need

    def __str__(self):
        return self.strerror


class CorruptFileError(ValueError):
    """A saved file is corrupt (truncated or not what its name says), e.g. cut short by a kill or a full disk."""


def _size(n) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000


def _suffix(name: str) -> str:
    # Keras needs the whole ".weights.h5" (and ".weights.json" when sharded), not just ".h5".
    for double in (".weights.h5", ".weights.json"):
        if name.endswith(double):
            return double
    return os.path.splitext(name)[1]


def temp_name(path) -> str:
    """The hidden temporary sibling a write of ``path`` uses (unique per call, keeps the suffix)."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:6]}{_suffix(name)}")


def is_disk_full(err: BaseException) -> bool:
    """Whether an exception says the disk is full (ENOSPC/EDQUOT, also as h5py words it)."""
    if isinstance(err, OSError) and err.errno in _FULL:
        return True
    text = str(err)
    return "No space left on device" in text or "errno = 28" in text or "Disk quota exceeded" in text


def check_free_space(path, need: int) -> None:
    """Raise `DiskFullError` before writing ``path`` if its disk has less than ``need`` bytes (+1 MB) free.

    >>> check_free_space("runs/x/gan.keras", 50_000_000)   # doctest: +SKIP
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    free = shutil.disk_usage(folder).free
    if free < need + _MARGIN:
        raise DiskFullError(path, free=free, need=need + _MARGIN)


def _clean_stale(path: str) -> None:
    """Remove temporaries of ``path`` left by processes that no longer run (killed mid-write)."""
    folder, name = os.path.split(os.path.abspath(path))
    pattern = re.compile(re.escape(f".{name}.tmp-") + r"(\d+)-")
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry)
        if match and not process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, entry))


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be writing its temporaries (this process: no, it writes one at a time)."""
    if pid == os.getpid():
        return False  # our own writes are finished or failed by now (they run one at a time per target)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _fsync(path: str) -> None:
    # Without it a power cut soon after the rename can leave an empty file under the final name.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path, need: int | None = None):
    """Yield a temporary path to write instead of ``path``; on success rename it to ``path``.

    On any error the temporary file is removed and ``path`` is untouched; a full disk (checked
    first against ``need`` bytes when given, or reported by the write) raises `DiskFullError`.
    Creates the folder.

    ```python
    with atomic_path("out/samples.npy") as tmp:
        np.save(tmp, images)          # tmp ends in .npy too, so np.save adds nothing
    ```
    """
    path = os.fspath(path)
    make_folder(os.path.dirname(os.path.abspath(path)))
    if need is not None:
        check_free_space(path, need)
    tmp = temp_name(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if is_disk_full(err) and not isinstance(err, DiskFullError):
            raise DiskFullError(path, free=_free(path)) from err
        if isinstance(err, OSError) and err.errno in _REFUSED:
            raise PermissionError(
                f"cannot write {path}: its folder refuses writes ({err.strerror}){_kept(path)}. Make the folder "
                "writable (chmod u+w, or remount read-write) or write the output elsewhere."
            ) from None
        raise
    _clean_stale(path)


def _kept(path) -> str:
    return "; the previous file is unchanged" if os.path.exists(path) else ""


def make_folder(folder) -> str:
    """``os.makedirs(folder, exist_ok=True)`` whose errors name the file in the way or the folder that refuses.

    ```python
    make_folder("runs/x/samples")   # NotADirectoryError: ... runs/x/samples is a file, not a folder ...
    ```
    """
    folder = os.fspath(folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = folder
        for parent in [folder, *_parents(folder)]:
            if os.path.lexists(parent) and not os.path.isdir(parent):
                blocker = parent
        raise NotADirectoryError(
            f"cannot create the folder {folder}: {blocker} is a file, not a folder. Move or delete that file, "
            "or write the output elsewhere."
        ) from None
    except OSError as err:
        if err.errno not in _REFUSED:
            raise
        raise PermissionError(
            f"cannot create the folder {folder}: {err.strerror} (a read-only parent folder?). Make it "
            "writable or write the output elsewhere."
        ) from None
    return folder


def _parents(path):
    path = os.path.abspath(path)
    while os.path.dirname(path) != path:
        path = os.path.dirname(path)
        yield path


def _free(path):
    with contextlib.suppress(OSError):
        return shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free
    return None


def atomic_write_bytes(path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically (see `atomic_path`); returns ``path``."""
    with atomic_path(path, need=len(data)) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return os.fspath(path)


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> str:
    """Write ``text`` to ``path`` atomically (see `atomic_path`); returns ``path``.

    >>> atomic_write_text("metrics.json", "{}\\n")   # doctest: +SKIP
    """
    return atomic_write_bytes(path, text.encode(encoding))


def atomic_save_npy(path, array) -> str:
    """``np.save(path, array)`` atomically; like np.save, adds ``.npy`` unless ``path`` ends with it.
    Returns the path written."""
    import numpy as np

    path = os.fspath(path)
    path = path if path.endswith(".npy") else f"{path}.npy"
    array = np.asanyarray(array)
    with atomic_path(path, need=array.nbytes) as tmp, open(tmp, "wb") as f:
        np.save(f, array)
    return path


# ----------------------------------------------------------------- Keras models
def model_bytes(model) -> int:
    """Bytes of a model's variables and of any optimizer it holds (a GAN's two included)."""
    import numpy as np

    def nbytes(variables):
        total = 0
        for v in variables:
            try:
                item = np.dtype(str(v.dtype)).itemsize
            except TypeError:  # bfloat16 and friends
                item = 4
            total += int(np.prod(v.shape)) * item
        return total

    variables = {id(v): v for v in model.weights}
    for attr in ("optimizer", "d_optimizer", "g_optimizer"):  # a GAN's `optimizer` may view both players'
        for v in getattr(getattr(model, attr, None), "variables", None) or ():
            variables.setdefault(id(v), v)
    return nbytes(variables.values())


def bytes_needed(model, path) -> int:
    """What a save of ``model`` to ``path`` needs: the previous file's size, else its variables' bytes
    (weights and optimizer slots: what the file holds, uncompressed)."""
    with contextlib.suppress(OSError):
        return os.path.getsize(path)
    return model_bytes(model)


def save_model(model, path, **kwargs) -> str:
    """``model.save(path)``, atomically and with a free-space check; returns ``path``.

    Raises `DiskFullError` (the previous file unchanged) when the disk is too full.

    ```python
    _atomic.save_model(gan.generator, "runs/x/generator.keras")
    ```
    """
    import keras

    kwargs.pop("overwrite", None)  # the temporary name never exists: overwriting is the rename's job
    with atomic_path(path, need=bytes_needed(model, path)) as tmp:
        keras.saving.save_model(model, tmp, overwrite=True, **kwargs)  # not model.save: GAN.save comes here
    _stop_keras_save_leak()
    return os.fspath(path)


def save_weights(model, path, **kwargs) -> str:
    """``model.save_weights(path)`` (a ``.weights.h5``), atomically and with a free-space check."""
    import keras

    kwargs.pop("overwrite", None)
    with atomic_path(path, need=bytes_needed(model, path)) as tmp:
        keras.saving.save_weights(model, tmp, overwrite=True, **kwargs)
    _stop_keras_save_leak()
    return os.fspath(path)


def _stop_keras_save_leak():
    # Keras 3.15 leaks ~70 KB per optimizer per save (a cache-key typo); see kgan._keras_private.
    from kgan import _keras_private

    _keras_private.cache_saving_skipsets()


def check_keras_file(path) -> None:
    """Raise `CorruptFileError` if ``path`` (an existing ``.keras`` file) is truncated or not a zip archive.

    Keras itself answers such a file with a misleading "File not found". Other paths pass.

    >>> check_keras_file("runs/x/gan.keras")   # doctest: +SKIP
    """
    path = os.fspath(path)
    if not path.endswith(".keras") or not os.path.isfile(path):
        return
    fix = ("It was probably cut short by a kill or a full disk while being written: use an earlier "
           "checkpoint or save the model again.")
    size = os.path.getsize(path)
    if not zipfile.is_zipfile(path):
        raise CorruptFileError(f"{path} is corrupt: a .keras file is a zip archive, and these {size} bytes are "
                               f"not one (truncated or overwritten). {fix}")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()  # reads every member: catches damage the directory at the end hides
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise CorruptFileError(f"{path} is corrupt: its zip archive cannot be read ({err}). {fix}") from None
    if bad is not None:
        raise CorruptFileError(f"{path} is corrupt: {bad!r} inside it fails its checksum. {fix}")
    if "config.json" not in names:
        raise CorruptFileError(f"{path} is corrupt or not a Keras model: the archive has no config.json. {fix}")
