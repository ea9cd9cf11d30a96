"""Controllers that execute the planner's operators: scripted pick and place for now."""

from policies.scripted import SKILLS

__all__ = ["SKILLS"]
