"""PDDL domains and their bindings to the robot.

A domain is a folder with ``domain.pddl`` (the source of truth for the symbolic model) and
``binding.yaml`` (which scene kinds are which PDDL types, which detector decides each predicate and
which skill runs each action). Both are checked against each other when loaded, so a typo shows up
as a ``DomainError`` naming the file and key instead of as a silent mismatch mid-episode.

``unified_planning`` is imported inside functions: it takes about a second to import and the CLI's
``--help`` should not pay for it. A domain is read with Fast Downward's parser where that reads it as
UP would (``agent.planning.fd_domain``), and with UP's reader when UP is first needed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import yaml

from agent.planning import fd_domain
from envs.errors import DomainError

if TYPE_CHECKING:
    from unified_planning.model import Problem

    from agent.planning.strips import StripsModel

PDDL_FILE = "domain.pddl"
BINDING_FILE = "binding.yaml"

# The one place that knows where the shipped domains live.
_SHIPPED_ROOT = Path(__file__).resolve().parents[2] / "domains"

_BINDING_SECTIONS = ("task", "types", "predicates", "operators")
_OPERATOR_KEYS = ("skill", "args")


class _BindingLoader(yaml.SafeLoader):
    """YAML 1.1 reads ``on``, ``off``, ``yes`` and ``no`` as booleans, but ``on`` is a predicate name
    here; a binding has no booleans, so this loader resolves none."""


_BindingLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def shipped_tasks() -> tuple[str, ...]:
    """Names of the tasks with a domain folder shipped in ``domains/``."""
    return tuple(sorted(p.parent.name for p in _SHIPPED_ROOT.glob(f"*/{PDDL_FILE}")))


def domain_folder(task: str) -> Path:
    """The shipped domain folder of ``task``."""
    folder = _SHIPPED_ROOT / task
    if not (folder / PDDL_FILE).is_file():
        raise DomainError(f"no shipped domain for task {task!r} (shipped: {', '.join(shipped_tasks())})")
    return folder


def variant_domain_folder(task: str) -> Path:
    """The shipped domain of ``task``'s variant worlds: the task's domain plus the observable properties
    that the variants make matter, declared but unused (``domains/variants/<task>``)."""
    folder = _SHIPPED_ROOT / "variants" / task
    if not (folder / PDDL_FILE).is_file():
        raise DomainError(f"no shipped variant domain for task {task!r}")
    return folder


@dataclass(frozen=True)
class OperatorBinding:
    """The skill that executes a PDDL action; ``?name`` args are the action's parameters, others literals."""

    skill: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Binding:
    """What ties a PDDL domain to a scene: type, detector and skill names (see ``domains/README.md``)."""

    path: Path
    task: str
    types: Mapping[str, str]  # scene object kind -> PDDL type
    predicates: Mapping[str, str]  # PDDL predicate -> detector name
    operators: Mapping[str, OperatorBinding]  # PDDL action -> skill call

    def check_names(self, detectors: Collection[str], skills: Collection[str]) -> None:
        """Fail on a detector or skill name that the registries do not know."""
        problems = self.name_problems(detectors, skills)
        if problems:
            key, message = problems[0]
            raise DomainError(f"{shown(self.path)}: {key}: {message}")

    def name_problems(self, detectors: Collection[str], skills: Collection[str]) -> list[tuple[str, str]]:
        """Every detector or skill name the registries do not know, as (YAML key, message)."""
        problems = []
        for predicate, detector in self.predicates.items():
            if detector not in detectors:
                problems.append((f"predicates.{predicate}",
                                 f"unknown detector {detector!r} (detectors: {', '.join(sorted(detectors))})"))
        for action, op in self.operators.items():
            if op.skill not in skills:
                problems.append((f"operators.{action}.skill",
                                 f"unknown skill {op.skill!r} (skills: {', '.join(sorted(skills))})"))
        return problems

    def pddl_objects(self, scene_objects: Mapping[str, str]) -> dict[str, str]:
        """Turn scene objects (name -> kind) into planner objects (name -> PDDL type), sorted by name."""
        objects = {}
        for name in sorted(scene_objects):
            kind = scene_objects[name]
            if kind not in self.types:
                raise DomainError(
                    f"{shown(self.path)}: types: no PDDL type for scene kind {kind!r} of object {name!r} "
                    f"(kinds bound: {', '.join(sorted(self.types))})"
                )
            objects[name] = self.types[kind]
        return objects


def read_binding(path: Path) -> Binding:
    """Read ``binding.yaml`` and check its shape; names are checked against the PDDL by ``load_domain``."""
    where = shown(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_BindingLoader)
    except OSError as exc:
        raise DomainError(f"{where}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DomainError(f"{where}: not a text file ({exc.reason} at byte {exc.start})") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        position = f"{mark.line + 1}:{mark.column + 1}: " if mark is not None else ""
        raise DomainError(f"{where}:{position}{exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise DomainError(f"{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise DomainError(f"{where}: expected a mapping with keys {', '.join(_BINDING_SECTIONS)}")
    _check_keys(f"{where}:", data, _BINDING_SECTIONS, noun="section")
    if not isinstance(data["task"], str):
        raise DomainError(f"{where}: task: expected a string, got {data['task']!r}")
    operators = {
        action: _read_operator(where, action, entry)
        for action, entry in _string_keys(where, "operators", data["operators"]).items()
    }
    return Binding(
        path=path,
        task=data["task"],
        types=MappingProxyType(_string_map(where, "types", data["types"])),
        predicates=MappingProxyType(_string_map(where, "predicates", data["predicates"])),
        operators=MappingProxyType(operators),
    )


def _check_keys(context: str, data: dict[str, Any], allowed: Sequence[str], noun: str = "key") -> None:
    """Every key of ``data`` is one of ``allowed``, and every allowed key is there."""
    for key in data:
        if key not in allowed:
            raise DomainError(f"{context} unknown key {key!r} (keys: {', '.join(allowed)})")
    for key in allowed:
        if key not in data:
            raise DomainError(f"{context} missing {noun} {key!r}")


def _string_keys(where: str, section: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise DomainError(f"{where}: {section}: expected a non-empty mapping, got {value!r}")
    for key in value:
        if not isinstance(key, str):
            raise DomainError(f"{where}: {section}: key {key!r} is not a string")
    return value


def _string_map(where: str, section: str, value: Any) -> dict[str, str]:
    mapping = _string_keys(where, section, value)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise DomainError(f"{where}: {section}.{key}: expected a string, got {item!r}")
    return dict(mapping)


def _read_operator(where: str, action: str, entry: Any) -> OperatorBinding:
    key = f"operators.{action}"
    if not isinstance(entry, dict):
        raise DomainError(f"{where}: {key}: expected {{skill: NAME, args: [...]}}, got {entry!r}")
    _check_keys(f"{where}: {key}:", entry, _OPERATOR_KEYS)
    skill, args = entry["skill"], entry["args"]
    if not isinstance(skill, str):
        raise DomainError(f"{where}: {key}.skill: expected a string, got {skill!r}")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise DomainError(f"{where}: {key}.args: expected a list of strings, got {args!r}")
    return OperatorBinding(skill=skill, args=tuple(args))


@dataclass(frozen=True)
class Domain:
    """A parsed PDDL domain with its binding; UP's parse of it (a problem shell) is made once, when first
    needed, and reused by every plan that goes through UP."""

    name: str
    folder: Path
    pddl_path: Path
    binding: Binding
    types: Mapping[str, str | None]  # PDDL type -> parent type (None: a direct subtype of object)
    predicates: Mapping[str, tuple[str, ...]]  # predicate -> parameter types
    actions: Mapping[str, tuple[tuple[str, str], ...]]  # action -> (("?param", type), ...)
    #: the actions as STRIPS with negation, to check plans and predict states (None: they use more)
    strips: StripsModel | None = field(repr=False, compare=False)
    #: UP's parse of the domain, once read (see ``agent.planning.fd_domain`` for why it waits)
    _shell: list[Problem] = field(default_factory=list, repr=False, compare=False)

    def is_subtype(self, pddl_type: str, ancestor: str) -> bool:
        """Whether an object of ``pddl_type`` may stand where ``ancestor`` is expected."""
        current: str | None = pddl_type
        while current is not None:
            if current == ancestor:
                return True
            current = self.types.get(current)
        return ancestor == "object"

    def new_problem(self, name: str) -> Problem:
        """A fresh UP problem holding only the domain, to add objects, init and goals into."""
        if not self._shell:
            self._shell.append(_read_pddl(self.pddl_path))
        problem = self._shell[0].clone()
        problem.name = name
        return problem

    def skill_call(self, action: str, args: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        """The skill name and its arguments that execute the ground action ``(action *args)``."""
        if action not in self.actions:
            raise DomainError(
                f"{shown(self.pddl_path)}: no action {action!r} (actions: {', '.join(sorted(self.actions))})"
            )
        params = [p for p, _ in self.actions[action]]
        if len(args) != len(params):
            raise DomainError(f"action {action!r} takes {len(params)} arguments, got {len(args)}")
        values = dict(zip(params, args))
        op = self.binding.operators[action]
        return op.skill, tuple(values[a] if a.startswith("?") else a for a in op.args)


def load_domain(path: str | Path, task: str | None = None) -> Domain:
    """Load a domain folder, or a ``.pddl`` file with the binding beside it or else the shipped one of ``task``."""
    path = Path(path)
    if path.is_dir():
        folder, pddl_path = path, path / PDDL_FILE
    elif path.suffix == ".pddl":
        folder, pddl_path = path.parent, path
    else:
        raise DomainError(f"{shown(path)}: expected a domain folder or a .pddl file")
    if not pddl_path.is_file():
        raise DomainError(f"{shown(pddl_path)}: no such file")
    binding_path = folder / BINDING_FILE
    if not binding_path.is_file():
        if task is None:
            raise DomainError(
                f"{shown(binding_path)}: no such file (put a binding there or name the task to use its shipped one)"
            )
        binding_path = domain_folder(task) / BINDING_FILE
    binding = read_binding(binding_path)
    if task is not None and binding.task != task:
        raise DomainError(f"{shown(binding_path)}: task: binding is for {binding.task!r}, not {task!r}")
    signature = fd_domain.read(pddl_path)
    shell = [] if signature is not None else [_read_pddl(pddl_path)]  # UP's reader says what is wrong
    if signature is None:
        signature = _signature(shell[0])
    domain = Domain(
        name=signature.name,
        folder=folder,
        pddl_path=pddl_path,
        binding=binding,
        types=MappingProxyType(signature.types),
        predicates=MappingProxyType(signature.predicates),
        actions=MappingProxyType(signature.actions),
        strips=signature.strips,
        _shell=shell,
    )
    _check_binding(domain)
    return domain


def _signature(shell: Problem) -> fd_domain.Signature:
    """A domain's signature from UP's parse of it."""
    from agent.planning.strips import StripsModel

    return fd_domain.Signature(
        name=shell.name,
        types={t.name: t.father.name if t.father else None for t in shell.user_types},
        predicates={f.name: tuple(p.type.name for p in f.signature) for f in shell.fluents},
        actions={a.name: tuple((f"?{p.name}", p.type.name) for p in a.parameters) for a in shell.actions},
        strips=StripsModel.of(shell),
    )


def _read_pddl(pddl_path: Path) -> Problem:
    """Parse the domain once, turning the reader's errors into ``file:line:col: message``."""
    from pyparsing import ParseBaseException
    from unified_planning.exceptions import UPException
    from unified_planning.io import PDDLReader
    from unified_planning.shortcuts import get_environment

    env = get_environment()
    env.credits_stream = None
    where = shown(pddl_path)
    try:
        shell = PDDLReader(env).parse_problem(str(pddl_path))
    except OSError as exc:
        raise DomainError(f"{where}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DomainError(f"{where}: not a text file ({exc.reason} at byte {exc.start})") from exc
    except ParseBaseException as exc:
        raise DomainError(f"{where}:{exc.lineno}:{exc.col}: {exc.msg}") from exc
    except (SyntaxError, UPException) as exc:
        message = " ".join(str(exc.msg if isinstance(exc, SyntaxError) else exc).split())
        found = re.search(r"line: (\d+), col:? (\d+)", message)
        position = f"{found.group(1)}:{found.group(2)}: " if found else " "
        raise DomainError(f"{where}:{position}{message}") from exc
    # Every atom not set true is false: the simulator and the validator need a value for each.
    false = env.expression_manager.FALSE()
    for fluent in shell.fluents:
        if not fluent.type.is_bool_type():
            raise DomainError(f"{where}: {fluent.name} is a function; only STRIPS predicates are supported")
        shell.fluents_defaults[fluent] = false
    return shell


def _check_binding(domain: Domain) -> None:
    """Fail on the first of ``binding_problems``."""
    problems = binding_problems(domain.binding, domain.types, domain.predicates, domain.actions,
                                shown(domain.pddl_path))
    if problems:
        key, message = problems[0]
        raise DomainError(f"{shown(domain.binding.path)}: {key}: {message}")


def binding_problems(
    binding: Binding,
    types: Collection[str],
    predicates: Collection[str],
    actions: Mapping[str, Sequence[tuple[str, Any]]],
    pddl: str,
) -> list[tuple[str, str]]:
    """Every name in the binding unknown to the PDDL, and every predicate and action left unbound, as
    (YAML key, message): ``types``, ``predicates`` and ``actions`` are what the PDDL file ``pddl`` declares."""
    problems = []
    for kind, pddl_type in binding.types.items():
        if pddl_type not in types:
            problems.append((f"types.{kind}",
                             f"{pddl_type!r} is not a type of {pddl} (types: {', '.join(sorted(types))})"))
    for predicate in binding.predicates:
        if predicate not in predicates:
            problems.append((f"predicates.{predicate}",
                             f"no such predicate in {pddl} (predicates: {', '.join(sorted(predicates))})"))
    for predicate in predicates:
        if predicate not in binding.predicates:
            problems.append(("predicates", f"{pddl} predicate {predicate!r} has no detector"))
    for action, op in binding.operators.items():
        if action not in actions:
            problems.append((f"operators.{action}",
                             f"no such action in {pddl} (actions: {', '.join(sorted(actions))})"))
            continue
        params = [p for p, _ in actions[action]]
        for arg in op.args:
            if arg.startswith("?") and arg not in params:
                problems.append((f"operators.{action}.args",
                                 f"{arg!r} is not a parameter of {action} (parameters: {' '.join(params) or 'none'})"))
    for action in actions:
        if action not in binding.operators:
            problems.append(("operators", f"{pddl} action {action!r} has no skill"))
    return problems
