"""The contract between the agent and a skill (scripted or learned), and the skills there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from envs.detectors import World
    from envs.task_env import TaskEnv
    from policies.targets import Targets

#: the skills with a scripted and a learned controller
SKILL_NAMES = ("pick", "place", "right")
#: skills that recover an object knocked where the domain has no place for it: ``right`` puts it upright on
#: the table (blocks, sort), ``fetch`` takes it into the hand (hanoi)
RECOVERY_SKILLS = ("right", "fetch")
#: skills only the scripted controller has: a learned run executes them with the scripted skill (recorded
#: as such in its steps) until a learned one is trained
SCRIPTED_ONLY_SKILLS = ("fetch",)
#: the skills a domain's binding may name
BINDABLE_SKILLS = SKILL_NAMES + SCRIPTED_ONLY_SKILLS


@dataclass(frozen=True)
class SkillResult:
    """How a skill ended: ``success`` means its symbolic effect held when it stopped."""

    success: bool
    sim_steps: int
    reason: str = ""
    #: False when the skill ran out of steps still under way (the arm left wherever it stopped), rather than
    #: ending on a success or a failure it judged
    finished: bool = True


class Skill(Protocol):
    """Runs one operator's motion in ``env`` within ``step_budget`` simulation steps, on the simulator's
    geometry or, given ``targets``, on perceived boxes and proprioception (``policies.targets``)."""

    def __call__(self, env: TaskEnv, args: Sequence[str], step_budget: int,
                 targets: Targets | None = None) -> SkillResult: ...


def unknown_place(world: World, target: str) -> SkillResult | None:
    """The failure a place skill gives for a target that is neither the table nor an object of the scene it
    sees (a camera-mode agent plans with objects its last frame did not show), else None."""
    if target == "table" or target in world.objects:
        return None
    return SkillResult(False, 0, f"{target!r} is not an object of this scene")


def not_movable(world: World, name: str) -> SkillResult | None:
    """The failure every skill gives for an operand that is no movable object of the scene it sees, else None."""
    if name in world.objects and world.objects[name].movable:
        return None
    return SkillResult(False, 0, f"{name!r} is not a movable object of this scene")
