"""The locked outside instruction sets (``tests/data/outside/``) are well formed and say what they claim.

The sets judge the goal reader, so a wrong expected goal or a refusal that is no refusal would misjudge it.
Each line is checked against the scene its seed makes and the task's domain: valid goals name objects of the
scene with the domain's predicates, do not already hold and can be planned; refusals carry one of the six
reasons, and the notes a refusal carries (what is absent, what holds already, what it asks for, what a
reference fits) agree with the scene and the domain.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from agent.perception.commands import read_requests
from agent.planning.atoms import parse_atom
from agent.planning.domain import Domain, domain_folder, load_domain
from agent.planning.planner import Planner
from envs.errors import GoalError, PlanningError
from policies.seeds import OUTSIDE

DATA = Path(__file__).parent / "data" / "outside"
VALID = DATA / "valid.jsonl"
REFUSE = DATA / "refuse.jsonl"
REASONS = ("not-an-instruction", "absent-object", "impossible", "contradiction", "no-change", "ambiguous")
#: the sizes the sets were written for (README.md of the sets)
SIZES = {"hanoi": range(3, 6), "blocks": range(3, 7), "sort": range(4, 7)}
MIN_VALID, MIN_REFUSE, MIN_PER_REASON = 180, 220, 30
#: the notes a refusal line may carry, and the reasons each goes with
NOTES = {"absent": ("absent-object",), "holds": ("no-change",), "asks": ("impossible", "contradiction"),
         "fits": ("ambiguous",)}
#: PDDL objects (name -> type), detected state, colours of the objects
Scene = tuple[dict[str, str], frozenset[str], frozenset[str]]


def records(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def domain(task: str) -> Domain:
    return load_domain(domain_folder(task))


@pytest.fixture(scope="module")
def scene() -> Iterator[Callable[[str, int, int], Scene]]:
    """The seed's PDDL objects (name -> type), its detected state, and the colours of its objects, from one
    environment per task and size (building one per seed would take most of the test's time)."""
    from envs.task_env import TaskEnv

    envs: dict[tuple[str, int], TaskEnv] = {}

    @cache
    def describe(task: str, size: int, seed: int) -> Scene:
        if (task, size) not in envs:
            envs[task, size] = TaskEnv(task, size, image_size=16)
        env = envs[task, size]
        env.reset(seed=seed)
        kinds = {o.name: o.kind for o in env.scene.objects}
        colours = frozenset(o.color for o in env.scene.objects)
        return domain(task).binding.pddl_objects(kinds), frozenset(env.symbolic_state()), colours

    yield describe
    for env in envs.values():
        env.close()


def where(record: dict[str, Any]) -> str:
    return f"{record['task']} {record['size']} seed {record['seed']}: {record['instruction']!r}"


@pytest.mark.parametrize("path", [VALID, REFUSE], ids=lambda p: p.name)
def test_lines_parse_as_eval_goals_requests(path: Path) -> None:
    requests = read_requests(path)  # every line: JSON, a known task and size, a seed, an instruction
    for record in requests:
        assert record["seed"] in OUTSIDE, f"{where(record)}: seed outside the locked range {OUTSIDE.describe()}"
        assert record["size"] in SIZES[record["task"]], f"{where(record)}: size not among the sets' sizes"
        if path == VALID:
            assert isinstance(record.get("goal"), list) and record["goal"], f"{where(record)}: no goal"
            assert "refuse" not in record, f"{where(record)}: a valid line with a refusal"
        else:
            assert record.get("refuse") in REASONS, f"{where(record)}: refuse must be one of {REASONS}"
            assert "goal" not in record, f"{where(record)}: a refusal with an expected goal"


def test_counts_and_no_instruction_twice() -> None:
    valid, refuse = records(VALID), records(REFUSE)
    assert len(valid) >= MIN_VALID and len(refuse) >= MIN_REFUSE
    reasons = Counter(r["refuse"] for r in refuse)
    assert all(reasons[reason] >= MIN_PER_REASON for reason in REASONS), reasons
    assert {r["task"] for r in valid} == set(SIZES) == {r["task"] for r in refuse}
    seen = Counter(" ".join(r["instruction"].lower().split()) for r in valid + refuse)
    assert not [text for text, n in seen.items() if n > 1], "an instruction appears twice"


@pytest.mark.parametrize("record", records(VALID), ids=lambda r: f"{r['task']}{r['size']}-{r['seed']}")
def test_valid_goal_is_well_typed_and_new(record: dict[str, Any], scene: Callable[[str, int, int], Scene]) -> None:
    task = record["task"]
    objects, state, _ = scene(task, record["size"], record["seed"])
    predicates = domain(task).predicates
    for atom in record["goal"]:
        name, args = parse_atom(atom)
        assert name in predicates, f"{where(record)}: {atom}: {task} has no predicate {name!r}"
        assert len(args) == len(predicates[name]), f"{where(record)}: {atom}: takes {len(predicates[name])}"
        for arg, wanted in zip(args, predicates[name]):
            assert arg in objects, f"{where(record)}: {atom}: no object {arg!r} in the scene"
            assert domain(task).is_subtype(objects[arg], wanted), f"{where(record)}: {atom}: {arg} is no {wanted}"
    assert not set(record["goal"]) <= state, f"{where(record)}: the goal already holds"


def test_valid_goals_are_reachable(scene: Callable[[str, int, int], Scene]) -> None:
    for record in records(VALID):
        task = record["task"]
        objects, state, _ = scene(task, record["size"], record["seed"])
        plan = Planner(domain(task)).plan(objects, state, record["goal"])  # raises PlanningError when unreachable
        assert plan.operators, where(record)


@pytest.mark.parametrize("record", [r for r in records(REFUSE) if set(NOTES) & set(r)],
                         ids=lambda r: f"{r['refuse']}-{r['task']}{r['size']}-{r['seed']}")
def test_refusal_notes_agree_with_scene_and_domain(record: dict[str, Any],
                                                   scene: Callable[[str, int, int], Scene]) -> None:
    """``absent``: words of the instruction naming no object or colour of the scene; ``holds``: the goal it
    names, which holds already; ``asks``: the goal it names, which the domain cannot reach or even state
    (``impossible``), or whose atoms can each be reached but not all together (``contradiction``); ``fits``:
    the objects of the scene a reference fits equally, two or more."""
    task = record["task"]
    objects, state, colours = scene(task, record["size"], record["seed"])
    for note in set(NOTES) & set(record):
        assert record["refuse"] in NOTES[note], f"{where(record)}: a {note!r} note on a {record['refuse']} line"
    for word in record.get("absent", []):
        assert word.lower() in record["instruction"].lower(), f"{where(record)}: {word!r} is not in the instruction"
        assert word not in objects and word not in colours, f"{where(record)}: {word!r} is in the scene"
    if "holds" in record:
        assert set(record["holds"]) <= state, f"{where(record)}: {set(record['holds']) - state} do not hold"
    if "fits" in record:
        assert len(set(record["fits"])) >= 2 and set(record["fits"]) <= set(objects), where(record)
    if "asks" in record:
        planner = Planner(domain(task))
        named = {arg for atom in record["asks"] for arg in parse_atom(atom)[1]}
        assert named <= set(objects), f"{where(record)}: {named - set(objects)} absent: not {record['refuse']}"
        try:
            planner.plan(objects, state, record["asks"])
        except GoalError as exc:  # the domain cannot even state it (a peg on a disc, a cube in a cube)
            assert record["refuse"] == "impossible", f"{where(record)}: {exc}"
        except PlanningError:
            pass  # no plan reaches it
        else:
            pytest.fail(f"{where(record)}: a plan reaches what it asks")
        if record["refuse"] == "contradiction":
            for atom in record["asks"]:
                assert atom in state or planner.plan(objects, state, [atom]).operators, where(record)


#: floors under the shipped reader's figures on the locked sets (docs/results.md: 90.6% of valid.jsonl read
#: exactly, 90.6% of refuse.jsonl refused for the right reason), so that only a regression fails them; the
#: issue's targets (97% and 95%) are not met yet
VALID_FLOOR, REFUSE_FLOOR = 0.89, 0.89


@pytest.mark.slow
def test_shipped_reader_on_the_locked_sets() -> None:
    """The shipped network reader, scored on both locked sets the way ``nesy eval-goals`` scores them."""
    from agent.perception.commands import evaluate_requests
    from agent.perception.predictor import GoalReader

    reader = GoalReader(None, "cpu")
    valid = evaluate_requests(reader, read_requests(VALID), progress=False)
    refuse = evaluate_requests(reader, read_requests(REFUSE), progress=False)
    assert valid["accuracy"] >= VALID_FLOOR, valid["accuracy"]
    assert refuse["accuracy"] >= REFUSE_FLOOR, refuse["accuracy"]
    assert set(refuse["refused"]["by_reason"]) <= set(REASONS)
