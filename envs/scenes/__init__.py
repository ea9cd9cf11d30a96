"""Task scenes. A new task is a new module here, its name in ``TASKS``, its class in ``SCENES``
(``envs/scenes/registry.py``), plus a domain folder in ``domains/``.

This module names the tasks and their variants and imports nothing, so that the CLI offers them as choices
without loading numpy or the simulator; the scene classes are in ``envs.scenes.registry``.
"""

#: the tasks, one scene each
TASKS = ("hanoi", "blocks", "sort")
#: each task's variant worlds, whose physics breaks the task's shipped domain (see ``nesy align``)
TASK_VARIANTS: dict[str, tuple[str, ...]] = {"blocks": ("sizes", "round", "heavy"), "hanoi": ("weighted",)}
#: every variant world: blocks ``sizes``, ``round``, ``heavy`` and hanoi ``weighted``
VARIANTS = tuple(variant for task in ("blocks", "hanoi") for variant in TASK_VARIANTS[task])

__all__ = ["TASKS", "TASK_VARIANTS", "VARIANTS"]
