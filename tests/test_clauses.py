"""Reading an instruction clause by clause, and the number of objects its words refer to (fast: no network)."""

from __future__ import annotations

import pytest

from agent.perception.agreement import check_number
from agent.perception.clauses import join_clauses, split_clauses
from agent.perception.decoder import Reading
from envs.errors import Refusal


@pytest.mark.parametrize(("text", "clauses"), [
    ("put d1 on the middle peg and d1 on the right peg", ["put d1 on the middle peg", "put d1 on the right peg"]),
    ("Put yellow on blue. Put blue on yellow.", ["put yellow on blue", "put blue on yellow"]),
    ("put blue2 on the table and in the blue bin", ["put blue2 on the table", "put blue2 in the blue bin"]),
    ("put green and blue on yellow", ["put green on yellow", "put blue on yellow"]),
    ("stack cyan on blue; then stack blue on cyan", ["stack cyan on blue", "stack blue on cyan"]),
    ("red on pink, orange on pink", ["put red on pink", "put orange on pink"]),
    ("I need pink on orange as well as orange on pink", ["put i need pink on orange", "put orange on pink"]),
    ("move the whole tower to the middle peg but keep d5 on the left peg",
     ["move the whole tower to the middle peg", "keep d5 on the left peg"]),
])
def test_clauses_stand_alone(text: str, clauses: list[str]) -> None:
    assert split_clauses(text) == clauses


@pytest.mark.parametrize("text", ["put red on blue", "take d1 and put it on d2",
                                  "put red on the table, then blue on it", "put blue on pink and green"])
def test_one_clause_or_a_pronoun_is_not_read_by_clauses(text: str) -> None:
    assert split_clauses(text) == []


def _reading(*atoms: tuple[str, float]) -> Reading:
    return Reading(tuple(sorted(a for a, _ in atoms)), dict(atoms))


def test_clauses_that_cannot_all_hold_contradict() -> None:
    clauses = ["put d1 on the middle peg", "put d1 on the right peg"]
    with pytest.raises(Refusal, match=r"\(contradiction\): d1 cannot end up both on middle and on right "
                                      r"\(read clause by clause"):
        join_clauses(clauses, [_reading(("(on d1 middle)", 0.99)), _reading(("(on d1 right)", 0.98))])
    with pytest.raises(Refusal, match=r"\(contradiction\): blue and red cannot both be directly on pink"):
        join_clauses(clauses, [_reading(("(on red pink)", 0.99)), _reading(("(on blue pink)", 0.97))])


def test_agreeing_clauses_give_their_union_and_unsure_ones_give_nothing() -> None:
    clauses = ["put red on blue", "put green on red"]
    joined = join_clauses(clauses, [_reading(("(on red blue)", 0.99)), _reading(("(on green red)", 0.95))])
    assert joined is not None and joined.goal == ("(on green red)", "(on red blue)")
    assert join_clauses(clauses, [_reading(("(on red blue)", 0.99)), _reading(("(on green red)", 0.6))]) is None
    assert join_clauses(clauses, [_reading(("(on red blue)", 0.99)), None]) is None
    # an unsure clause says nothing either way, even where its atom would conflict
    assert join_clauses(clauses, [_reading(("(on red blue)", 0.99)), _reading(("(on red green)", 0.6))]) is None


COLOURS = {"blue1": "blue", "blue2": "blue", "red1": "red", "blue_bin": "blue", "red_bin": "red"}


def test_singular_words_read_as_several_objects_alike_are_ambiguous() -> None:
    goal = ["(in blue1 red_bin)", "(in blue2 red_bin)"]
    with pytest.raises(Refusal, match=r"\(ambiguous\): .* blue1, blue2 \(blue\) all fit"):
        check_number("move the blue block to the red bin", goal, COLOURS)
    with pytest.raises(Refusal, match=r"\(ambiguous\)"):
        check_number("one of the blue cubes into the red bin", goal, COLOURS)
    check_number("move the blue blocks to the red bin", goal, COLOURS)
    check_number("put every blue cube in the red bin", goal, COLOURS)
    check_number("put blue1 and blue2 in the red bin", goal, COLOURS)
    check_number("red bin is for the green cube", goal, COLOURS)  # a misreading, not an ambiguity
    check_number("put the red cube and the blue cube in the red bin", ["(in red1 red_bin)", "(in blue1 red_bin)"],
                 COLOURS)
