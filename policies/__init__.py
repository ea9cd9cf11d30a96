"""Controllers that execute the planner's operators: learned policies, or the scripted reference skills."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from policies.skill import Skill

#: the skills a domain's binding may name
SKILL_NAMES = ("pick", "place")


@cache
def load_skills(controller: str) -> Mapping[str, Skill]:
    """The skills of ``controller``: ``learned`` (the shipped policies) or ``scripted``; loaded once per
    process."""
    if controller == "scripted":
        from policies.scripted import SKILLS

        return SKILLS
    from policies.learned import LearnedSkills

    return LearnedSkills().skills()


__all__ = ["SKILL_NAMES", "load_skills"]
