"""Typos corrected before the readers read an instruction (``agent.goals.spelling``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.goals.oracle import parse_instruction
from agent.goals.spelling import LEXICON, corrected, edits
from agent.perception.lexicon import lexicon_text
from tests.test_refusal import BLOCKS, HANOI, _refusal


@pytest.mark.parametrize(("typed", "meant"), [
    ("mvoe the towr to the midle peg", "move the tower to the middle peg"),
    ("put the bleu block on pnik", "put the blue block on pink"),
    ("Put teh purple blokc on blue", "Put the purple block on blue"),
    ("srot the cubes by colour", "sort the cubes by colour"),
    ("cyan ontop of green", "cyan on top of green"),
    ("waht is the biggest disc?", "what is the biggest disc?"),  # a swap first: not "want"
    ("STAKC RED ON BLEU", "STACK RED ON BLUE"),
])
def test_misspelt_words_become_the_words_meant(typed: str, meant: str) -> None:
    assert corrected(typed) == meant


@pytest.mark.parametrize("typed", [
    "lift red2 onto the yellow_bin thx",  # English words and planner names stay
    "put d1 on d2 asap",
    "asdkj qwe zzkq",  # no word one edit away: left for the readers to refuse
    "rest the red disc on the yellow disc",
    "juggle the blocks",  # English, though not in the sentence model's vocabulary: not made "jungle"
])
def test_words_typed_right_and_names_stay(typed: str) -> None:
    assert corrected(typed) == typed


def test_a_scene_name_is_never_corrected() -> None:
    assert corrected("put bleu on red", names={"bleu", "red"}) == "put bleu on red"
    assert corrected("put bleu on red") == "put blue on red"


def test_edits_are_one_letter_apart() -> None:
    near = edits("bin")
    assert {"bn", "ibn", "bun", "bins"} <= near and "bean" not in near


def test_both_readers_read_the_word_meant() -> None:
    assert _refusal(HANOI, "put d3 on teh smalest disc").reason == "impossible"
    assert _refusal(BLOCKS, "put the orang block on red").reason == "absent-object"
    assert parse_instruction("stakc red on bleu", "blocks", BLOCKS.kinds, BLOCKS.colours) == {"(on red blue)"}


@pytest.mark.slow
def test_the_shipped_lexicon_is_what_its_command_writes() -> None:
    """``python -m agent.perception.lexicon`` wrote the shipped file from the generator and the rule reader
    as they are now."""
    assert LEXICON.read_text() == lexicon_text()
    result = subprocess.run([sys.executable, "-m", "agent.perception.lexicon", "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout
