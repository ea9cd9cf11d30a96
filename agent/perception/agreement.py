"""Whether a reading moves as many objects as the words refer to: one reference, several objects, is ambiguous.

GoalNet scores every object's pair on its own, so a reference that fits several objects ("the blue block"
among blue1, blue2 and blue3; "it" among the cubes) does not come out as a close runner-up but as all of them
going to the same place, each at a high probability: the reading of "all the blue cubes". That reading is
right when the words are plural and a guess when they are singular. The grammatical number of the words
tells the two apart: an instruction with no plural noun and no quantifier ("all", "every", "each", "sort"
...) asks for one object per reference; where its reading sends two or more objects of one colour that it
does not name onto one support, and the words describe a thing by that colour ("the blue block"), that
reference fit several objects alike, and the robot would have to guess which one was meant ("the red cube
and the blue cube" are two references, and are not in doubt; nor is "blue bin is for the green cube" read
as the blue cubes, a misreading whose colour the words give to no cube).
"one of the blue cubes" is singular too. Objects the instruction names ("put red1 and red2 in the bin") are
not in doubt.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from agent.goals.refusal import SUPPORT_PREDICATES
from agent.planning.atoms import parse_atom
from envs.errors import Refusal

#: words that make an instruction ask for several objects: quantifiers, plural pronouns, plural kind nouns
#: (the tasks' "cubes", "blocks", "discs" and the "ones" that stands for them), and the verbs of many
_PLURAL = re.compile(r"\b(?:all|every|each|both|everything|anything|them|they|those|these|their|sort|empty"
                     r"|cubes|blocks|discs|disks|ones|things|objects|pieces)\b")
_ONE_OF = re.compile(r"\bone of\b")
#: the nouns a colour describes a movable object with ("the blue block", "the blue one", "the blue cubes")
_NOUNS = "cubes?|blocks?|discs?|disks?|ones?"


def check_number(text: str, goal: Iterable[str], colours: Mapping[str, str]) -> None:
    """Refuse (ambiguous) a reading of singular words that moves several objects of one colour (``colours``:
    each object's) that it does not name onto one support, where the words describe a thing by that colour."""
    words = text.lower()
    if _PLURAL.search(words) and not _ONE_OF.search(words):
        return
    said = set(re.findall(r"[a-z0-9_]+", words))
    alike: dict[tuple[str, str], list[str]] = defaultdict(list)
    for atom in goal:
        predicate, args = parse_atom(atom)
        if predicate in SUPPORT_PREDICATES and args[0] not in said:
            support = args[1] if len(args) > 1 else "the table"
            alike[support, colours.get(args[0], "")].append(args[0])
    for (support, colour), objects in sorted(alike.items()):
        if len(objects) >= 2 and colour and re.search(rf"\b{colour} (?:{_NOUNS})\b", words):
            raise Refusal("ambiguous", f"the words refer to one object, and {', '.join(sorted(objects))} "
                                       f"({colour}) all fit, each read to go on {support}: say which")
