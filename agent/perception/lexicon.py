"""Writes the spelling corrector's word list (``agent/goals/lexicon.txt``, read by ``agent.goals.spelling``):
the words the two readers know, with how often each is written.

- The network's: every word the instruction generator writes for the scenes the novelty bank is drawn from
  (the first ``BANK_SCENES`` of the ``train`` split), less the typos the grammar adds on purpose that are one
  edit from the word they stand for ("teh", "towr", "ontop"): people make them too, but they are not the
  word meant. An abbreviation ("pls") stays a word.
- The rule reader's: every word of the string constants of its modules (``agent/goals``, docstrings left
  out), which are its patterns and their word lists ("topmost", "plop"), counted once where the generator
  does not write them.

    python -m agent.perception.lexicon [--check]

``--check`` writes nothing and exits 1 where the file differs from what the generator writes now.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import Counter

from agent.goals.spelling import LEXICON, edits
from agent.perception.grammar import TYPOS
from agent.perception.novelty import BANK_SCENES, split_instructions
from policies.artifacts import atomic_path

_WORD = re.compile(r"(?<![\w])[a-z]+(?![\w])")
RULE_READER = LEXICON.parent
#: what in a pattern is no word: a character class, an escape ("\\b", "\\w")
_PATTERN_SYNTAX = re.compile(r"\[[^\]]*\]|\\[a-zA-Z]")


def rule_words() -> set[str]:
    """The words of the rule reader's string constants, docstrings, character classes (``[^aeiou]``),
    escapes (``\\bthe`` is "the") and the pieces of f-strings ("ing" of ``f"{verb}ing"``) left out, and the
    -ing forms it reads as their verbs ("stacking"); the corrector's own module is no part of the reader."""
    from agent.goals.oracle import GERUNDS

    words: set[str] = set(GERUNDS)
    for module in sorted(set(RULE_READER.glob("*.py")) - {RULE_READER / "spelling.py"}):
        tree = ast.parse(module.read_text())
        skipped = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        skipped |= {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
        texts = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                 and isinstance(node.value, str) and id(node) not in skipped]
        words |= {word for text in texts for word in re.findall(r"[a-z]+", _PATTERN_SYNTAX.sub(" ", text))}
    return words


def lexicon_text(scenes: int = BANK_SCENES) -> str:
    """The file's text: ``word count`` lines, alphabetical."""
    counts = Counter(word for text in split_instructions("train", scenes) for word in _WORD.findall(text.lower()))
    typos = {word for right, wrong in TYPOS.items() if wrong in edits(right) or wrong.replace(" ", "") ==
             right.replace(" ", "") for word in set(wrong.split()) - set(right.split())}
    counts.update({word: 1 for right, wrong in TYPOS.items() for word in wrong.split() if word not in counts
                   and word not in typos})  # an abbreviation the draws happened not to write
    counts.update({word: 1 for word in rule_words() if word not in counts})
    return "".join(f"{word} {count}\n" for word, count in sorted(counts.items()) if word not in typos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file; write nothing")
    args = parser.parse_args()
    text = lexicon_text()
    if args.check:
        same = LEXICON.is_file() and LEXICON.read_text() == text
        print(f"{LEXICON}: {'up to date' if same else 'differs from what the generator writes now'}")
        sys.exit(0 if same else 1)
    with atomic_path(LEXICON) as tmp:
        tmp.write_text(text)
    print(f"wrote {LEXICON} ({text.count(chr(10))} words)")


if __name__ == "__main__":
    main()
