"""What a stable-baselines3 policy zip says about itself, checked before SB3 loads it.

SB3 writes a zip whose ``data`` entry is JSON: the policy class, and the observation and action spaces with
their shapes in plain text beside the pickled objects. Reading that costs milliseconds and no unpickling, and
it tells a pick policy (it observes ``PickTask.size`` values) from a place policy (``PlaceTask.size``) and a
righting one (``RightTask.size``), so a policy given to the wrong skill, or trained on another environment, is
refused with one line instead of failing inside SB3 or, worse, driving the arm with a meaningless observation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from envs.errors import CheckpointError
from envs.task_env import ACTION_SIZE
from policies.algorithms import ALGORITHMS
from policies.checkpoint_files import ZIP_MAGIC, checked_zip, listing, one_line
from policies.skill_tasks import PickTask, PlaceTask, RightTask

KIND = "a stable-baselines3 policy"
#: how many values each skill's policy observes (``SkillTask.observe``)
OBSERVATION_SIZES = {"pick": PickTask.size, "place": PlaceTask.size, "right": RightTask.size}
#: the module of the policy class SB3 saves -> the algorithm that wrote it (PPO's ``MlpPolicy`` is SB3's
#: generic actor-critic policy)
POLICY_MODULES = {"stable_baselines3.sac.policies": "sac", "sb3_contrib.tqc.policies": "tqc",
                  "stable_baselines3.common.policies": "ppo"}
#: algorithms that save another one's policy class: ``sacbc`` trains SAC's policy with a different loss,
#: ``residual`` a SAC policy whose actions are added to a frozen clone's (``policies/residual_files.py``)
POLICY_FAMILY = {"sacbc": "sac", "residual": "sac"}


@dataclass(frozen=True)
class PolicyFile:
    """A policy zip's algorithm and sizes, as its own metadata states them."""

    algorithm: str
    observation_size: int
    action_size: int
    sb3_version: str


def inspect_policy(path: Path) -> PolicyFile:
    """Read ``path``'s metadata (and the ``.json`` nesy writes beside it, if there); raises a
    ``CheckpointError`` when it is not a whole SB3 zip of a policy nesy can run."""
    with checked_zip(path, KIND, "train one with: nesy train controller") as archive:
        names = archive.namelist()
        if "data" not in names:
            raise CheckpointError(f"{path}: a zip archive, but not {KIND} (no 'data' entry; it holds "
                                  f"{listing(names)})")
        if "_stable_baselines3_version" not in names:
            raise CheckpointError(f"{path}: no '_stable_baselines3_version' entry, so not {KIND} of a format "
                                  "nesy reads (stable-baselines3 1.0 and later write one)")
        for name in (n for n in names if n.endswith(".pth")):
            with archive.open(name) as member:
                if member.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
                    raise CheckpointError(f"{path}: its member {name} is not a torch file, so not a whole "
                                          "stable-baselines3 policy")
        version = archive.read("_stable_baselines3_version").decode(errors="replace").strip()
        try:
            data = json.loads(archive.read("data"))
        except ValueError as exc:
            raise CheckpointError(f"{path}: its 'data' entry is not JSON ({one_line(exc)}), so not {KIND}") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: its 'data' entry is not a JSON object, so not {KIND}")
    _check_version(path, version)
    algorithm = _algorithm(path, data)
    return PolicyFile(algorithm, _box_size(path, data, "observation_space"), _box_size(path, data, "action_space"),
                      version)


def check_skill(path: Path, policy: PolicyFile, skill: str | None) -> None:
    """Refuse a policy whose sizes are not those of ``skill`` (with ``skill`` None: of any skill)."""
    if policy.action_size != ACTION_SIZE:
        raise CheckpointError(f"{path}: the policy acts with {policy.action_size} values, but the arm's skills take "
                              f"{ACTION_SIZE} (a policy of another environment)")
    made_for = next((s for s, size in OBSERVATION_SIZES.items() if size == policy.observation_size), None)
    if skill is not None and made_for not in (None, skill):
        raise CheckpointError(f"{path}: a {made_for} policy (it observes {policy.observation_size} values), but "
                              f"the {skill} skill needs a {skill} policy ({OBSERVATION_SIZES[skill]} values)")
    if made_for is None:
        wanted = (f"a {skill} policy observes {OBSERVATION_SIZES[skill]}" if skill is not None else
                  ", ".join(f"{s} policies observe {n}" for s, n in OBSERVATION_SIZES.items()))
        raise CheckpointError(f"{path}: the policy observes {policy.observation_size} values, but {wanted} "
                              "(a policy of another environment)")


def _check_version(path: Path, version: str) -> None:
    """A zip from a newer major version of SB3 than the one installed may hold what this one cannot read."""
    installed = metadata.version("stable_baselines3")
    major = version.split(".")[0]
    if not major.isdigit():
        raise CheckpointError(f"{path}: its stable-baselines3 version {version!r} is not a version number")
    if int(major) > int(installed.split(".")[0]):
        raise CheckpointError(f"{path}: written by stable-baselines3 {version}, newer than the installed "
                              f"{installed}; load it with that version or retrain")


def _algorithm(path: Path, data: dict[str, Any]) -> str:
    """The algorithm the zip's policy class belongs to, checked against the ``.json`` nesy writes beside it."""
    policy_class = data.get("policy_class")
    module = policy_class.get("__module__") if isinstance(policy_class, dict) else None
    if not isinstance(module, str):
        raise CheckpointError(f"{path}: its data names no policy class, so not {KIND} nesy can run")
    algorithm = POLICY_MODULES.get(module)
    if algorithm is None:
        raise CheckpointError(f"{path}: a policy of {module.removesuffix('.policies')}, but nesy runs "
                              f"{', '.join(ALGORITHMS)} policies")
    meta_path = path.with_suffix(".json")
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise CheckpointError(f"{meta_path}: the metadata beside {path.name} is not readable JSON "
                                  f"({one_line(exc)})") from None
        said = meta.get("algorithm", algorithm) if isinstance(meta, dict) else algorithm
        if POLICY_FAMILY.get(said, said) != algorithm:
            raise CheckpointError(f"{meta_path}: says {said!r}, but {path.name} holds a {algorithm} policy")
        return str(said)
    return algorithm


def _box_size(path: Path, data: dict[str, Any], key: str) -> int:
    """The length of the flat ``gymnasium`` box ``data[key]`` describes."""
    space = data.get(key)
    if not isinstance(space, dict):
        raise CheckpointError(f"{path}: its data has no {key}, so not {KIND} nesy can run")
    kind = str(space.get(":type:", "?"))
    shape = space.get("_shape")
    if "gymnasium.spaces.box.Box" not in kind or not isinstance(shape, list) or len(shape) != 1:
        raise CheckpointError(f"{path}: its {key} is {kind.removeprefix('<class ').removesuffix('>')} of shape "
                              f"{shape}, but skills use a flat gymnasium Box (a policy of another environment "
                              "or of an older, gym-based format)")
    return int(shape[0])
