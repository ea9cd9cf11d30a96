"""Loading domains: the shipped ones are consistent, and every mistake names its file and key."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent.planning.domain import Binding, OperatorBinding, domain_folder, load_domain, shipped_tasks
from envs.errors import DomainError
from policies import BINDABLE_SKILLS

DETECTORS = {"on", "ontable", "clear", "holding", "handempty", "smaller", "in", "fallen", "leaning", "loose"}
SKILLS = set(BINDABLE_SKILLS)


@pytest.fixture
def hanoi_copy(tmp_path: Path) -> Path:
    """A writable copy of the hanoi domain folder."""
    folder = tmp_path / "hanoi"
    shutil.copytree(domain_folder("hanoi"), folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_shipped_domains_load_and_bind() -> None:
    assert shipped_tasks() == ("blocks", "hanoi", "sort")
    for task in shipped_tasks():
        domain = load_domain(domain_folder(task), task=task)
        assert domain.name == task
        assert domain.binding.task == task
        domain.binding.check_names(DETECTORS, SKILLS)


def test_hanoi_signature() -> None:
    domain = load_domain(domain_folder("hanoi"))
    assert domain.predicates["on"] == ("disc", "location")
    assert domain.predicates["handempty"] == ()
    assert domain.actions["place"] == (("?d", "disc"), ("?x", "location"))
    assert domain.is_subtype("peg", "location") and not domain.is_subtype("peg", "disc")
    assert domain.binding.operators["place"] == OperatorBinding("place", ("?d", "?x"))


def test_skill_call_fills_parameters_and_keeps_literals() -> None:
    blocks = load_domain(domain_folder("blocks"))
    assert blocks.skill_call("putdown", ["red"]) == ("place", ("red", "table"))
    assert blocks.skill_call("unstack", ["red", "blue"]) == ("pick", ("red",))
    with pytest.raises(DomainError, match="no action 'fly'"):
        blocks.skill_call("fly", ["red"])


def test_pddl_objects_maps_kinds_to_types() -> None:
    binding = load_domain(domain_folder("hanoi")).binding
    assert binding.pddl_objects({"left": "peg", "d1": "disc"}) == {"d1": "disc", "left": "peg"}
    with pytest.raises(DomainError, match=r"binding\.yaml: types: no PDDL type for scene kind 'bin'"):
        binding.pddl_objects({"red_bin": "bin"})


def test_new_problem_is_a_fresh_copy() -> None:
    from unified_planning.model import Object

    domain = load_domain(domain_folder("blocks"))
    first = domain.new_problem("a")
    first.add_object(Object("red", first.user_type("block")))
    second = domain.new_problem("b")
    assert second.name == "b" and not second.all_objects
    assert all(v.is_false() for v in second.fluents_defaults.values())


def test_check_names_reports_unknown_detector_and_skill() -> None:
    binding = load_domain(domain_folder("sort")).binding
    with pytest.raises(DomainError, match=r"sort/binding.yaml: predicates.in: unknown detector 'in'"):
        binding.check_names(DETECTORS - {"in"}, SKILLS)
    with pytest.raises(DomainError, match=r"operators.drop.skill: unknown skill 'place'"):
        binding.check_names(DETECTORS, {"pick"})


def test_pddl_file_uses_binding_of_named_task(tmp_path: Path) -> None:
    pddl = tmp_path / "my.pddl"
    shutil.copy(domain_folder("hanoi") / "domain.pddl", pddl)
    assert load_domain(pddl, task="hanoi").binding.path == domain_folder("hanoi") / "binding.yaml"
    with pytest.raises(DomainError, match=r"binding\.yaml: no such file"):
        load_domain(pddl)
    with pytest.raises(DomainError, match="binding is for 'hanoi', not 'blocks'"):
        load_domain(domain_folder("hanoi"), task="blocks")


def test_pddl_syntax_error_names_file_and_line(hanoi_copy: Path) -> None:
    _edit(hanoi_copy / "domain.pddl", "(leaning ?d - disc ?x - disc))", "(leaning ?d - disc ?x - disc)")
    with pytest.raises(DomainError, match=r"hanoi/domain.pddl:20:\d+: Expected"):
        load_domain(hanoi_copy)


def test_pddl_undeclared_type_names_the_file(hanoi_copy: Path) -> None:
    place_parameters = "(?d - disc ?x - location)\n    :precondition (and (holding"
    _edit(hanoi_copy / "domain.pddl", place_parameters, place_parameters.replace("disc", "disk"))
    with pytest.raises(DomainError, match=r"hanoi/domain.pddl:\d+:\d+: .*type: disk"):
        load_domain(hanoi_copy)


def test_pddl_undeclared_predicate(hanoi_copy: Path) -> None:
    _edit(hanoi_copy / "domain.pddl", "(smaller ?d ?x))", "(tiny ?d ?x))")
    with pytest.raises(DomainError, match=r"hanoi/domain.pddl:\d+:\d+: .*tiny"):
        load_domain(hanoi_copy)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("task: hanoi ", "colour: red\ntask: hanoi ", "unknown key 'colour'"),
        ("task: hanoi ", "", "missing section 'task'"),
        ("  smaller: smaller\n", "", "predicates: .* predicate 'smaller' has no detector"),
        ("  smaller: smaller\n", "  smaller: smaller\n  big: big\n", "predicates.big: no such predicate"),
        ("  pick: {skill: pick, args: [\"?d\"]}", "", "operators: .* action 'pick' has no skill"),
        ("  place:", "  lift: {skill: pick, args: []}\n  place:", "operators.lift: no such action"),
        ('args: ["?d"]', 'args: ["?y"]', r"operators.pick.args: '\?y' is not a parameter of pick"),
        ('args: ["?d"]', 'args: "?d"', r"operators.pick.args: expected a list of strings"),
        ('args: ["?d"]', "args: [1]", r"operators.pick.args: expected a list of strings"),
        ("skill: pick,", "skill: [pick],", r"operators.pick.skill: expected a string"),
        ("  disc: disc", "  disc: disk", r"types.disc: 'disk' is not a type"),
        ("  on: on", "  on: [on]", r"predicates.on: expected a string"),
        ("  on: on", "  on: {on", r":7:8: expected ',' or '}'"),
    ],
)
def test_binding_errors_name_file_and_key(hanoi_copy: Path, old: str, new: str, message: str) -> None:
    _edit(hanoi_copy / "binding.yaml", old, new)
    with pytest.raises(DomainError, match=r"hanoi/binding.yaml.*" + message):
        load_domain(hanoi_copy)


def test_binding_keeps_yaml_boolean_words_as_names(hanoi_copy: Path) -> None:
    # YAML 1.1 would read the predicate name `on` as True.
    binding = load_domain(hanoi_copy).binding
    assert isinstance(binding, Binding) and binding.predicates["on"] == "on"


def test_importing_agent_modules_does_not_import_unified_planning() -> None:
    code = (
        "import sys, agent.planning.domain, agent.planning.planner, agent.goals.oracle;"
        "sys.exit('unified_planning' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
