"""Does a bound domain plan on its robot scene? Build the seeded scene, detect its state, plan.

The binding's detectors must report atoms whose objects have the types the PDDL declares, and the
domain must reach a goal from what they report. The goal is the task's demo instruction read by the
rule-based parser; a domain whose predicates cannot express it (renamed or new ones) gets a goal that
is reachable by construction instead: the atoms made true by a few applicable operators in a row, so
the planner and its plan check still run on a real detected state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import product

from agent.authoring.binding_check import BindingLocator
from agent.authoring.findings import Finding
from agent.planning.domain import Domain, shown
from agent.planning.planner import Operator, Planner, parse_atom
from envs.errors import GoalError, InstructionError, PlanningError

WALK_STEPS = 3
_SHOWN_OBJECTS = 4


@dataclass
class SceneCheck:
    """Findings, and what was solved (for the report)."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_size(task: str) -> int:
    """Three objects where the scene allows it: small enough to plan optimally in milliseconds."""
    from envs.scenes.registry import SCENES

    low, high = SCENES[task].sizes
    return max(low, min(3, high))


def check_scene(domain: Domain, line: int, size: int | None = None, seed: int = 0) -> SceneCheck:
    """Detect the seeded scene of ``domain``'s task through its binding and plan a goal in it; planning
    failures are reported at ``line`` of the PDDL file (its ``define``)."""
    from agent.goals.oracle import default_instruction, parse_instruction
    from envs.scenes.registry import check_size
    from envs.task_env import TaskEnv

    binding = domain.binding
    task = binding.task
    size = default_size(task) if size is None else size
    check_size(task, size)
    result = SceneCheck()
    locator = BindingLocator(binding.path)
    label = f"the {task} scene (size {size}, seed {seed})"
    env = TaskEnv(task, size)
    try:
        env.reset(seed=seed)
        scene_objects = {o.name: o.kind for o in env.scene.objects}
        state = env.symbolic_state(dict(binding.predicates))
    finally:
        env.close()
    for kind in sorted(set(scene_objects.values()) - set(binding.types)):
        names = sorted(n for n, k in scene_objects.items() if k == kind)
        result.findings.append(locator.at("types", f"{label} has {kind} objects ({', '.join(names[:_SHOWN_OBJECTS])}"
                                                   f"{', ...' if len(names) > _SHOWN_OBJECTS else ''}) "
                                                   f"but no PDDL type is bound to kind {kind!r}"))
    if result.findings:
        return result
    objects = binding.pddl_objects(scene_objects)
    result.findings.extend(_atom_type_findings(domain, locator, objects, state, label))
    if result.findings:
        return result
    planner = Planner(domain, engine="auto")
    instruction = default_instruction(task, scene_objects, seed)
    try:
        goal = parse_instruction(instruction, task, scene_objects)
        plan = planner.plan(objects, state, goal)
        source = f"the demo instruction {instruction!r}"
    except (GoalError, InstructionError):
        goal = _walk_goal(planner, objects, state)
        if not goal:
            result.findings.append(Finding(shown(domain.pddl_path), line,
                                           f"{label}: no applicable operator makes an atom true in the detected state"))
            return result
        source = f"{WALK_STEPS} applicable operators in a row (the demo goal is not in this domain's vocabulary)"
        try:
            plan = planner.plan(objects, state, goal)
        except PlanningError as exc:
            result.findings.append(Finding(shown(domain.pddl_path), line, f"{label}: {exc}"))
            return result
    except PlanningError as exc:
        result.findings.append(Finding(shown(domain.pddl_path), line, f"{label}: {exc}"))
        return result
    result.notes.append(f"solved {label}: goal {' '.join(sorted(goal))} from {source}; "
                        f"{len(plan.operators)}-step plan by {plan.engine}, checked step by step against the domain")
    return result


def _atom_type_findings(domain: Domain, locator: BindingLocator, objects: Mapping[str, str], state: list[str],
                        label: str) -> list[Finding]:
    """One finding per predicate whose detector reports an atom the PDDL's signature does not admit."""
    findings = {}
    for text in state:
        predicate, args = parse_atom(text)
        if predicate in findings:
            continue
        types = domain.predicates[predicate]
        detector = domain.binding.predicates[predicate]
        if len(args) != len(types):
            findings[predicate] = (f"detector {detector!r} reports {text} in {label}, but {predicate} takes "
                                   f"{len(types)} argument(s) in {shown(domain.pddl_path)}")
            continue
        for position, (arg, wanted) in enumerate(zip(args, types), start=1):
            if not domain.is_subtype(objects[arg], wanted):
                findings[predicate] = (f"detector {detector!r} reports {text} in {label}, but argument {position} "
                                       f"of {predicate} is a {wanted} in {shown(domain.pddl_path)} and {arg} is "
                                       f"a {objects[arg]}")
                break
    return [locator.at(f"predicates.{p}", message) for p, message in sorted(findings.items())]


def _walk_goal(planner: Planner, objects: Mapping[str, str], state: list[str]) -> frozenset[str]:
    """The atoms made true by up to ``WALK_STEPS`` operators, each the first applicable one (in sorted
    order) that leads to a state not seen yet: deterministic and reachable by construction."""
    domain = planner.domain
    ground = []
    for action in sorted(domain.actions):
        choices = [[o for o in sorted(objects) if domain.is_subtype(objects[o], t)] for _, t in domain.actions[action]]
        ground.extend(Operator(action, args) for args in product(*choices))
    current = frozenset(state)
    seen = {current}
    for _ in range(WALK_STEPS):
        for operator in ground:
            after = planner.predict(objects, current, operator)
            if after is not None and after not in seen:
                current = after
                seen.add(after)
                break
        else:
            break
    return frozenset(current - set(state))
