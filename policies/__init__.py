"""Controllers that execute the planner's operators: learned policies, or the scripted reference skills.

The learned skills' training environments (one operator per episode) are registered with gymnasium as
``nesy/PickSkill-v0`` and ``nesy/PlaceSkill-v0`` where they live, in ``policies/skill_envs.py``. This package's
own import loads neither gymnasium nor the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from policies.skill import BINDABLE_SKILLS, RECOVERY_SKILLS, SCRIPTED_ONLY_SKILLS, SKILL_NAMES

if TYPE_CHECKING:
    from policies.skill import Skill

#: what executes operators: the trained policies (``policies/checkpoints``) or the scripted reference skills
CONTROLLERS = ("learned", "scripted")


@cache
def load_skills(controller: str) -> Mapping[str, Skill]:
    """The skills of ``controller``: ``learned`` (the shipped policies) or ``scripted``; loaded once per
    process. ``learned`` runs the ``SCRIPTED_ONLY_SKILLS`` (``fetch``, taking a knocked disc into the hand)
    with the scripted skill: no learned one exists yet."""
    from policies.scripted import SKILLS

    if controller == "scripted":
        return SKILLS
    from policies.learned import LearnedSkills

    return {**LearnedSkills().skills(), **{name: SKILLS[name] for name in SCRIPTED_ONLY_SKILLS}}


__all__ = ["BINDABLE_SKILLS", "CONTROLLERS", "RECOVERY_SKILLS", "SCRIPTED_ONLY_SKILLS", "SKILL_NAMES", "load_skills"]
