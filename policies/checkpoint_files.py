"""Checks that a checkpoint file is whole, and of the kind expected, before a library reads it.

Left to themselves, the libraries answer a damaged file in their own words: stable-baselines3 asserts "No data
found in the saved file" on some truncated zips, torch raises an error with an empty message for an empty file
and a page of advice for a pickle it will not load, and ``load_state_dict`` lists every missing tensor over many
lines. Every checkpoint nesy reads (an SB3 policy, GoalNet, the segmenter) is a zip archive, so the checks
here read what is cheap first (the file is there and not empty, its zip directory is intact, every member's
CRC matches) and turn each failure into one ``CheckpointError`` line that names the file and what is wrong.
"""

from __future__ import annotations

import pickle
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from envs.errors import CheckpointError

#: the first bytes of a zip archive: a file that starts with them (or is a part of them) but has no readable
#: directory was cut short
ZIP_MAGIC = b"PK\x03\x04"
#: how much of a library's message a one-line error quotes
QUOTED = 160


def checked_zip(path: Path, kind: str, hint: str = "") -> zipfile.ZipFile:
    """``path`` opened as a zip archive whose members all pass their CRC check; raises a ``CheckpointError``
    saying why it is not one. ``kind`` names what was expected (``a stable-baselines3 policy``), ``hint`` how
    to make one (said only when the file is missing)."""
    if not path.exists():
        raise CheckpointError(f"{path}: no such file (expected {kind}" + (f"; {hint})" if hint else ")"))
    if path.is_dir():
        raise CheckpointError(f"{path}: a directory, not {kind}")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(ZIP_MAGIC))
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise CheckpointError(f"{path}: empty file, not {kind}")
    if not zipfile.is_zipfile(path):
        if ZIP_MAGIC.startswith(head):
            raise CheckpointError(f"{path}: truncated zip (its directory is missing), not a whole {_bare(kind)}")
        raise CheckpointError(f"{path}: not {kind} (not a zip archive)")
    try:
        archive = zipfile.ZipFile(path)
        damaged = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: damaged zip ({one_line(exc)}), not a whole {_bare(kind)}") from None
    if archive.infolist() and min(info.header_offset for info in archive.infolist()) > 0:
        # the directory found belongs to a zip stored inside this one (SB3 and torch store their members
        # uncompressed): the outer directory, at the very end, was cut off
        archive.close()
        raise CheckpointError(f"{path}: truncated zip (its directory is missing), not a whole {_bare(kind)}")
    if damaged is not None:
        archive.close()
        raise CheckpointError(f"{path}: damaged zip (member {damaged} fails its CRC check), not a whole "
                              f"{_bare(kind)}")
    return archive


def load_torch(path: Path, kind: str, hint: str = "") -> dict[str, Any]:
    """The dictionary a ``torch.save`` file at ``path`` holds, read with ``weights_only`` (a checkpoint
    runs no code when loaded) but allowing numpy scalars, which training metrics are often made of."""
    import numpy as np
    import torch
    from numpy._core.multiarray import scalar

    allowed: list[Any] = [scalar, np.dtype, *(type(np.dtype(t)) for t in ("float64", "float32", "int64", "bool"))]

    with checked_zip(path, kind, hint) as archive:
        if not any(name.endswith("/data.pkl") for name in archive.namelist()):
            raise CheckpointError(f"{path}: a zip archive, but not {kind} (no data.pkl: not written by torch.save)")
    try:
        with torch.serialization.safe_globals(allowed):
            saved = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(f"{path}: not {kind} ({unpickling_reason(exc)})") from None
    except (RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path}: torch cannot read it ({one_line(exc)}), so not {kind}") from None
    if not isinstance(saved, dict):
        raise CheckpointError(f"{path}: a torch file holding a {type(saved).__name__}, not {kind}")
    return saved


def load_arrays(path: Path, kind: str, hint: str = "") -> dict[str, Any]:
    """``load_torch`` without torch: the same checks and refusals, the tensors read as numpy arrays
    (``policies.torch_files``), for the paths that only evaluate a network."""
    from policies.torch_files import read_torch_file

    with checked_zip(path, kind, hint) as archive:
        try:
            saved = read_torch_file(archive)
        except pickle.UnpicklingError as exc:
            raise CheckpointError(f"{path}: not {kind} ({unpickling_reason(exc)})") from None
        except (ValueError, EOFError, KeyError, OSError, TypeError, zipfile.BadZipFile) as exc:
            raise CheckpointError(f"{path}: a zip archive, but not {kind} ({one_line(exc)})") from None
    if not isinstance(saved, dict):
        raise CheckpointError(f"{path}: a torch file holding a {type(saved).__name__}, not {kind}")
    return saved


def entry(path: Path, saved: Mapping[str, Any], key: str, kind: str, expected: type = dict) -> Any:
    """``saved[key]``, which must be an ``expected``; the error names what the file holds instead."""
    if key not in saved:
        raise CheckpointError(f"{path}: not {kind} (no {key!r} entry; it holds {listing(saved)})")
    value = saved[key]
    if not isinstance(value, expected):
        raise CheckpointError(f"{path}: its {key!r} entry is a {type(value).__name__}, not a {expected.__name__}")
    return value


def check_format(path: Path, saved: Mapping[str, Any], current: int, retrain: str) -> None:
    """Refuse a checkpoint whose ``format`` field is not ``current`` (files written before the field existed
    have none, and are format 1)."""
    written = saved.get("format", 1)
    if type(written) is not int or written != current:
        raise CheckpointError(f"{path}: checkpoint format {written!r}, but this nesy reads format {current} "
                              f"(retrain with: {retrain})")


def check_config(path: Path, config: Mapping[str, Any], config_class: type) -> None:
    """Refuse a saved network config with keys ``config_class`` (a dataclass) does not have."""
    known = [f.name for f in fields(config_class)]
    unknown = [k for k in config if k not in known]
    if unknown:
        raise CheckpointError(f"{path}: its config has unknown keys {listing(unknown)} (a {config_class.__name__} "
                              f"has {listing(known, len(known))})")


def load_weights(path: Path, module: Any, weights: Mapping[str, Any]) -> None:
    """Load ``weights`` into ``module`` after ``check_weights`` against its own."""
    check_weights(path, {k: tuple(v.shape) for k, v in module.state_dict().items()}, weights)
    module.load_state_dict(weights)


def check_weights(path: Path, expected: Mapping[str, tuple[int, ...]], weights: Mapping[str, Any]) -> None:
    """Check that every weight ``expected`` names is there with its shape (torch tensors or numpy arrays), so
    that a mismatch is one line naming the first tensor at fault rather than torch's list of all of them."""
    missing = [k for k in expected if k not in weights]
    unexpected = [k for k in weights if k not in expected]
    if missing or unexpected:
        parts = [f"{len(names)} {what} ({listing(names)})"
                 for what, names in (("missing", missing), ("unexpected", unexpected)) if names]
        raise CheckpointError(f"{path}: its weights do not fit the network its config describes: "
                              + "; ".join(parts))
    for key, tensor in weights.items():
        if not hasattr(tensor, "shape") or not hasattr(tensor, "dtype"):
            raise CheckpointError(f"{path}: weight {key} is a {type(tensor).__name__}, not a tensor")
        if tuple(tensor.shape) != tuple(expected[key]):
            raise CheckpointError(f"{path}: weight {key} has shape {tuple(tensor.shape)}, but the network its "
                                  f"config describes needs {tuple(expected[key])}")


def one_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (with the next when it ends in a colon; its class name when it has
    none), cut to ``QUOTED`` characters."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = " ".join(lines[:2] if lines[0].endswith(":") and len(lines) > 1 else lines[:1]) if lines else \
        type(exc).__name__
    return text if len(text) <= QUOTED else text[:QUOTED - 3] + "..."


def unpickling_reason(exc: pickle.UnpicklingError) -> str:
    """What torch's weights-only unpickler refused, from the page of advice it raises."""
    text = str(exc)
    refused = re.search(r"Unsupported global: GLOBAL (\S+)", text)
    if refused:
        return f"it holds a {refused.group(1)}, which a weights-only load refuses"
    detail = re.search(r"WeightsUnpickler error:\s*(\S[^\n]*)", text)
    return f"not a torch pickle: {detail.group(1).strip()}" if detail else one_line(exc)


def listing(names: Iterable[Any], most: int = 4) -> str:
    """The first ``most`` of ``names``, comma-separated, with ``...`` when there are more."""
    names = [str(n) for n in names]
    return ", ".join(names[:most]) + (", ..." if len(names) > most else "")


def _bare(kind: str) -> str:
    """``kind`` without its article: ``a segmenter checkpoint`` -> ``segmenter checkpoint``."""
    return kind.split(" ", 1)[1] if kind.split(" ", 1)[0] in ("a", "an") else kind
