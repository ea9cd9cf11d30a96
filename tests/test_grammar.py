"""The instruction grammar: every production tells the order it was given, and styling never changes a goal."""

from __future__ import annotations

import random

import pytest

from agent.perception import grammar, instructions
from agent.perception.language import Facts
from envs.scenes.hanoi import PEGS

_BLOCKS = Facts("blocks", {"b1": "block", "b2": "block", "b3": "block"}, {"b1": "red", "b2": "blue", "b3": "green"},
                {}, frozenset())
_SORT = Facts("sort", {"c1": "cube", "c2": "cube", "x": "bin", "y": "bin"},
              {"c1": "red", "c2": "blue", "x": "blue", "y": "red"}, {}, frozenset())
_STACKED = Facts("blocks", {"b1": "block", "b2": "block", "b3": "block"}, {"b1": "red", "b2": "blue", "b3": "green"},
                 {"b1": (0.5, -0.1, 0.06), "b2": (0.5, -0.1, 0.02), "b3": (0.5, 0.1, 0.02)},
                 frozenset({"(on b1 b2)", "(ontable b2)", "(ontable b3)"}))
_HANOI = Facts("hanoi", {"d1": "disc", "d2": "disc", "d4": "disc", "left": "peg", "middle": "peg", "right": "peg"},
               {"d1": "red", "d2": "orange", "d4": "green", "left": "gray", "middle": "gray", "right": "gray"}, {},
               frozenset({"(on d1 d2)", "(on d2 d4)", "(on d4 middle)"}))
_CUBES = Facts("sort", {"red1": "cube", "red2": "cube", "blue1": "cube", "red_bin": "bin", "blue_bin": "bin"},
               {"red1": "red", "red2": "red", "blue1": "blue", "red_bin": "red", "blue_bin": "blue"},
               {"red1": (0.5, -0.2, 0.02), "red2": (0.45, 0.0, 0.02), "blue1": (0.6, 0.2, 0.02),
                "red_bin": (0.7, -0.15, 0.0), "blue_bin": (0.7, 0.15, 0.0)}, frozenset())


def test_every_production_says_green_blue_red_from_the_bottom() -> None:
    # the colours in the order each production writes them: top-down ones name red first
    expected = {"_top_down": ["red", "blue", "green"], "_top_first_by_place": ["red", "blue", "green"],
                "_terse_down": ["red", "blue", "green"], "_two_sentences": ["blue", "green", "red", "blue"],
                "_clauses_reversed": ["green", "blue", "blue", "red"], "_rest_on": ["blue", "green", "red", "blue"]}
    for production in grammar._TOWER:
        rng = random.Random(3)
        text = production(rng, ["green", "blue", "red"])
        colours = [w.strip(",.;:>()") for w in text.split() if w.strip(",.;:>()") in ("red", "blue", "green")]
        assert colours == expected.get(production.__name__, ["green", "blue", "red"]), (production.__name__, text)


def test_goal_is_the_sampled_order_and_styling_keeps_the_colours() -> None:
    rng = random.Random(0)
    for _ in range(300):
        example = grammar.tower_example(rng, _BLOCKS)
        assert example is not None
        on = dict(atom[4:-1].split() for atom in example.goal)
        # one chain: each block under at most one other, and one block fewer atoms than blocks named
        assert len(set(on.values())) == len(on) == len({*on, *on.values()}) - 1
        for name in {*on, *on.values()}:
            assert _BLOCKS.colours[name] in example.instruction.lower().replace("teh", "the")
        assert example.held_out_template == (int(example.template.rsplit(".", 1)[1]) >= 12)


def test_sorting_sends_each_cube_to_the_bin_of_its_colour() -> None:
    rng = random.Random(1)
    seen = set()
    for _ in range(100):
        example = grammar.sort_example(rng, _SORT)
        assert example is not None and example.goal == ("(in c1 y)", "(in c2 x)")
        seen.add(example.template)
    assert len(seen) == len(grammar._SORT)


def test_polite_prefixes_only_precede_commands() -> None:
    rng = random.Random(2)
    for _ in range(500):
        text = grammar.tower_example(rng, _BLOCKS).instruction.lower()  # type: ignore[union-attr]
        assert not text.startswith(("could you the", "please the", "kindly the", "could you first"))


def test_one_block_on_another_keeps_mover_and_support_apart() -> None:
    rng = random.Random(4)
    seen = set()
    for _ in range(400):
        example = grammar.on_example(rng, _BLOCKS)
        if example is None or example.category != "name":  # by position or relation: other colours named
            continue
        (atom,) = example.goal
        mover, support = atom[4:-1].split()
        text = example.instruction.lower()
        first = "a" if text.find(_BLOCKS.colours[mover]) < text.find(_BLOCKS.colours[support]) else "b"
        template = grammar._ON_ONE[int(example.template.rsplit(".", 1)[1])]
        assert first == ("a" if template.find("{a}") < template.find("{b}") else "b"), (template, text)
        seen.add(example.template)
    assert len(seen) == len(grammar._ON_ONE)


def test_one_disc_goes_onto_a_peg_or_a_larger_disc_and_nothing_else() -> None:
    """A single-disc instruction asks for exactly one atom, never one that already holds, and names its disc
    by planner name, colour or (for the smallest and largest) size."""
    rng = random.Random(5)
    seen = set()
    for _ in range(600):
        example = grammar.disc_example(rng, _HANOI)
        if example is None:
            continue
        (atom,) = example.goal
        disc, target = atom[4:-1].split()
        assert atom not in _HANOI.state
        assert target in PEGS or int(target[1:]) > int(disc[1:]), atom
        text = example.instruction.lower()
        by_size = {"d1": ("smallest", "tiniest", "littlest"), "d4": ("largest", "biggest", "widest")}
        assert disc in text or _HANOI.colours[disc] in text or any(w in text for w in by_size.get(disc, ())), text
        seen.add(example.template)
    assert len(seen) == len(grammar._DISC)


def test_a_cube_named_by_its_planner_name_is_that_cube() -> None:
    """"red2" is red2, never red1: the label follows the planner name, and a colour alone names a cube only
    where no other cube has that colour."""
    rng = random.Random(6)
    named = 0
    for _ in range(400):
        example = grammar.cube_example(rng, _CUBES)
        if example is None:
            continue
        (atom,) = example.goal
        cube = atom[4:-1].split()[0]
        text = example.instruction.lower()
        assert [n for n in _CUBES.named("cube") if n in text] in ([], [cube]), text
        if cube in text:
            named += 1
        assert not ("the red cube" in text or "the red one" in text), "two cubes are red: the colour is ambiguous"
    assert named > 100


def test_blocks_go_to_the_table_only_from_another_block() -> None:
    rng = random.Random(9)
    goals = set()
    for _ in range(200):
        example = grammar.table_example(rng, _STACKED)
        if example is not None:
            goals.add(example.goal)
    assert goals == {("(ontable b1)",)}, "only red stands on a block"
    assert grammar.table_example(rng, _BLOCKS) is None, "nothing to take down"


def test_two_goals_never_contradict() -> None:
    """Two movers, supports that hold one block each (the table holds any number), and no cycle."""
    rng = random.Random(7)
    seen = set()
    for _ in range(400):
        example = grammar.two_example(rng, _BLOCKS)
        assert example is not None
        support = {}
        for atom in example.goal:
            args = atom[1:-1].split()[1:]
            support[args[0]] = args[1] if len(args) == 2 else "table"
        assert len(support) == 2
        held = [s for s in support.values() if s != "table"]
        assert len(held) == len(set(held))
        assert not any(support.get(s) == m for m, s in support.items()), example.goal
        seen.add(example.template)
    assert len(seen) == len(grammar._TWO)


@pytest.mark.parametrize("facts", [_STACKED, _HANOI, _CUBES], ids=["blocks", "hanoi", "sort"])
def test_every_intent_is_drawn_and_held_out_productions_are_marked(facts: Facts) -> None:
    rng = random.Random(8)
    intents = set()
    for _ in range(600):
        example = grammar.grammar_example(rng, facts)
        if example is None:
            continue
        intent, index = example.template.rsplit(".", 1)
        intents.add(intent)
        assert example.held_out_template == (int(index) >= grammar.HELD_OUT_FROM[intent])
    assert len(intents) == len(grammar._INTENTS[facts.task])


def test_the_share_decides_which_generator_draws() -> None:
    """At the share of the candidate run, about four draws in ten come from the grammar; at 0, none do."""
    mixed = instructions.draw_examples(_STACKED, random.Random(10), 200, attempts=2000, share=0.4)
    from_grammar = sum(e.template.startswith("grammar.") for e in mixed) / len(mixed)
    assert 0.25 < from_grammar < 0.55, from_grammar
    plain = instructions.draw_examples(_STACKED, random.Random(10), 100, attempts=2000, share=0.0)
    assert plain and not any(e.template.startswith("grammar.") for e in plain)
