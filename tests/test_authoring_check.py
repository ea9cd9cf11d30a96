"""``nesy domain check``: every problem of a domain, at its line, sorted; exit 0 clean, 1 problems, 2 unreadable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.authoring.check import check_domain
from agent.authoring.sexpr import SexprError, read_sexprs
from agent.cli import main
from agent.planning.domain import domain_folder, shipped_tasks
from envs.detectors import DETECTORS
from envs.errors import DomainError

DATA = Path(__file__).resolve().parent / "data"
IPC_DOMAINS = ("blocksworld", "costs", "courier", "gripper", "logistics")

BROKEN = """\
(define (domain broken)
  (:requirements :strips :typing :negative-preconditions :equality)
  (:types block - thing
          gadget)
  (:constants table - surface
              floor - thing)
  (:predicates
    (on ?x - block ?y - thing)
    (clear ?x - thing)
    (lonely ?x - block)
    (clear ?x - block))

  (:action move
    :parameters (?b - block ?from ?to - thing ?b - block)
    :precondition (and (on ?b ?from) (clear ?to) (not (clear ?to)))
    :effect (and (on ?b ?to) (not (on ?b)) (glued ?b) (clear ?from ?to)))

  (:action fix
    :parameters (?g - gadget ?b - block)
    :precondition (and (= ?g ?b) (not (= ?b ?b)) (on ?g kitchen) (clear ?missing))
    :effect (clear ?b))

  (:action move
    :parameters ()
    :precondition (and)
    :effect (and)))
"""

BROKEN_FINDINGS = [
    "5: error: undeclared type 'surface'",
    "10: warning: predicate 'lonely' is used by no operator",
    "11: error: predicate 'clear' is declared twice (first at line 9)",
    "14: error: action 'move': parameter ?b is declared twice",
    "15: warning: action 'move': precondition needs both (clear ?to) and (not (clear ?to)): it can never hold",
    "16: error: action 'move' effect: 'clear' takes 1 argument(s), got 2 in (clear ?from ?to)",
    "16: error: action 'move' effect: 'on' takes 2 argument(s), got 1 in (on ?b)",
    "16: error: action 'move' effect: undeclared predicate 'glued' in (glued ?b)",
    "20: error: action 'fix' precondition: argument 1 of (on ?g kitchen) must be of type 'block', "
    "but ?g is of type 'gadget'",
    "20: error: action 'fix' precondition: undeclared constant 'kitchen' (a domain may name only its :constants)",
    "20: error: action 'fix' precondition: undeclared variable ?missing",
    "20: warning: action 'fix': precondition (= ?g ?b) can never hold: no object is both a gadget and a block",
    "20: warning: action 'fix': precondition (not (= ?b ?b)) can never hold: a term always equals itself",
    "23: error: action 'move' is declared twice (first at line 13)",
]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings name files relative to the working directory: make that the test's folder."""
    monkeypatch.chdir(tmp_path)


def _copy(task: str, tmp_path: Path) -> Path:
    folder = tmp_path / task
    shutil.copytree(domain_folder(task), folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("task", shipped_tasks())
def test_shipped_domains_are_clean_and_solve_their_scene(task: str) -> None:
    report = check_domain(domain_folder(task))
    assert report.clean, report.format()
    assert report.binding is not None
    (note,) = report.notes
    assert note.startswith(f"solved the {task} scene (size 3, seed 0): goal ") and "from the demo instruction" in note
    assert "checked step by step against the domain" in note


@pytest.mark.parametrize("name", IPC_DOMAINS)
def test_ipc_domains_written_elsewhere_are_clean(name: str) -> None:
    report = check_domain(DATA / "ipc" / name / "domain.pddl")
    assert report.clean, report.format()
    assert report.binding is None and not report.notes


def test_every_problem_is_reported_at_its_line_sorted(tmp_path: Path) -> None:
    (tmp_path / "broken.pddl").write_text(BROKEN)
    report = check_domain(tmp_path / "broken.pddl")
    assert [str(f) for f in report.findings] == [f"broken.pddl:{line}" for line in BROKEN_FINDINGS]


def test_a_syntax_error_is_one_finding_with_its_line(tmp_path: Path) -> None:
    text = (DATA / "ipc" / "gripper" / "domain.pddl").read_text()
    lines = text.splitlines()
    assert lines[16].strip() == ":parameters (?b - ball ?r - room ?g - gripper)"
    lines[16] = "    :parameters ?b - ball"  # the list's parentheses are gone
    (tmp_path / "domain.pddl").write_text("\n".join(lines) + "\n")
    report = check_domain(tmp_path / "domain.pddl")
    (finding,) = report.findings
    assert finding.file == "domain.pddl" and finding.line == 17
    assert finding.message.startswith("syntax error at column")


def test_an_error_only_the_reader_knows_is_kept(tmp_path: Path) -> None:
    """Durative actions are outside the checks here; unified-planning's complaint still comes through, and
    the predicate they use is not called unused."""
    (tmp_path / "domain.pddl").write_text(
        "(define (domain d)\n  (:requirements :strips :typing :durative-actions)\n  (:types a)\n"
        "  (:predicates (p ?x - a))\n  (:durative-action go :parameters (?x - a) :duration (= ?duration 1)\n"
        "    :condition (at start (p ?x)) :effect (at end (not (q ?x)))))\n")
    report = check_domain(tmp_path / "domain.pddl")
    unsupported, finding = report.findings
    assert finding.line == 6 and finding.severity == "error"
    assert finding.message.startswith("unified-planning cannot read it: Not able to handle: (q ?x)")
    assert (unsupported.line, unsupported.severity) == (5, "warning")
    assert unsupported.message == ("durative actions are not supported by Fast Downward's translator: nesy plan "
                                   "cannot plan with this domain")


def test_a_cycle_of_types_is_reported_not_a_crash(tmp_path: Path) -> None:
    """unified-planning's reader recurses without end on it."""
    (tmp_path / "domain.pddl").write_text(
        "(define (domain d)\n  (:requirements :strips :typing)\n  (:types a - b\n    b - a)\n"
        "  (:predicates (p ?x - a))\n  (:action go :parameters (?x - a) :precondition (p ?x) :effect (not (p ?x))))\n")
    report = check_domain(tmp_path / "domain.pddl")
    assert [str(f) for f in report.findings] == ["domain.pddl:1: error: unified-planning cannot read it: it recursed "
                                                 "without end (a cycle in :types?)",
                                                 "domain.pddl:3: error: type 'a' is its own ancestor (a - b - a)",
                                                 "domain.pddl:4: error: type 'b' is its own ancestor (b - a - b)"]


def test_unreadable_input_raises(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="nowhere: no such file or folder"):
        check_domain(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DomainError, match=r"notes\.txt: expected a domain folder or a \.pddl file"):
        check_domain(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DomainError, match=r"domain\.pddl: no such file"):
        check_domain(tmp_path / "empty")
    (tmp_path / "binary.pddl").write_bytes(b"\xff\xfe(define")
    with pytest.raises(DomainError, match=r"binary\.pddl: not a text file"):
        check_domain(tmp_path / "binary.pddl")


def test_binding_problems_are_all_reported_at_their_yaml_lines(tmp_path: Path) -> None:
    folder = _copy("hanoi", tmp_path)
    binding = folder / "binding.yaml"
    _edit(binding, "task: hanoi", "task: towers")
    _edit(binding, "  peg: peg", "  peg: pole")
    _edit(binding, "  clear: clear", "  clear: clearance")
    _edit(binding, "  holding: holding", "  gripping: holding")
    _edit(binding, '{skill: pick, args: ["?d"]}', '{skill: grab, args: ["?disc"]}')
    lines = binding.read_text().splitlines()
    line = {key: next(i for i, text in enumerate(lines, 1) if text.lstrip().startswith(key)) for key in
            ("task:", "peg:", "clear:", "predicates:", "gripping:", "pick:")}
    report = check_domain(folder)
    assert [str(f) for f in report.findings] == sorted([
        f"hanoi/binding.yaml:{line['task:']}: error: task: no scene for task 'towers' (scenes: blocks, hanoi, sort)",
        f"hanoi/binding.yaml:{line['peg:']}: error: types.peg: 'pole' is not a type of hanoi/domain.pddl "
        "(types: disc, location, peg)",
        f"hanoi/binding.yaml:{line['clear:']}: error: predicates.clear: unknown detector 'clearance' "
        f"(detectors: {', '.join(sorted(DETECTORS))})",
        f"hanoi/binding.yaml:{line['predicates:']}: error: predicates: hanoi/domain.pddl predicate 'holding' has "
        "no detector",
        f"hanoi/binding.yaml:{line['gripping:']}: error: predicates.gripping: no such predicate in hanoi/domain.pddl "
        "(predicates: clear, fallen, handempty, holding, leaning, loose, on, smaller)",
        f"hanoi/binding.yaml:{line['pick:']}: error: operators.pick.skill: unknown skill 'grab' "
        "(skills: fetch, pick, place, right)",
        f"hanoi/binding.yaml:{line['pick:']}: error: operators.pick.args: '?disc' is not a parameter of pick "
        "(parameters: ?d ?x)",
    ], key=lambda text: (text.split(":")[0], int(text.split(":")[1]), text))
    assert not report.notes  # no scene is planned on while the domain has problems


def test_a_malformed_binding_is_reported_at_its_line(tmp_path: Path) -> None:
    folder = _copy("sort", tmp_path)
    _edit(folder / "binding.yaml", "  drop: {skill: place, args: [\"?o\", \"?b\"]}", "  drop: [place")
    report = check_domain(folder)
    (finding,) = report.findings
    assert finding.file == "sort/binding.yaml" and finding.line == 14


def test_detected_atoms_whose_types_disagree_with_the_pddl(tmp_path: Path) -> None:
    folder = _copy("hanoi", tmp_path)
    _edit(folder / "binding.yaml", "  disc: disc", "  disc: peg")  # discs would be pegs to the planner
    report = check_domain(folder)
    lines = (folder / "binding.yaml").read_text().splitlines()
    on, smaller = (lines.index(f"  {p}: {p}") + 1 for p in ("on", "smaller"))
    assert [str(f) for f in report.findings] == [
        f"hanoi/binding.yaml:{on}: error: predicates.on: detector 'on' reports (on d1 d2) in the hanoi scene (size 3, "
        "seed 0), but argument 1 of on is a disc in hanoi/domain.pddl and d1 is a peg",
        f"hanoi/binding.yaml:{smaller}: error: predicates.smaller: detector 'smaller' reports (smaller d1 d2) in the "
        "hanoi scene (size 3, seed 0), but argument 1 of smaller is a disc in hanoi/domain.pddl and d1 is a peg",
    ]


def test_a_domain_that_cannot_reach_the_demo_goal(tmp_path: Path) -> None:
    folder = _copy("blocks", tmp_path)
    _edit(folder / "domain.pddl", ":effect (and (on ?x ?y) (clear ?x) (handempty)",
          ":effect (and (clear ?x) (handempty)")  # stack no longer builds anything
    report = check_domain(folder)
    (finding,) = report.findings
    assert finding.file == "blocks/domain.pddl" and finding.line == 3  # the (define ...) line
    assert finding.message.startswith("the blocks scene (size 3, seed 0): no plan reaches goal")


def test_renamed_predicates_plan_a_goal_reached_by_construction(tmp_path: Path) -> None:
    folder = _copy("blocks", tmp_path)
    pddl = folder / "domain.pddl"
    pddl.write_text(pddl.read_text().replace("(on ", "(on-top "))
    _edit(folder / "binding.yaml", "  on: on", "  on-top: on")
    report = check_domain(folder)
    assert report.clean, report.format()
    (note,) = report.notes
    assert "from 3 applicable operators in a row (the demo goal is not in this domain's vocabulary)" in note


def test_sexpr_reader_keeps_lines_and_rejects_unbalanced_text() -> None:
    (define,) = read_sexprs("; comment (\n(define\n  (Domain X) ; more\n  (:types a))")
    assert define.line == 2 and define.items[1].line == 3 and str(define.items[1]) == "(domain x)"
    with pytest.raises(SexprError, match="never closed") as caught:
        read_sexprs("(a\n(b)")
    assert caught.value.line == 1
    with pytest.raises(SexprError, match="unexpected"):
        read_sexprs("(a))")


def test_cli_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["domain", "check", str(DATA / "ipc" / "logistics")]) == 0  # a folder without a binding
    assert capsys.readouterr().out.endswith("logistics/domain.pddl: clean\n")
    (tmp_path / "broken.pddl").write_text(BROKEN)
    assert main(["domain", "check", "broken.pddl"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "broken.pddl: 10 errors, 4 warnings"
    assert out[0] == "broken.pddl:5: error: undeclared type 'surface'"
    assert main(["domain", "check", "--no-solve", str(domain_folder("sort"))]) == 0
    assert capsys.readouterr().out.strip().endswith("binding.yaml: clean")
    assert main(["domain", "check", "missing"]) == 2
    assert "nesy domain: error: missing: no such file or folder" in capsys.readouterr().err
    assert main(["domain", "check", "--size", "9", str(domain_folder("hanoi"))]) == 2
    assert "--size: hanoi supports sizes 1 to 6, got 9" in capsys.readouterr().err


def _domain_folders() -> list[Path]:
    root = Path(__file__).resolve().parent.parent / "domains"
    return sorted(p.parent for p in [*root.glob("*/domain.pddl"), *root.glob("variants/*/domain.pddl")])


@pytest.mark.parametrize("folder", _domain_folders(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_domain_and_variant_passes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Variants keep predicates their physics needs and no operator uses: warnings, exit 0."""
    assert main(["domain", "check", "--no-solve", str(folder)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert ": error:" not in out


def test_a_reader_refusal_is_kept_beside_other_findings(capsys: pytest.CaptureFixture[str]) -> None:
    """floortile: a predicate and an action both named ``up`` (unified-planning refuses it, without a line;
    Fast Downward reads it) and a predicate no operator uses: both reported, each at its line, as warnings."""
    domain = DATA / "ipc" / "floortile-opt11-strips" / "domain.pddl"
    report = check_domain(domain)
    lines = domain.read_text().splitlines()
    up_action = next(i for i, text in enumerate(lines, 1) if "(:action up" in text)
    refusal, = [f for f in report.findings if "unified-planning cannot read it" in f.message]
    assert refusal.line == up_action and refusal.severity == "warning"
    assert "'up' names both the predicate at" in refusal.message
    assert f"and the action at {refusal.file}:" in refusal.message
    assert any(f.severity == "warning" and "used by no operator" in f.message for f in report.findings)
    assert report.passed() and not report.passed(strict=True)
    assert main(["domain", "check", str(domain)]) == 0
    assert main(["domain", "check", "--strict", str(domain)]) == 1
    assert capsys.readouterr().out.splitlines()[-1].endswith("domain.pddl: 2 warnings")


def test_what_unified_planning_cannot_read_is_named_at_its_line() -> None:
    """psr-middle's derived predicates: the reader says "Expected ')'" at line 2; the finding names them at the
    line of ``(:derived``."""
    domain = DATA / "ipc" / "psr-middle" / "domain.pddl"
    derived = next(i for i, text in enumerate(domain.read_text().splitlines(), 1) if "(:derived" in text)
    (finding,) = check_domain(domain).findings
    assert (finding.line, finding.severity) == (derived, "warning")
    assert "derived predicates are not supported by unified-planning's PDDL reader" in finding.message
