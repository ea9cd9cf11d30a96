"""User-facing errors.

Every error a user can cause (a bad flag, a malformed PDDL file, a goal naming an unknown object, an
unsolvable goal) is a ``NesyError``: the CLI prints its message, which names the file, line, object or
flag at fault, and exits with status 2. Anything else is a bug and keeps its traceback.
"""


class NesyError(Exception):
    """Base class of the errors the CLI reports without a traceback."""


class DomainError(NesyError):
    """A PDDL domain or its YAML binding is malformed or inconsistent."""


class GoalError(NesyError):
    """A goal names an unknown predicate or object, or has the wrong arity or types."""


class PlanningError(NesyError):
    """The planner found no plan (the goal is unsolvable) or failed."""


class InstructionError(NesyError):
    """An instruction could not be turned into a goal."""


class ConfigError(NesyError):
    """A command-line flag or configuration value is invalid."""


class WorkerError(NesyError):
    """A worker process or Ray actor running episodes died, or the cluster to run them on cannot be used."""
