"""The instruction grammar: every production tells the order it was given, and styling never changes a goal."""

from __future__ import annotations

import random

from agent.perception import grammar
from agent.perception.language import Facts

_BLOCKS = Facts("blocks", {"b1": "block", "b2": "block", "b3": "block"}, {"b1": "red", "b2": "blue", "b3": "green"},
                {}, frozenset())
_SORT = Facts("sort", {"c1": "cube", "c2": "cube", "x": "bin", "y": "bin"},
              {"c1": "red", "c2": "blue", "x": "blue", "y": "red"}, {}, frozenset())


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
        assert example is not None
        (atom,) = example.goal
        mover, support = atom[4:-1].split()
        text = example.instruction.lower()
        first = "a" if text.find(_BLOCKS.colours[mover]) < text.find(_BLOCKS.colours[support]) else "b"
        template = grammar._ON_ONE[int(example.template.rsplit(".", 1)[1])]
        assert first == ("a" if template.find("{a}") < template.find("{b}") else "b"), (template, text)
        seen.add(example.template)
    assert len(seen) == len(grammar._ON_ONE)
