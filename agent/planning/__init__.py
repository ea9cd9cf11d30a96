"""Symbolic planning: PDDL domains and their bindings, atoms, and the planner (Fast Downward in process).

The engines are named here, apart from ``planner.py``, so that the CLI offers them without loading the planner.
"""

#: the planning engines: ``auto`` takes optimal search on small scenes (``planner.OPTIMAL_MAX_OBJECTS``)
PLANNERS = ("auto", "fast-downward", "fast-downward-opt", "pyperplan")
