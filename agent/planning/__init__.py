"""Symbolic planning: PDDL domains and their bindings, atoms, and the planner (Fast Downward in process)."""
