"""A residual policy and its frozen clone in one self-contained checkpoint.

The file is the residual's own SB3 zip (SAC's policy, so ``policies.policy_files`` checks it like any other)
with three members added: ``residual.json`` (the scale, and the format), and the clone's ``data`` and policy
weights, copied from its checkpoint. The clone's members end in ``.pt``, not ``.pth``, because SB3's ``load``
reads every ``.pth`` member as parameters of the model it loads. A file with ``residual.json`` is executed as
clone plus scaled residual; SB3 alone would load the residual without its clone, so ``policies.learned``
reads these files here first.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from envs.errors import CheckpointError
from policies.checkpoint_files import one_line
from policies.residual import ResidualActor

#: the members a residual checkpoint adds to the residual's SB3 zip
MANIFEST = "residual.json"
BASE_DATA, BASE_WEIGHTS = "residual_base/data", "residual_base/policy.pt"
FORMAT = 1


def save_residual(model: Any, base: Path, scale: float, path: Path) -> None:
    """Write ``model`` (the residual, an SB3 SAC model) and the clone of checkpoint ``base`` to ``path``."""
    model.save(path)
    with zipfile.ZipFile(base) as clone:
        data, weights = clone.read("data"), clone.read("policy.pth")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(MANIFEST, json.dumps({"format": FORMAT, "scale": scale}))
        archive.writestr(BASE_DATA, data)
        archive.writestr(BASE_WEIGHTS, weights)


def is_residual(path: Path) -> bool:
    """Whether ``path`` (a readable zip, ``inspect_policy`` having passed it) holds a residual policy."""
    with zipfile.ZipFile(path) as archive:
        return MANIFEST in archive.namelist()


def load_residual(path: Path) -> ResidualActor:
    """Clone and residual of the checkpoint at ``path``, executed together; a ``CheckpointError`` line when
    a member is missing or does not describe a default SAC actor."""
    from policies.actor import DeterministicActor

    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
            members = {name: archive.read(name) for name in ("data", "policy.pth", BASE_DATA, BASE_WEIGHTS)}
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path}: not a whole residual policy ({one_line(exc)})") from None
    scale = manifest.get("scale") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(scale, (int, float)):
        raise CheckpointError(f"{path}: its {MANIFEST} is not a format-{FORMAT} residual manifest with a scale")
    try:
        residual = DeterministicActor.from_members(members["data"], members["policy.pth"])
        base = DeterministicActor.from_members(members[BASE_DATA], members[BASE_WEIGHTS])
    except ValueError as exc:
        raise CheckpointError(f"{path}: {one_line(exc)}") from None
    if base.observation_size != residual.observation_size:
        raise CheckpointError(f"{path}: its clone observes {base.observation_size} values, its residual "
                              f"{residual.observation_size}")
    return ResidualActor(base, residual, float(scale))
