"""Refusing instructions that cannot or should not be done, the same way with either goal reader."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from agent.cli import EXIT_USER_ERROR, main
from agent.goals.oracle import parse_instruction
from agent.goals.refusal import SceneFacts, check_goal, check_reachable, check_words
from agent.perception.decoder import decode
from agent.perception.doubt import doubt
from agent.perception.predictor import GoalReader
from agent.planning.domain import domain_folder, load_domain
from envs.errors import InstructionError, PlanningError, Refusal

HANOI = SceneFacts("hanoi", {"d1": "disc", "d2": "disc", "d3": "disc", "left": "peg", "middle": "peg",
                             "right": "peg"},
                   {"d1": "red", "d2": "orange", "d3": "yellow", "left": "gray", "middle": "gray", "right": "gray"},
                   frozenset({"(on d1 d2)", "(on d2 d3)", "(on d3 left)", "(clear d1)", "(clear middle)",
                              "(clear right)", "(handempty)",
                              *(f"(smaller {a} {b})" for a, b in [("d1", "d2"), ("d1", "d3"), ("d2", "d3")]),
                              *(f"(smaller d{i} {p})" for i in (1, 2, 3) for p in ("left", "middle", "right"))}))
BLOCKS = SceneFacts("blocks", {c: "block" for c in ("blue", "green", "pink", "red")},
                    {c: c for c in ("blue", "green", "pink", "red")},
                    frozenset({"(on blue green)", "(on pink blue)", "(ontable green)", "(ontable red)",
                               "(clear pink)", "(clear red)", "(handempty)"}))
TWO_STACKS = SceneFacts("blocks", BLOCKS.kinds, BLOCKS.colours,
                        frozenset({"(on pink blue)", "(on red green)", "(ontable blue)", "(ontable green)",
                                   "(clear pink)", "(clear red)", "(handempty)"}))
SORT = SceneFacts("sort", {"blue1": "cube", "blue_bin": "bin", "yellow1": "cube", "yellow_bin": "bin"},
                  {"blue1": "blue", "blue_bin": "blue", "yellow1": "yellow", "yellow_bin": "yellow"},
                  frozenset({"(ontable blue1)", "(ontable yellow1)", "(handempty)"}))


def _refusal(scene: SceneFacts, text: str) -> Refusal:
    """What the rule-based reader and the shared checks make of ``text`` in ``scene``."""
    with pytest.raises(Refusal) as caught:
        check_words(text, scene)
        goal = parse_instruction(text, scene.task, scene.kinds, scene.colours, scene.state)
        check_goal(goal, scene, load_domain(domain_folder(scene.task), task=scene.task))
    return caught.value


@pytest.mark.parametrize(("scene", "text", "reason", "named"), [
    (HANOI, "put d3 on d1", "impossible", "(smaller d3 d1)"),
    (BLOCKS, "put red on red", "impossible", "itself"),
    (BLOCKS, "put red on blue and put blue on red", "contradiction", "blue on red and red on blue"),
    (BLOCKS, "put red on blue and put red on green", "contradiction", "red cannot end up both"),
    (BLOCKS, "put red on green and put pink on green", "contradiction", "directly on green"),
    (BLOCKS, "do nothing", "no-change", "no change"),
    (HANOI, "leave everything where it is", "no-change", "no change"),
    (BLOCKS, "put pink on blue", "no-change", "already holds"),
    (BLOCKS, "put the purple block on red", "absent-object", "purple"),
    (HANOI, "put d5 on the right peg", "absent-object", "d5"),
    (SORT, "put red1 in the blue bin", "absent-object", "red"),
    (BLOCKS, "put the red block in the bin", "absent-object", "no bin"),
    (HANOI, "what a lovely day it is", "not-an-instruction", "names nothing"),
    (BLOCKS, "put it on red", "ambiguous", "could be any of blue, green, pink, red"),
    (BLOCKS, "put the block on red", "ambiguous", "'the block' could be any of"),
    (BLOCKS, "stack blue on the other one", "ambiguous", "could be any of green, pink, red"),
    (BLOCKS, "stack seven blocks into a tower", "impossible", "7 blocks, and this scene has 4"),
    (BLOCKS, "put red on green, green on blue and blue on red", "impossible", "a cycle"),
    (BLOCKS, "red on green and green on red", "contradiction", "contradict each other"),
    (BLOCKS, "put the table on red", "impossible", "the table cannot be moved"),
    (HANOI, "put the left peg on d1", "impossible", "a peg is fixed in place"),
    (HANOI, "place the big yellow disc on the small red one", "impossible", "(smaller d3 d1)"),
    (SORT, "don't touch anything", "no-change", "no change"),
    (SORT, "put blue1 in yellow1", "impossible", "yellow1 is a cube"),
    (BLOCKS, "keep red where it is and put red on pink", "contradiction", "red cannot end up both"),
    (BLOCKS, "don't move red, and stack red on pink", "contradiction", "red cannot end up both"),
    (BLOCKS, "leave red alone", "no-change", "(ontable red)"),
    (SORT, "put blue1 in the other bin", "ambiguous", "could be any of blue_bin, yellow_bin"),
    (HANOI, "move d1 to an empty peg", "ambiguous", "'the empty disc or peg' could be any of middle, right"),
    (TWO_STACKS, "put the top block on green", "ambiguous", "'the top block' could be any of pink, red"),
    (BLOCKS, "stack one block on top of another", "ambiguous", "'the block' could be any of"),
    (BLOCKS, "move one of the blocks onto red", "ambiguous", "'the block' could be any of"),
    # issue 23, part 7 (tests/data/refusal-dev/refuse-7.jsonl)
    (BLOCKS, "make no moves", "no-change", "no change"),
    (HANOI, "nothing needs to move", "no-change", "no change"),
    (SORT, "you don't need to do anything", "no-change", "no change"),
    (HANOI, "keep all the discs exactly where they are", "no-change", "no change"),
    (BLOCKS, "put pink inside red", "impossible", "no predicate 'in'"),
    (TWO_STACKS, "move the lower block to the table", "ambiguous", "could be any of blue, green"),
    (BLOCKS, "grab any block and put it on red", "ambiguous", "'the block' could be any of"),
    (SORT, "put blue1 into both the blue bin and the yellow bin", "contradiction", "blue1 cannot end up both"),
    (HANOI, "move d1 to the fourth peg", "absent-object", "no fourth peg"),
    # issue 23, part 10 (tests/data/refusal-dev/refuse-8.jsonl): a request framed, a goal said in the passive
    (BLOCKS, "I want you to put red on red", "impossible", "itself"),
    (BLOCKS, "how about leaving things as they are", "no-change", "no change"),
    (BLOCKS, "the pink block should be placed on blue", "no-change", "already holds"),
    (BLOCKS, "on red, put the block", "ambiguous", "'the block' could be any of"),
    (SORT, "the yellow bin should be put in the blue bin", "impossible", "yellow_bin is a bin"),
    # issue 23, part 11 (tests/data/refusal-dev/refuse-9.jsonl): references that leave the object open
    (BLOCKS, "put either block on red", "ambiguous", "'the block' could be any of"),
    (BLOCKS, "move one of them to the table", "ambiguous", "'it' could be any of"),
    (HANOI, "move a ring to the right peg", "ambiguous", "'the disc' could be any of d1, d2, d3"),
    (HANOI, "move one of the bigger discs to the middle peg", "ambiguous", "'the disc' could be any of"),
    # issue 23, part 12 (tests/data/refusal-dev/refuse-h.jsonl): bins and pegs moved, objects by number, questions
    # of where, "but keep it", no change in other words, a size word with "one"
    (SORT, "Move the yellow bin next to the blue bin.", "impossible", "a bin is fixed in place"),
    (HANOI, "Slide the left peg over beside the right one.", "impossible", "a peg is fixed in place"),
    (HANOI, "Please place disc number four on the rightmost pole.", "absent-object", "no disc number four"),
    (BLOCKS, "is red on green rn?", "not-an-instruction", "asks a question"),
    (BLOCKS, "Shift pink across to red - but pink must stay on blue, don't lift it.", "contradiction",
     "pink cannot end up both"),
    (HANOI, "Move d1 to the right peg but don't take it off d2.", "contradiction", "d1 cannot end up both"),
    (SORT, "Put all the cubes in their bins, but don't move blue1.", "contradiction", "blue1 cannot end up both"),
    (BLOCKS, "Relocate pink to red, though it must not leave blue.", "contradiction", "pink cannot end up both"),
    (BLOCKS, "Hands off the blocks for now, thanks.", "no-change", "no change"),
    (SORT, "nothing goes into any bin, ok?", "no-change", "no change"),
    (HANOI, "put the big disc on the little one", "ambiguous", "'the big disc' could be any of d2, d3"),
    (TWO_STACKS, "Whatever's on top of the stack, shift it onto green.", "ambiguous", "could be any of pink, red"),
    (TWO_STACKS, "Grab the block on top and stack it on green.", "ambiguous", "could be any of pink, red"),
    # issue 23, part 13 (tests/data/refusal-dev/refuse-12.jsonl): the same reasons in yet other words
    (SORT, "Put blue1 in the yellow bin without moving it.", "contradiction", "blue1 cannot end up both"),
    (HANOI, "send d1 both to the middle peg and the right peg", "contradiction", "d1 cannot end up both"),
    (BLOCKS, "nah, keep all four blocks exactly how they are", "no-change", "no change"),
    (SORT, "don't move any cubes", "no-change", "no change"),
    (BLOCKS, "freeze, robot, no moves at all", "no-change", "no change"),
    (BLOCKS, "red on green, green on blue, blue on red \u2014 do it", "impossible", "a cycle"),
    (SORT, "shove the blue bin over next to the yellow bin", "impossible", "a bin is fixed in place"),
    (BLOCKS, "Is pink sitting on blue or on red? Just curious.", "not-an-instruction", "asks a question"),
    # issue 23, part 14 (tests/data/refusal-dev/refuse-13.jsonl): remarks, the table and bins swapped, two discs on
    # one, "it's fine as is", the peg with nothing on it, stacks by height, a block beside another
    (BLOCKS, "the red block looks a bit dusty", "not-an-instruction", "remarks on the scene"),
    (BLOCKS, "lift the table and put it on the red block", "impossible", "the table cannot be moved"),
    (SORT, "swap the places of the blue bin and the yellow bin", "impossible", "a bin is fixed in place"),
    (HANOI, "d2 and d1 both directly onto d3", "contradiction", "cannot both be directly on d3"),
    (BLOCKS, "dont touch anything its fine as is", "no-change", "no change"),
    (HANOI, "put d1 on the peg that has nothing on it", "ambiguous", "could be any of middle, right"),
    (TWO_STACKS, "move the top block of the two-block stack onto green", "ambiguous", "could be any of pink, red"),
    # issue 23, part 15 (tests/data/refusal-dev/refuse-14.jsonl): statements, counts of a colour, other vessels
    (BLOCKS, "Pink is my daughter's favourite colour.", "not-an-instruction", "remarks on the scene"),
    (SORT, "Put two blue cubes in the blue bin.", "impossible", "it asks for 2 blue cubes, and this scene has 1"),
    (SORT, "put blue1 in the bucket", "absent-object", "bucket"),
    (HANOI, "Move d1 to the peg that has no discs on it.", "ambiguous", "could be any of middle, right"),
])
def test_rule_reader_refuses(scene: SceneFacts, text: str, reason: str, named: str) -> None:
    refusal = _refusal(scene, text)
    assert refusal.reason == reason and named in str(refusal)
    assert str(refusal).startswith(f"refused ({reason}): ")


def test_references_resolved_by_the_state_and_plurals_of_a_colour() -> None:
    assert parse_instruction("put the top disc on the right peg", "hanoi", HANOI.kinds, HANOI.colours,
                             HANOI.state) == {"(on d1 right)"}
    assert parse_instruction("put d1 on the bottom disc", "hanoi", HANOI.kinds, HANOI.colours,
                             HANOI.state) == {"(on d1 d3)"}
    assert parse_instruction("put the top block on red", "blocks", BLOCKS.kinds, BLOCKS.colours,
                             BLOCKS.state) == {"(on pink red)"}  # the one stack's top, not the lone red
    sort = SceneFacts("sort", {**SORT.kinds, "blue2": "cube"}, {**SORT.colours, "blue2": "blue"}, SORT.state)
    assert parse_instruction("put the blue cubes in the yellow bin", "sort", sort.kinds, sort.colours) == {
        "(in blue1 yellow_bin)", "(in blue2 yellow_bin)"}


def test_cycles_of_three_are_impossible_and_readable_goals_pass() -> None:
    domain = load_domain(domain_folder("blocks"), task="blocks")
    with pytest.raises(Refusal, match=r"\(impossible\): a cycle: blue on green on red on blue"):
        check_goal({"(on blue green)", "(on green red)", "(on red blue)"}, BLOCKS, domain)
    check_goal({"(on red pink)", "(ontable blue)"}, BLOCKS, domain)
    check_goal({"(on d1 d2)", "(on d2 d3)", "(on d3 right)"}, HANOI, load_domain(domain_folder("hanoi"), task="hanoi"))
    check_goal({"(in blue1 yellow_bin)", "(in yellow1 yellow_bin)"}, SORT, load_domain(domain_folder("sort"),
                                                                                         task="sort"))


class _Planner:
    """Stands in for ``Planner``: fails the way it is told to."""

    def __init__(self, error: str) -> None:
        self.error = error

    def plan(self, objects: object, state: object, goal: object) -> None:
        raise PlanningError(self.error)


def test_a_goal_the_planner_proves_unreachable_is_impossible() -> None:
    with pytest.raises(Refusal, match=r"\(impossible\): no plan reaches goal \(on a b\)"):
        check_reachable(_Planner("no plan reaches goal (on a b): fast-downward says UNSOLVABLE"), {}, [], [])
    with pytest.raises(PlanningError, match="timed out") as caught:
        check_reachable(_Planner("fast-downward failed on goal (on a b): timed out"), {}, [], [])
    assert not isinstance(caught.value, Refusal)


def test_goal_atoms_of_the_wrong_type_are_impossible() -> None:
    with pytest.raises(Refusal, match=r"\(impossible\): \(in blue1 yellow1\): yellow1 is a cube"):
        check_goal({"(in blue1 yellow1)"}, SORT, load_domain(domain_folder("sort"), task="sort"))


def test_near_ties_of_one_reference_are_ambiguous() -> None:
    """Two blocks fit "the block" on red almost equally: the decoder keeps one, the doubt refuses."""
    names, kinds = ("blue", "green", "red"), ("block", "block", "block")
    probs = np.zeros((3, 4))
    probs[0, 2], probs[1, 2] = 0.81, 0.74
    reading = decode(probs, names, kinds)
    with pytest.raises(Refusal, match=r"\(ambiguous\): blue \(p=0.81\) or green \(p=0.74\) could be"):
        doubt(probs, names, kinds, reading)
    probs[1, 2] = 0.02
    doubt(probs, names, kinds, decode(probs, names, kinds))


# -- the perception reader --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader() -> GoalReader:
    return GoalReader(device="cpu")


def _read(reader: GoalReader, task: str, size: int, seed: int, text: str) -> tuple[str, ...]:
    from envs.task_env import TaskEnv

    env = TaskEnv(task, size, image_size=16)
    try:
        env.reset(seed=seed)
        return reader.read(env, text, env.symbolic_state()).goal
    finally:
        env.close()


@pytest.mark.parametrize(("task", "seed", "text", "reason"), [
    ("hanoi", 0, "put d3 on d1", "impossible"),
    ("blocks", 4, "put red on blue and put blue on red", "contradiction"),
    ("hanoi", 0, "do nothing", "no-change"),
    ("blocks", 4, "leave everything where it is", "no-change"),
    ("blocks", 4, "put pink on blue", "no-change"),
    ("blocks", 4, "put the purple block on red", "absent-object"),
    ("hanoi", 0, "move the tower to the blue peg", "absent-object"),
    ("blocks", 4, "xkcd blorp fnord", "not-an-instruction"),
    ("hanoi", 0, "asdkj qwe zzkq", "not-an-instruction"),
    ("sort", 0, "what is the forecast for friday", "not-an-instruction"),
])
def test_perception_reader_refuses(reader: GoalReader, task: str, seed: int, text: str, reason: str) -> None:
    with pytest.raises(Refusal) as caught:
        _read(reader, task, 3 if task != "blocks" else 4, seed, text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("task", "size", "text", "reason"), [
    ("hanoi", 3, "move d1 to the middle peg, and move d1 to the right peg too", "contradiction"),
    ("sort", 4, "put blue2 on the table and in the blue bin", "contradiction"),
    ("sort", 4, "put all the cubes in the blue bin and put the green cube in the green bin", "contradiction"),
    ("blocks", 6, "put green and blue on yellow", "contradiction"),
    ("sort", 6, "move the blue block to the yellow bin", "ambiguous"),
    ("blocks", 6, "put the top block of the tallest stack on blue", "ambiguous"),
    ("blocks", 6, "put the block that is on the table on blue", "ambiguous"),
    ("sort", 4, "place the cube on the left into the yellow bin", "ambiguous"),
    ("hanoi", 5, "put the big disc on the middle peg", "ambiguous"),
    ("blocks", 4, "put blue on orange, then move it onto pink", "contradiction"),
    ("blocks", 5, "make sure yellow is sitting on orange", "no-change"),
    ("blocks", 4, "put the black block on blue", "absent-object"),
])
def test_perception_reader_reads_clauses_and_references_in_the_scene(reader: GoalReader, task: str, size: int,
                                                                    text: str, reason: str) -> None:
    """Clauses the network's whole-sentence reading would reconcile by dropping one, a singular reference it
    reads as every object of a colour, references the scene fits to several objects (the positions come from
    the rendered frame), a clause that refers back, a goal told as a state that holds and a colour outside the
    palette (development seed 500: ``tests/data/refusal-dev/refuse-2.jsonl`` and ``refuse-3.jsonl``)."""
    with pytest.raises(Refusal) as caught:
        _read(reader, task, size, 500, text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("task", "size", "seed", "text", "reason"), [
    ("sort", 4, 502, "why are there only two bins?", "not-an-instruction"),
    ("blocks", 4, 501, "stick pink on top of pink", "impossible"),
    ("sort", 5, 502, "everything's fine as is", "no-change"),
    ("blocks", 5, 502, "grab the ball and put it on cyan", "absent-object"),
    ("sort", 5, 502, "put the cube furthest right in the red bin", "ambiguous"),
    ("blocks", 6, 500, "make a stack: orange at the bottom, blue in the middle, orange on top", "contradiction"),
])
def test_perception_reader_refuses_the_wordings_of_part_5(reader: GoalReader, task: str, size: int, seed: int,
                                                          text: str, reason: str) -> None:
    """A question about the scene, a verb, a request for no change, an object no task has, a place and a tower
    told by place that the rules did not read (``tests/data/refusal-dev/refuse-4.jsonl``); before part 5 the
    perception reader read a goal from four of them and refused the other two for another reason."""
    with pytest.raises(Refusal) as caught:
        _read(reader, task, size, seed, text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("hanoi", 3, 501, "rest the red disc on the yellow disc", ("(on d1 d3)",)),
    ("hanoi", 5, 500, "put the second smallest disc on the right peg", ("(on d2 right)",)),
    ("blocks", 4, 502, "lift cyan off pink and set it down on the table", ("(ontable cyan)",)),
])
def test_perception_reader_takes_the_rules_goal_where_its_own_is_refused(reader: GoalReader, task: str, size: int,
                                                                         seed: int, text: str,
                                                                         goal: tuple[str, ...]) -> None:
    """The network's own reading of these was refused (two doubts, and a goal that already holds:
    ``tests/data/refusal-dev/valid-4.jsonl``); the rules read each into a goal that passes the checks."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("hanoi", 5, 501, "move the second biggest disc to the right peg", ("(on d4 right)",)),
    ("blocks", 4, 500, "make a stack: purple on the bottom, blue in the middle, orange at the top",
     ("(on blue purple)", "(on orange blue)")),
    ("hanoi", 4, 502, "move the smaller of the two biggest discs to the middle peg", ("(on d3 middle)",)),
    ("hanoi", 5, 501, "move the disc at the very bottom to the right peg", ("(on d5 right)",)),
    ("hanoi", 4, 502, "mvoe the towr to the midle peg", ("(on d1 d2)", "(on d2 d3)", "(on d3 d4)", "(on d4 middle)")),
])
def test_perception_reader_takes_the_rules_goal_where_the_two_differ(reader: GoalReader, task: str, size: int,
                                                                    seed: int, text: str,
                                                                    goal: tuple[str, ...]) -> None:
    """The network read the first two otherwise (the second biggest disc as the second smallest, the tower
    told by place as its first link reversed: ``tests/data/refusal-dev/valid-5.jsonl`` and ``valid-6.jsonl``);
    the rules read them from the scene. The last three the rules read since issue 23's part 6 (a size among
    the biggest, the bottom of the one tower, typos)."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("blocks", 4, 500, "get pink off purple and onto the table", ("(ontable pink)",)),
    ("blocks", 4, 501, "the pink block should go on the lone blue block", ("(on pink blue)",)),
    ("blocks", 6, 502, "build a tower with green at the base, purple above it and cyan at the very top",
     ("(on cyan purple)", "(on purple green)")),
    ("sort", 5, 500, "put the cube nearest the green bin in the green bin", ("(in green2 green_bin)",)),
])
def test_perception_reader_reads_the_wordings_of_part_9(reader: GoalReader, task: str, size: int, seed: int,
                                                       text: str, goal: tuple[str, ...]) -> None:
    """Where an object comes from beside where it goes, "lone", a tower told from its base, and an object
    nearest another (``tests/data/refusal-dev/valid-5.jsonl`` and ``valid-6.jsonl``): the network read the
    first two otherwise, and the rules read none of them before."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("blocks", 5, 501, "Put every block on the table.", tuple(f"(ontable {b})" for b in
                                                              ("blue", "orange", "pink", "purple", "yellow"))),
    ("blocks", 6, 500, "yellow -> table, pink -> blue", ("(on pink blue)", "(ontable yellow)")),
    ("hanoi", 3, 501, "Largest disk onto the right-hand spike, please and thank you.", ("(on d3 right)",)),
    ("hanoi", 3, 500, "Smallest disk: right peg. Medium disk: middle peg.", ("(on d1 right)", "(on d2 middle)")),
    ("sort", 5, 500, "the blue cube on the left side -> blue container", ("(in blue2 blue_bin)",)),
    ("sort", 4, 502, "I need both reds in the red basket.", ("(in red1 red_bin)", "(in red2 red_bin)")),
    ("sort", 6, 501, "yellow2 and blue1 into their bins pls", ("(in blue1 blue_bin)", "(in yellow2 yellow_bin)")),
    ("blocks", 3, 501, "Is it possible for you to set purple down on yellow?", ("(on purple yellow)",)),
    ("blocks", 6, 500, "The leftmost block belongs on yellow, please relocate it there.", ("(on blue yellow)",)),
])
def test_perception_reader_reads_the_wordings_of_part_12(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """Arrows, colons and other nouns for places, sizes and colours said without their article, a colour's
    plural, several cubes to their own bins, a polite lead-in and a clause that only echoes the one before
    (``tests/data/refusal-dev/valid-h.jsonl``, written by another hand): the perception reader read none of
    these before part 12."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("hanoi", 5, 501, "1. red disc to middle peg\n2. orange disc to right peg", ("(on d1 middle)", "(on d2 right)")),
    ("blocks", 4, 501, "PINK \u279c BLUE!!!", ("(on pink blue)",)),
    ("sort", 4, 500, "the blue cube closest to you goes in the yellow bin", ("(in blue1 yellow_bin)",)),
    ("sort", 6, 502, "the red cube at the back \u2192 yellow bin", ("(in red2 yellow_bin)",)),
    ("hanoi", 5, 502, "Move the three smallest discs to the middle pole, stacked in order.",
     ("(on d1 d2)", "(on d2 d3)", "(on d3 middle)")),
    ("blocks", 4, 501, "gg ez, unstack everything, all 4 blocks on the ground",
     tuple(f"(ontable {b})" for b in ("blue", "pink", "purple", "yellow"))),
    ("blocks", 5, 500, "move the purple one (NOT pink, the one under it) onto orange", ("(on purple orange)",)),
])
def test_perception_reader_reads_the_wordings_of_part_13(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """Steps on lines of their own, other arrows, objects by how near the robot they are, the smallest few discs
    together, "unstack everything" and an aside in brackets (``tests/data/refusal-dev/valid-12.jsonl``, written
    by another hand): the perception reader read none of these before part 13."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("sort", 6, 505, "sort everything!", ("(in blue1 blue_bin)", "(in blue2 blue_bin)", "(in green1 green_bin)",
                                          "(in red1 red_bin)", "(in yellow1 yellow_bin)", "(in yellow2 yellow_bin)")),
    ("sort", 6, 505, "yellows to the yellow bin", ("(in yellow1 yellow_bin)", "(in yellow2 yellow_bin)")),
    ("sort", 6, 505, "put the blue cube in the middle of the table into the blue bin", ("(in blue1 blue_bin)",)),
    ("sort", 6, 505, "The cube at the far left: put it in the bin of its own colour.", ("(in red1 red_bin)",)),
    ("sort", 4, 504, "the red cube in the middle of the three, put it in the red bin", ("(in red1 red_bin)",)),
    ("blocks", 6, 504, "second block from the top → table", ("(ontable yellow)",)),
    ("blocks", 6, 504, "1. cyan on the table 2. yellow on cyan 3. pink on yellow",
     ("(on pink yellow)", "(on yellow cyan)", "(ontable cyan)")),
    ("blocks", 5, 503, "I'd like one single tower, from top to bottom: blue, cyan, green, yellow, purple.",
     ("(on blue cyan)", "(on cyan green)", "(on green yellow)", "(on yellow purple)")),
    ("blocks", 3, 503, "I want blue, yellow and purple ALL lying on the table.",
     ("(ontable blue)", "(ontable purple)", "(ontable yellow)")),
    ("blocks", 4, 504, "reverse the order of the tower", ("(on green red)", "(on orange cyan)", "(on red orange)")),
    ("blocks", 5, 505, "make a three block tower, green at the top, blue in the middle and yellow at the bottom "
                       "staying on the table", ("(on blue yellow)", "(on green blue)", "(ontable yellow)")),
    ("hanoi", 3, 503, "Place the largest disc on the centre peg and the medium disc right on top of it.",
     ("(on d2 d3)", "(on d3 middle)")),
    ("hanoi", 4, 504, "second-largest plate onto the rightmost post", ("(on d3 right)",)),
])
def test_perception_reader_reads_the_wordings_of_part_14(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """"Sort everything", colour plurals, the middle of the table or of a row, a place counted from the top of
    a stack, steps numbered in one line, a tower's direction before its list, several objects sent to the
    table at once, a tower reversed or told top first, "right on top of", plates and posts
    (``tests/data/refusal-dev/valid-13.jsonl``, written by another hand): the perception reader read none of
    these before part 14."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("hanoi", 5, 501, "d4.moveTo('right')", ("(on d4 right)",)),
    ("hanoi", 5, 501, "move(d1, 'middle')", ("(on d1 middle)",)),
    ("sort", 4, 500, "every cube except the green one into the bin matching its colour",
     ("(in blue1 blue_bin)", "(in blue2 blue_bin)", "(in yellow1 yellow_bin)")),
    ("sort", 6, 502, "everything in the front row → green bin",
     ("(in green1 green_bin)", "(in green2 green_bin)", "(in red1 green_bin)", "(in yellow1 green_bin)")),
    ("sort", 5, 501, "the two cubes in the back row both go in the yellow bin",
     ("(in green2 yellow_bin)", "(in yellow1 yellow_bin)")),
    ("sort", 6, 508, "sort everything except the yellow cubes",
     ("(in blue1 blue_bin)", "(in green1 green_bin)", "(in red1 red_bin)", "(in red2 red_bin)")),
    ("sort", 4, 506, "Put every cube in its bin except the one nearest the robot.",
     ("(in blue1 blue_bin)", "(in green1 green_bin)", "(in green2 green_bin)")),
    ("hanoi", 3, 506, "Put the biggest disc on the middle peg and the medium one on top of it.",
     ("(on d2 d3)", "(on d3 middle)")),
    ("hanoi", 5, 508, "The disc just under the red one should go to the right peg.", ("(on d2 right)",)),
    ("blocks", 4, 507, "i would like that the green block is resting on the cyan block, please", ("(on green cyan)",)),
    ("blocks", 5, 506, "Put the block that's standing all by itself onto yellow.", ("(on orange yellow)",)),
    ("blocks", 3, 506, "Could you flip the whole tower upside down? Yellow should end up on top and blue at the "
                       "bottom.", ("(on cyan blue)", "(on yellow cyan)")),
    ("blocks", 3, 506, "spread evrything out on the table, every single block, no stacking at all",
     ("(ontable blue)", "(ontable cyan)", "(ontable yellow)")),
    ("blocks", 4, 507, "ok stack all four: cyan on blue, blue on orange, orange on green. go",
     ("(on blue orange)", "(on cyan blue)", "(on orange green)")),
    ("hanoi", 4, 507, "on(d1, d4)", ("(on d1 d4)",)),
])
def test_perception_reader_reads_the_wordings_of_part_15(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """Calls written as code, every cube but one, several cubes by their row (``tests/data/refusal-dev/
    valid-12.jsonl``, missed after part 13), the medium disc, the disc just under a colour, a block alone, a
    tower turned over, a whole-scene order restated clause by clause (``valid-14.jsonl``, a fourth hand)."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("blocks", 4, 507, "I'm setting up a demo for my students and the cyan block is in the way, so please take it "
                       "off the orange one and just put it down on the table.", ("(ontable cyan)",)),
    ("blocks", 4, 500, "First orange onto pink. After that, blue onto orange.",
     ("(on blue orange)", "(on orange pink)")),
    ("blocks", 5, 511, "Let's build a new tower. Begin with green as the base, put yellow on it, and finish with the "
                       "blue block on top.", ("(on blue yellow)", "(on yellow green)")),
    ("blocks", 6, 511, "Start with yellow on the table, then put pink on it, and finish with cyan on top.",
     ("(on cyan pink)", "(on pink yellow)", "(ontable yellow)")),
    ("hanoi", 4, 509, "Rebuild the full tower on the middle peg: green at the bottom, then yellow, then orange, and "
                      "red at the top.", ("(on d1 d2)", "(on d2 d3)", "(on d3 d4)", "(on d4 middle)")),
    ("blocks", 6, 509, "put the block farthest to the right on the block second from the left", ("(on blue yellow)",)),
    ("blocks", 4, 510, "The block sitting between orange and blue needs to end up on top of cyan.",
     ("(on green cyan)",)),
    ("blocks", 6, 511, "Put the only block that isn't part of any stack on top of the tallest stack.",
     ("(on yellow blue)",)),
    ("blocks", 4, 510, "stack(top=blue, bottom=cyan); stack(bottom=orange, top=green);",
     ("(on blue cyan)", "(on green orange)")),
    ("sort", 5, 509, "Of the three yellow cubes, take the one farthest to the left and drop it in the yellow bin.",
     ("(in yellow3 yellow_bin)",)),
    ("hanoi", 5, 511, "The biggest disc, the cyan one, needs to go over to the right peg.", ("(on d5 right)",)),
    ("hanoi", 3, 510, "I'd like the biggest disc on the middle peg, with the red one sitting right on top of it.",
     ("(on d1 d3)", "(on d3 middle)")),
    ("hanoi", 3, 510, "Move the disc at the top of the left peg to the right peg", ("(on d1 right)",)),
    ("hanoi", 4, 501, "put the top disc on the right peg", ("(on d1 right)",)),
    ("blocks", 5, 511, "Unstack everything so that all five blocks are sitting on the table.",
     ("(ontable blue)", "(ontable green)", "(ontable orange)", "(ontable pink)", "(ontable yellow)")),
    ("blocks", 5, 511, "I want green to carry pink", ("(on pink green)",)),
    ("blocks", 5, 511, "the block under blue supports yellow", ("(on yellow pink)",)),
    ("blocks", 3, 509, "First move the top block of the stack onto the block that is standing by itself, then put "
                       "cyan on top of that.", ("(on cyan pink)", "(on pink blue)")),
])
def test_perception_reader_reads_the_wordings_of_part_16(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """Context before the request, towers told piece by piece, places counted from a side or between two
    objects, calls with keywords, apposition, "X supports Y", the top of a peg's pile
    (``tests/data/refusal-dev/valid-15.jsonl``, a fifth hand, and ``valid-14.jsonl``), with the two readings
    the first changes lost on older files (``valid-11.jsonl``, ``valid-13.jsonl``)."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "reason"), [
    ("blocks", 5, 511, "Take blue off the stack and put it on yellow, but don't move blue at all.", "contradiction"),
    ("hanoi", 3, 510, "Move the whole tower to the right peg, but don't move any of the discs.", "contradiction"),
    ("sort", 6, 511, "Sort all the cubes but leave every cube on the table.", "contradiction"),
    ("blocks", 3, 509, "Move pink down to the table, but keep it sitting on cyan the whole time.", "contradiction"),
    ("hanoi", 4, 509, "Leave the tower where it is.", "no-change"),
    ("hanoi", 5, 511, "The whole tower should be on the left peg.", "no-change"),
    ("sort", 4, 500, "no need to do anything with yellow1, leave it", "no-change"),
    ("blocks", 4, 510, "Stack the block next to green onto cyan.", "ambiguous"),
    ("hanoi", 3, 510, "Move the disc on the left peg to the right peg.", "ambiguous"),
    ("blocks", 3, 509, "What a lovely shade of pink that block is!", "not-an-instruction"),
    ("sort", 6, 510, "Hmm, the red one looks a bit orange to me.", "not-an-instruction"),
])
def test_perception_reader_refuses_the_wordings_of_part_16(reader: GoalReader, task: str, size: int, seed: int,
                                                          text: str, reason: str) -> None:
    """A change beside a clause that forbids any, a tower told to stay, a neighbour of which there are two, the
    pile on a peg, exclamations and remarks (``tests/data/refusal-dev/refuse-15.jsonl``, a fifth hand; the
    no-change line is ``refuse-11.jsonl``'s, which the first changes refused as a contradiction)."""
    with pytest.raises(Refusal) as caught:
        _read(reader, task, size, seed, text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("blocks", 3, 512, "Make a three-high tower, listed top to bottom: blue, green, yellow.",
     ("(on blue green)", "(on green yellow)")),
    ("blocks", 3, 512, "okay so put the blue one on um no wait put the green one on the yellow one",
     ("(on green yellow)",)),
    ("blocks", 6, 513, "Set the bottom block of the tall stack onto the red... sorry, onto the blue block, the one on "
                       "the far left.", ("(on green blue)",)),
    ("blocks", 3, 512, "Because I need the right-hand end of the table free, move the block on the right onto the "
                       "middle block.", ("(on blue green)",)),
    ("blocks", 3, 512, "Good afternoon, dear robot. If it is not too much trouble, I would be terribly grateful if you "
                       "would lift the block sitting farthest to the right and set it down gently on top of the one "
                       "farthest to the left. Thank you ever so kindly.", ("(on blue yellow)",)),
    ("blocks", 4, 513, "Ticket #212: reset workspace. Acceptance criteria: every block rests directly on the table, no "
                       "stacking.", ("(ontable green)", "(ontable orange)", "(ontable pink)", "(ontable purple)")),
    ("blocks", 4, 513, "when ur done pink shd be on the table & orange on purple thx",
     ("(on orange purple)", "(ontable pink)")),
    ("blocks", 5, 514, "Knock both towers down, I want all five blocks lying flat on the table.",
     ("(ontable blue)", "(ontable cyan)", "(ontable green)", "(ontable purple)", "(ontable red)")),
    ("blocks", 5, 514, "The block in the middle of the tall stack, put him on table please.", ("(ontable blue)",)),
    ("blocks", 5, 514, "put the top of the short stack onto the top of the tall stack", ("(on green purple)",)),
    ("hanoi", 4, 514, "Goal state: [d4 on the right peg] [d3 on the middle peg]", ("(on d3 middle)", "(on d4 right)")),
    ("hanoi", 5, 513, "When finished, the orange disc should rest directly on the cyan one.", ("(on d2 d5)",)),
    ("sort", 6, 512, "Pick up the cube directly behind the blue cube and drop it in the red bin.",
     ("(in red2 red_bin)",)),
    ("sort", 6, 506, "Put the green cube right in front of green1 into the green bin.", ("(in green2 green_bin)",)),
    ("sort", 6, 513, "every green cube except green2 should end up in the green bin",
     ("(in green1 green_bin)", "(in green3 green_bin)", "(in green4 green_bin)")),
])
def test_perception_reader_reads_the_wordings_of_part_17(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """A tower's direction after more words about it, a correction in mid-sentence, a reason, a long polite
    lead-in, an end state told as a fact about every block, "shd", every stack knocked down, a reference said
    first and taken up by "him", the top of a stack, items in square brackets, "when finished", a cube behind
    or in front of another, one object left out (``tests/data/refusal-dev/valid-16.jsonl``, a sixth hand, and
    ``valid-14.jsonl``)."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "reason"), [
    ("blocks", 4, 513, "I'd like the purple block placed underneath itself.", "impossible"),
    ("blocks", 4, 513, "Move orange onto purple, but keep orange exactly where it is on pink.", "contradiction"),
    ("hanoi", 4, 514, "Because the big one should be on top for the photo, put the green disc on the red disc.",
     "impossible"),
    ("sort", 6, 512, "Sort everything, but don't move any cube.", "contradiction"),
    ("blocks", 5, 512, "nothing needed rn, just stand by", "no-change"),
    ("sort", 4, 512, "No action required, thanks.", "no-change"),
    ("sort", 4, 512, "Make sure every cube is on the table.", "no-change"),
    ("blocks", 5, 512, "Move the block that stands by itself onto cyan.", "ambiguous"),
])
def test_perception_reader_refuses_the_wordings_of_part_17(reader: GoalReader, task: str, size: int, seed: int,
                                                          text: str, reason: str) -> None:
    """A block wished under itself, a move beside "keep it exactly where it is on pink", a reason before an
    impossible request, "don't move any cube" beside a sort, no action asked in other words, an end state that
    holds, a block alone among several (``tests/data/refusal-dev/refuse-16.jsonl``, a sixth hand)."""
    with pytest.raises(Refusal) as caught:
        _read(reader, task, size, seed, text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("task", "size", "seed", "text", "goal"), [
    ("blocks", 6, 515, "Put the red block on the second block from the bottom of the tall tower.", ("(on red cyan)",)),
    ("blocks", 4, 516, "Build me a single tower: blue on top, then yellow under it, then cyan, with pink at the "
                       "bottom.",
     ("(on blue yellow)", "(on cyan pink)", "(on yellow cyan)")),
    ("blocks", 5, 517, "At the end I want to see two little towers: pink sitting on cyan, and blue sitting on green.",
     ("(on blue green)", "(on pink cyan)")),
    ("blocks", 3, 515, "Move the green block onto - no, scratch that - move the orange block onto the cyan one.",
     ("(on orange cyan)",)),
    ("blocks", 3, 515, "goal:\n  cyan: on_table\n  green: on cyan", ("(on green cyan)", "(ontable cyan)")),
    ("sort", 6, 516, "- action: place\n  object: blue1\n  target: blue_bin", ("(in blue1 blue_bin)",)),
    ("blocks", 6, 516, "If you've got a sec, it'd be great if the pink block ended up on the purple one.",
     ("(on pink purple)",)),
    ("sort", 5, 515, "Yellow cube, yellow bin! Go go go!", ("(in yellow1 yellow_bin)",)),
    ("hanoi", 5, 516, "Take the two smallest discs to the right peg, with the smaller one on top.",
     ("(on d1 d2)", "(on d2 right)")),
    ("hanoi", 5, 516, "I'd like the largest disc on the right peg with the second largest sitting directly on it.",
     ("(on d4 d5)", "(on d5 right)")),
    ("hanoi", 5, 516, "Move the top three discs to the middle peg as one little stack, same order.",
     ("(on d1 d2)", "(on d2 d3)", "(on d3 middle)")),
    ("blocks", 3, 515, "When you're finished I'd like to see the green block sitting straight on the orange one, with "
                       "the cyan block off to the side on the table.", ("(on green orange)", "(ontable cyan)")),
    ("blocks", 6, 515, "Knock it all down - carefully, mind - I want all six blocks sitting flat on the table.",
     ("(ontable blue)", "(ontable cyan)", "(ontable green)", "(ontable orange)", "(ontable pink)", "(ontable red)")),
    ("sort", 5, 515, "Put the red cube on the left-hand side of the table into the blue bin.", ("(in red2 blue_bin)",)),
])
def test_perception_reader_reads_the_wordings_of_part_18(reader: GoalReader, task: str, size: int, seed: int,
                                                        text: str, goal: tuple[str, ...]) -> None:
    """A place counted from the bottom of a stack named by its height, a tower told from the top with "under it",
    a colon after an announcement, "scratch that", specs written as keys, "it'd be great if ... ended up", two
    names for an object and its bin, discs moved together "with the smaller one on top" or "as one little stack",
    "I'd like to see", "knock it all down", "the left-hand side of the table" (``tests/data/refusal-dev/
    valid-17.jsonl``, a seventh hand): the network read most of them into another goal, which moved the robot."""
    assert _read(reader, task, size, seed, text) == goal


@pytest.mark.parametrize(("task", "size", "seed", "text", "reason"), [
    ("blocks", 3, 515, "Honestly, is that tower going to topple if I bump the table? It looks a bit precarious from "
                       "here.", "not-an-instruction"),
    ("sort", 5, 515, "Hmm, I wonder why the yellow bin is over on the left.", "not-an-instruction"),
    ("sort", 6, 517, "Such a nice rainbow of bins.", "not-an-instruction"),
    ("hanoi", 5, 516, "Don't touch anything, the stack is fine as it is.", "no-change"),
    ("blocks", 4, 516, "Put yellow on blue and, while you're at it, blue on yellow.", "contradiction"),
    ("blocks", 5, 517, "Put the red block on the table and, at the same time, on the green block.", "contradiction"),
    ("blocks", 3, 515, "I'd like the cyan block balanced on top of the cyan block.", "impossible"),
    ("sort", 6, 516, "object: red cube\ntarget: blue_bin", "ambiguous"),
    ("hanoi", 5, 516, "Put the orange disc on whichever peg is the empty one.", "ambiguous"),
])
def test_perception_reader_refuses_the_wordings_of_part_18(reader: GoalReader, task: str, size: int, seed: int,
                                                          text: str, reason: str) -> None:
    """Questions and remarks after an interjection, "don't touch anything, the stack is fine as it is", asides
    about when, a block wished on itself, a spec naming a colour several cubes share, "whichever peg is the
    empty one" (``tests/data/refusal-dev/refuse-17.jsonl``, a seventh hand): the network read three of the
    first four into goals that moved the robot."""
    with pytest.raises(Refusal) as caught:
        _read(reader, task, size, seed, text)
    assert caught.value.reason == reason


def test_a_count_of_discs_short_of_all_of_them_is_no_tower() -> None:
    """"Move two discs to the right peg" names no two: the rules leave it unread rather than move the tower."""
    with pytest.raises(InstructionError) as caught:
        parse_instruction("move two discs to the right peg", "hanoi", HANOI.kinds, HANOI.colours, HANOI.state)
    assert not isinstance(caught.value, Refusal)


def test_perception_reader_refuses_a_misspelt_absent_colour(reader: GoalReader) -> None:
    with pytest.raises(Refusal) as caught:
        _read(reader, "blocks", 6, 502, "put the orang block on green")
    assert caught.value.reason == "absent-object"


def test_perception_reader_reads_a_phrase_that_fits_one_object(reader: GoalReader) -> None:
    assert _read(reader, "blocks", 6, 501, "put blue on top of the tower") == ("(on blue green)",)
    assert _read(reader, "sort", 5, 500, "drop the leftmost cube into the green bin") == ("(in green1 green_bin)",)


def test_perception_reader_still_reads(reader: GoalReader) -> None:
    assert _read(reader, "blocks", 4, 4, "put the red block on the green one please") == ("(on red green)",)
    assert _read(reader, "hanoi", 3, 0, "move the tower to the right peg") == (
        "(on d1 d2)", "(on d2 d3)", "(on d3 right)")
    # the whole sentence read only its first clause; clause by clause it reads both
    assert _read(reader, "blocks", 3, 500, "put pink on blue and purple on pink") == (
        "(on pink blue)", "(on purple pink)")


# -- one behaviour on the command line --------------------------------------------------------------------------------


@pytest.mark.parametrize("goal", ["oracle", "perception"])
def test_run_refuses_an_impossible_instruction_before_acting(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             goal: str) -> None:
    out = tmp_path / "run"
    code = main(["run", "--task", "hanoi", "--size", "3", "--instruction", "put d3 on d1", "--goal", goal,
                 "--controller", "scripted", "--device", "cpu", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_USER_ERROR
    assert len(err.splitlines()) == 1 and "refused (impossible)" in err and "(smaller d3 d1)" in err
    assert not out.exists()


def test_goal_command_refuses_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["goal", "--task", "blocks", "--size", "4", "--seed", "4", "--device", "cpu",
                 "--instruction", "put the purple block on red"])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_USER_ERROR
    assert err.splitlines() == [err] and "refused (absent-object)" in err and "purple" in err


def test_eval_goals_records_refusals_and_scores_expected_ones(tmp_path: Path) -> None:
    lines = [
        {"task": "hanoi", "size": 3, "seed": 0, "instruction": "put d3 on d1", "refuse": "impossible"},
        {"task": "hanoi", "size": 3, "seed": 0, "instruction": "move the tower to the right peg",
         "goal": ["(on d1 d2)", "(on d2 d3)", "(on d3 right)"]},
        {"task": "blocks", "size": 4, "seed": 4, "instruction": "do nothing", "refuse": "ambiguous"},
    ]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "results.json"
    assert main(["eval-goals", str(requests), "--json", str(out), "--quiet", "--device", "cpu"]) == 0
    result = json.loads(out.read_text())
    assert [r["refused"] for r in result["records"]] == ["impossible", None, "no-change"]
    assert [r["correct"] for r in result["records"]] == [True, True, False]
    assert result["refused"] == {"count": 2, "by_reason": {"impossible": 1, "no-change": 1}}


def test_eval_goals_scores_the_rule_reader_with_goal_oracle(tmp_path: Path) -> None:
    lines = [
        {"task": "blocks", "size": 4, "seed": 4, "instruction": "put it on red", "refuse": "ambiguous"},
        {"task": "hanoi", "size": 3, "seed": 0, "instruction": "move the tower to the right peg",
         "goal": ["(on d1 d2)", "(on d2 d3)", "(on d3 right)"]},
        {"task": "hanoi", "size": 3, "seed": 0, "instruction": "juggle the tower", "refuse": "impossible"},
    ]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "results.json"
    assert main(["eval-goals", str(requests), "--goal", "oracle", "--json", str(out), "--quiet"]) == 0
    records = json.loads(out.read_text())["records"]
    assert [r["refused"] for r in records] == ["ambiguous", None, None]
    assert [r["correct"] for r in records] == [True, True, False] and "cannot read" in records[2]["error"]


def test_eval_goals_names_a_bad_refuse_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requests = tmp_path / "bad.jsonl"
    requests.write_text('{"task": "hanoi", "size": 3, "seed": 0, "instruction": "x", "refuse": "rude"}\n')
    assert main(["eval-goals", str(requests)]) == EXIT_USER_ERROR
    assert f"{requests}:1: refuse must be one of" in capsys.readouterr().err


# -- valid instructions are read, not refused -------------------------------------------------------------------------


@pytest.mark.slow
def test_generated_validation_instructions_are_rarely_refused(reader: GoalReader) -> None:
    """On generated instructions of the splits training never saw, at most 1% of those asking for a change
    are refused where their wordings were trained on (``test``, ``held-out-colours``, ``larger``); those
    whose goal already holds (the generator does not check) are refused as no change.

    ``held-out-templates`` gets a bound of its own, and it is not issue 23's 1%: its grammar productions were
    never trained on, and a reversed reading of one ("purple carries pink" read as purple on pink) is a goal
    that already holds, refused as no change. The shipped network refuses 3 of its first 25 scenes' 96
    instructions (6 of 179 in 50 scenes; docs/perception.md); the network before the grammar refused 17 of
    all four splits' 333 here."""
    from agent.perception.dataset import SPLITS
    from agent.perception.instructions import draw_examples
    from agent.perception.language import Facts
    from agent.planning.atoms import holds
    from envs.task_env import TaskEnv

    refused: dict[str, list[tuple[str, str]]] = {}
    valid: Counter[str] = Counter()
    no_change = 0
    for split in ("test", "held-out-templates", "held-out-colours", "larger"):
        spec = SPLITS[split]
        for index in range(25):
            task, size, seed, options = spec.scene(index)
            env = TaskEnv(task, size, image_size=16, **options)
            env.reset(seed=seed)
            state = env.symbolic_state()
            for example in draw_examples(Facts.of(env), random.Random(seed), spec.per_scene, spec.templates,
                                         spec.colours):
                try:
                    reader.read(env, example.instruction, state)
                    outcome = None
                except Refusal as refusal:
                    outcome = refusal.reason
                if holds(example.goal, state):
                    no_change += outcome == "no-change"
                    continue
                valid[split] += 1
                if outcome is not None:
                    refused.setdefault(split, []).append((example.instruction, outcome))
            env.close()
    trained = ("test", "held-out-colours", "larger")
    assert sum(valid[s] for s in trained) >= 200 and valid["held-out-templates"] >= 75
    trained_refused = [r for s in trained for r in refused.get(s, [])]
    assert len(trained_refused) <= 0.01 * sum(valid[s] for s in trained), trained_refused
    assert len(refused.get("held-out-templates", [])) <= 0.05 * valid["held-out-templates"], refused
    assert no_change >= 1
