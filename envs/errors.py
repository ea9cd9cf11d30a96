"""User-facing errors, shared by every layer (``envs``, ``policies`` and ``agent`` all raise them).

Every error a user can cause (a bad flag, a malformed PDDL file, a goal naming an unknown object, an
unsolvable goal) is a ``NesyError``: the CLI prints its message, which names the file, line, object or
flag at fault, and exits with status 2. Anything else is a bug and keeps its traceback.

Like unified-planning's exceptions, each error also subclasses the builtin it refines (a bad value is a
``ValueError``, a planner that fails is a ``RuntimeError``), so code that knows nothing of nesy can still catch
it by its kind.
"""


#: how much of a user's text (an instruction, a flag's value) an error message repeats
SHOWN_CHARS = 80


def quoted(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters with an ellipsis, so that a pasted
    10,000-character instruction does not fill the terminal."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} characters)"


class NesyError(Exception):
    """Base class of the errors the CLI reports without a traceback."""


class DomainError(NesyError, ValueError):
    """A PDDL domain or its YAML binding is malformed or inconsistent."""


class GoalError(NesyError, ValueError):
    """A goal names an unknown predicate or object, or has the wrong arity or types."""


class PlanningError(NesyError, RuntimeError):
    """The planner found no plan (the goal is unsolvable) or failed."""


class InstructionError(NesyError, ValueError):
    """An instruction could not be turned into a goal."""


class ConfigError(NesyError, ValueError):
    """A command-line flag or configuration value is invalid."""


class WorkerError(NesyError, RuntimeError):
    """A worker process or Ray actor running episodes died, or the cluster to run them on cannot be used."""


class PerceptionError(NesyError, ValueError):
    """A camera frame could not be turned into objects (nothing on the table, an object that cannot be named)."""


class CheckpointError(NesyError, ValueError):
    """A checkpoint file is missing, unreadable, truncated, of another kind or of another format."""


class Refusal(InstructionError):
    """An instruction the agent will not act on, and why: ``reason`` is one of ``REFUSAL_REASONS`` and the
    message names the word, object or atom at fault. Every goal reader refuses the same way, so the CLI
    answers a refused instruction with one line and exit status 2 whichever reader ran."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in REFUSAL_REASONS:
            raise ValueError(f"unknown refusal reason {reason!r} (reasons: {', '.join(REFUSAL_REASONS)})")
        super().__init__(f"refused ({reason}): {detail}")
        self.reason = reason
        self.detail = detail


#: why an instruction is refused: no instruction at all; it names an object the scene lacks; the domain
#: cannot reach it; it contradicts itself; it changes nothing; two objects fit one of its references
REFUSAL_REASONS = ("not-an-instruction", "absent-object", "impossible", "contradiction", "no-change", "ambiguous")
