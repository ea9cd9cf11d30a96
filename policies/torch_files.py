"""Reading a ``torch.save`` file's tensors as numpy arrays, without importing torch.

Importing torch costs a run two seconds of its start-up on a two-core machine, yet acting and reading a goal
on the CPU need only the weights: the policies and GoalNet are evaluated in numpy (``policies.actor``,
``agent.perception.goalnet_numpy``). A ``torch.save`` file is a zip archive of a pickle (``data.pkl``)
whose tensors point at raw little-endian storages (``data/<key>``). This module unpickles it with only the
globals a weights-only file holds (dictionaries, tensors rebuilt from storages, numpy scalars of metrics):
anything else is refused, as ``torch.load(weights_only=True)`` refuses it, so loading runs no code.
"""

from __future__ import annotations

import codecs
import io
import pickle
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

#: numpy's type for each storage class a tensor may be saved with
STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                  "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
                  "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


def read_torch_file(archive: zipfile.ZipFile) -> Any:
    """What the ``torch.save`` archive holds, its tensors as numpy arrays (copies, C-contiguous). Raises
    ``pickle.UnpicklingError`` for a global a weights-only file never holds, ``ValueError`` for a file
    that is not laid out as ``torch.save`` writes it."""
    pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise ValueError("no data.pkl: not written by torch.save")
    prefix = pickles[0].removesuffix("data.pkl")
    order = archive.read(prefix + "byteorder").decode() if prefix + "byteorder" in archive.namelist() else "little"
    if order != "little":
        raise ValueError(f"tensors stored {order}-endian")
    return _Unpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix).load()


def read_torch_bytes(data: bytes) -> Any:
    """``read_torch_file`` of a ``torch.save`` archive held in memory (an SB3 zip's ``policy.pth``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a torch file ({exc})") from None
    with archive:
        return read_torch_file(archive)


class _Unpickler(pickle.Unpickler):
    """The weights-only subset of torch's pickle: ``find_class`` answers only the globals below."""

    def __init__(self, handle: io.BytesIO, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(handle)
        self.archive = archive
        self.prefix = prefix
        self.storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) in (("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor")):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        if (module, name) in (("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar")):
            return _scalar
        if (module, name) == ("_codecs", "encode"):  # how protocol 2 pickles bytes (a numpy scalar's)
            return codecs.encode
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        if module == "numpy.dtypes" and name.endswith("DType"):
            return getattr(np.dtypes, name)
        named = name if module in ("builtins", "__builtin__") else f"{module}.{name}"
        raise pickle.UnpicklingError(f"Unsupported global: GLOBAL {named}")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise pickle.UnpicklingError(f"a persistent id that is not a storage: {pid!r}")
        _, dtype, key, _location, _count = pid
        if key not in self.storages:
            self.storages[key] = np.frombuffer(self.archive.read(f"{self.prefix}data/{key}"), dtype=dtype)
        return self.storages[key]


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                    *_ignored: Any) -> np.ndarray:
    """A tensor's values: ``size`` elements of ``storage`` from ``offset``, ``stride`` elements apart."""
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=tuple(size),
                                           strides=tuple(s * storage.itemsize for s in stride))
    return np.array(view, copy=True, order="C")


def _scalar(dtype: np.dtype, data: bytes | None = None) -> Any:
    """A numpy scalar as numpy pickles it (training metrics hold some)."""
    return np.frombuffer(data or b"", dtype=dtype)[0] if data else dtype.type()
