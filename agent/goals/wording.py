"""What people type, said in the rule reader's own words, before it reads an instruction.

People write steps on lines of their own, arrows, asides in brackets, other nouns for bins and pegs, polite
lead-ins and adjectives without their article; the rule reader's forms (``agent.goals.oracle``) and phrases
(``agent.goals.descriptions``) are written for one plain sentence. ``plain`` rewrites the first into the
second, so that each form is written once; it adds no meaning and drops only what says none (an aside, "when
you're done", "is it possible for you to").
"""

from __future__ import annotations

import re

from envs.scenes.base import COLORS

#: an arrow between an object and where it goes ("orange -> blue", "yellow one → yellow bin")
_ARROW = re.compile(r"\s*(?:->|-->|=>|\u2192|\u279c|\u2794|\u21d2)\s*")
#: other nouns for the kinds of place ("the green basket", "the right-hand spike")
_PLACE_NOUNS = re.compile(r"\b(?:(basket|container|tray|box)|(spike|post|spindle|pin))(s?)\b")
#: "right-hand", "left hand side": the side
_HAND = re.compile(r"\b(left|right)[- ]hand(?: side)?\b")
#: a size, an order or a place said without its article where a reference starts ("Largest disk onto the right
#: peg", "2nd largest one goes right", "top disc: left peg"): the article added, so the phrase reads as with it
_BARE_START = re.compile(r"(^|[,;:.!?]\s*|\b(?:and|then) )(?=(?:largest|biggest|smallest|tiniest|littlest|second|third"
                         r"|fourth|2nd|3rd|4th|top|bottom|topmost|leftmost|rightmost|tiny|little|big|small|large|medium"
                         rf"|middle|centre|center|{'|'.join(COLORS)})\b[- ]?\w*[ -]"
                         r"(?:disc|disk|ring|one|block|cube|piece)s?\b)")
#: a request's polite lead-in before its verb ("is it possible for you to", "would you be so kind as to")
_LEAD_IN = re.compile(r"^(?:is it possible|would it be possible|would you be so (?:good|kind) as|would you mind"
                      r"|do you mind|be so kind as)(?: for you)?(?: to)?\s+")
#: a colon between an object and a place ("smallest disk: right peg"): "to"
_COLON_PLACE = re.compile(r"(\w) ?: (?=(?:the )?(?:left|right|middle|centre|center|\w+ bin|\w+ peg|table)\b)")
#: "whatever's on top of the stack", "whatever is sitting on orange": the object there
_WHATEVER = re.compile(r"\bwhat(?:ever)?(?:'s|\u2019s| s| is)(?: (sitting|standing|resting|lying))?"
                       r" (?=on\b|atop\b|at the\b)")
#: a list of steps: a line break, and the number or bullet a step starts with ("1) ...", "- ...", "2. ...")
_STEP = re.compile(r"\s*\n\s*(?:(?:\d+[.)]|[-*\u2022])\s+)?|^\s*(?:\d+[.)]|[-*\u2022])\s+")
#: an aside in brackets ("move purple (not pink, the one under it) onto orange"): what it adds is left out
_ASIDE = re.compile(r"\s*\([^()]*\)")
#: when the goal is to hold ("... when you're done"), said after it
_WHEN_DONE = re.compile(r",?\s*(?:when|once|after) (?:you(?:'re| are| re)?|ur|u r|u re) (?:done|finished|through)\b")
#: "without moving it": the object stays where it is
_WITHOUT = re.compile(r"\bwithout (?:moving|touching|lifting|shifting) (it|them|\w+)")
#: steps numbered in one line ("1. cyan on the table 2. yellow on cyan"): each number starts a clause
_INLINE_STEP = re.compile(r"(?:^|(?<=\s))[1-9][.)]\s+")
#: "right on top of it", "right onto blue": "right" says exactly, not the right peg
_RIGHT_ADVERB = re.compile(r"(?<!\bthe )\bright (?=on top of\b|onto\b|on\b|atop\b|above\b|over\b|under\b|beneath\b"
                           r"|below\b|next to\b)")
#: "the peg that has nothing on it", "a bin with nothing in it": the empty one
_NOTHING_ON_IT = re.compile(r"\b(the|a|an) (peg|bin)s? (?:that (?:has|holds|s got)|which (?:has|holds)|with) "
                            r"(?:nothing|no (?:discs?|disks?|rings?|cubes?|blocks?)) (?:on|in) (?:it|them)\b")
#: "nearest the left edge", "at the right end of the picture": the far side
_EDGE = re.compile(r"\b(?:nearest|closest to|at|on|by) the (left|right) (?:edge|end|side)(?: of the (?:table|picture"
                   r"|image|photo|scene|row))?\b|\b(far (?:left|right)) of the (?:table|picture|image|photo|scene)\b")
#: "plate", "plates" for the discs of Hanoi
_DISC_NOUNS = re.compile(r"\b(?:plate|platter|donut|doughnut|washer)(s?)\b")
#: a tower told as a list after its direction ("from top to bottom: blue, cyan, green"): the direction after it,
#: as the rule reader's form takes it ("stack blue cyan green from the top down")
_DIRECTION_FIRST = re.compile(r"(?:\b(?:i(?:'d| would) like|i want|make|build)?\s*(?:a |one )?(?:single |tall |big )?"
                              r"(?:tower|stack|pile)\s*[,:]?\s*)?"
                              r"\b(?:(?:going |starting )?from (?:the )?)?(top|bottom)"
                              r"(?: (?:to|down to|up to) (?:the )?(?:bottom|top)| up| down| first)"
                              r"\s*:\s*(.+?)\s*[.!]?$")
#: "the rightmost peg": Hanoi's pegs are named by their side
_SIDE_PEG = re.compile(r"\b(left|right)-?most (peg|rod|pole)\b")
#: a call, as a programmer types one: "d4.moveTo('right')", "move(d1, 'middle')", "put(red, on=blue)"
_METHOD_CALL = re.compile(r"\b(\w+)\.(?:move[_ ]?to|put[_ ]?on|place[_ ]?on|go[_ ]?to|stack[_ ]?on|set[_ ]?on)"
                          r"\(\s*['\"]?(\w+)['\"]?\s*\)\s*;?", re.IGNORECASE)
_FUNCTION_CALL = re.compile(r"\b(?:move|put|place|stack|set|on)\(\s*['\"]?(\w+)['\"]?\s*,\s*"
                            r"(?:(?:to|on|onto|target|dest|destination)\s*=\s*)?['\"]?(\w+)['\"]?\s*\)\s*;?",
                            re.IGNORECASE)
#: "the" as typed in a hurry
_THE = re.compile(r"\b(?:da|teh|th)\b")


def plain(text: str) -> str:
    """``text`` lowercased, with the forms people type that say what the reader's own words say: calls written as
    code ("d4.moveTo('right')") as "put d4 on right", steps on lines of their own or numbered in one line as
    clauses, a tower's direction said after its list, "right on top of" for "on top of", "the peg with nothing on
    it" for "the empty peg", "the rightmost peg" for "the right peg", "nearest the left edge" for "on the far
    left", plates for discs, no aside in brackets, arrows and colons before a place for "to", other nouns for
    bins and pegs, "right-hand" for "right", "without moving it" as keeping it, no polite lead-in before the verb
    nor "when you're done" after the goal, "da" for "the", "the lone block" for "the block", "whatever's on X"
    for "the one that is on X", and an article before a reference that starts with its adjective."""
    text = _FUNCTION_CALL.sub(r"put \1 on \2, ", _METHOD_CALL.sub(r"put \1 on \2, ", text.strip())).strip(" ,")
    text = _STEP.sub(", ", _ASIDE.sub("", text)).lower().strip(" ,")
    if len(_INLINE_STEP.findall(text)) >= 2:
        text = _INLINE_STEP.sub(", ", text).strip(" ,")
    text = _DIRECTION_FIRST.sub(_direction_after, text)
    text = _DISC_NOUNS.sub(r"disc\1", _RIGHT_ADVERB.sub("", text))
    text = _WITHOUT.sub(r"and keep \1 where it is", _WHEN_DONE.sub("", text))
    text = _HAND.sub(r"\1", _ARROW.sub(" to ", _COLON_PLACE.sub(r"\1 to ", _LEAD_IN.sub("", text))))
    text = _PLACE_NOUNS.sub(lambda m: ("bin" if m.group(1) else "peg") + m.group(3), text)
    text = _SIDE_PEG.sub(r"\1 \2", _NOTHING_ON_IT.sub(r"\1 empty \2", text))
    text = _EDGE.sub(lambda m: f"on the far {m.group(1)}" if m.group(1) else m.group(2), text)
    text = re.sub(r"\bthe (?:lone|single|sole|only) ", "the ", _THE.sub("the", text))
    text = _WHATEVER.sub(lambda m: f"the one {m.group(1) or 'that is'} ", text)
    return _BARE_START.sub(r"\1the ", text)


def _direction_after(match: re.Match[str]) -> str:
    """"From top to bottom: blue, cyan, green" as "stack blue cyan green from the top down"."""
    listed = re.sub(r"\s*,\s*|\s+and\s+", " ", match.group(2))
    return f"stack {listed} from the {match.group(1)} {'down' if match.group(1) == 'top' else 'up'}"
