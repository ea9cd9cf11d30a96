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
_LEAD_IN = re.compile(r"(^|[.!?,]\s+)(?:(?:is it possible|would it be possible|would you be so (?:good|kind) as"
                      r"|would you mind|do you mind|be so kind as)(?: for you)?(?: to)?"
                      # "if it is not too much trouble, I would be terribly grateful if you would ..."
                      r"|(?:if (?:it is|it's|its) not too much (?:trouble|bother)|if you don't mind|if possible"
                      r"|if you(?:'ve| have) got a (?:sec|second|minute|moment))"
                      r",?(?: (?:i would|i'd) be (?:\w+ )?(?:grateful|glad|happy|thankful|obliged) if you"
                      r" (?:would|could))?"
                      r"|(?:i would|i'd) be (?:\w+ )?(?:grateful|glad|happy|thankful|obliged) if you (?:would|could)"
                      # "it'd be great if the pink block ended up on ...": the state it asks for
                      r"|(?:it'd|it would|itd) be (?:great|nice|good|lovely|ideal|perfect) if)"
                      r",?\s+")
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
_WHEN_DONE = re.compile(r",?\s*(?:when|once|after) (?:(?:you(?:'re| are| re)?|ur|u r|u re|it's|it is|all is|you have"
                        r"|you've) )?(?:done|finished|through)\b,?", re.IGNORECASE)
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
                              r"(?:tower|stack|pile)\s*[,:]?\s*"
                              # what more is said of the tower before its direction, from where its sentence starts
                              # ("make a three-high tower, listed ...", "one tall tower with all five, from ..."),
                              # bounded so that a long text costs no more than a short one per start
                              r"|(?:^|(?<=[.!?] ))[^.:;,]{0,80}\b(?:tower|stack|pile)\b[^.:;]{0,80}?[,:]?\s*)?"
                              r"\b(?:(?:listed|ordered|named|read|reading|going|starting) )?"
                              r"(?:(?:going |starting )?from (?:the )?)?(top|bottom)"
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
#: an aside about when, which adds nothing to a goal ("put yellow on blue and, while you're at it, blue on yellow",
#: "on the table and, at the same time, on green")
_WHILE_AT_IT = re.compile(r",?\s*\b(?:while you(?:'re| are| re) at it|whilst you're at it|at the same (?:time|moment)"
                          r"|simultaneously)\b,?")
#: "whichever peg is the empty one": the empty peg
_WHICHEVER = re.compile(r"\bwhichever (peg|bin) is (?:the )?(empty|free|clear)(?: one)?\b")
#: how long a state is to hold, which adds nothing to a goal ("keep it on cyan the whole time", "don't move blue at
#: all")
_THROUGHOUT = re.compile(r",?\s*\b(?:the whole time|the entire time|all the time|at all times|throughout|at all)\b")
#: "keep it sitting on cyan": keep it on cyan
_KEPT_POSE = re.compile(r"\b(keep|leave) (\w+) (?:sitting|standing|resting|lying|staying) (?=on\b|in\b)")
#: "the peg in the middle", "the peg on the left": the middle peg, the left peg
_PEG_AT = re.compile(r"\bthe (peg|rod|pole|bin) (?:in|at|on) the (middle|centre|center|left|right)\b(?! of\b)")
#: an apposition that says again what the reference before it said ("the biggest disc, the cyan one, ..."):
#: left out, as it names no other object
_APPOSITION = re.compile(r"(\bthe \w+ (?:disc|disk|ring|block|cube|one)), the (?:\w+ (?:one|disc|disk|ring|block|cube),"
                         r"|one (?:on|at|to) the (?:far )?(?:left|right|back|front)(?= *[,.!]| *$))")
#: a second object told as what rests on the first ("the biggest disc on the middle peg, with the red one sitting
#: on top of it"): a clause of its own, "put the red one on it"
_WITH_ON_IT = re.compile(r",? with ((?:the )?(?:\w+ ){0,2}?\w+(?: (?:one|disc|disk|ring|block|cube))?) "
                         r"(?:(?:sitting|standing|resting|lying) )?(?:right |directly |just )?"
                         r"(?:(?:on top of|on|onto|atop) (it|that|them)\b|on top\b(?! of))")
#: a second object told as set aside on the table ("..., with the cyan block off to the side on the table")
_WITH_ASIDE = re.compile(r",? with ((?:the )?\w+(?: (?:one|block|cube))?) (?:off )?(?:to the side |aside )?"
                         r"(?:(?:sitting|standing|resting|lying) )?on the table\b")
#: the whole scene's one tower told to stay ("leave the tower where it is"): nothing to change
_TOWER_STAYS = re.compile(r"^(?:please )?(?:leave|keep) the (?:whole |entire )?(?:tower|stack|pile)"
                          r"( where it is| as it is| alone| in place| untouched| be)\s*[.!]?$")
#: the one tower told as the state it is to end in ("the whole tower should be on the left peg")
_TOWER_STATED = re.compile(r"^(?:the )?(?:whole |entire |full )?(?:tower|stack) (?:should|must|needs to|has to|is to)"
                           r" (?:be|end up|go|sit|stand)(?: over)? (?:on|onto|at|to) ")
#: every stack taken apart ("take both stacks apart"): every block on the table
_APART = re.compile(r"\b(?:take|pull) (?:both|all|all the|all of the|each of the|every) (?:stacks|towers|piles|stack"
                    r"|tower|pile) apart\b|\b(?:take|pull) apart (?:both|all|all the|all of the|every) (?:stacks|towers"
                    r"|piles|stack|tower|pile)\b")
#: the end state a whole-scene order is to reach, told after it ("unstack everything so that all five blocks are
#: sitting on the table"): a clause of its own
_SO_THAT_TABLE = re.compile(r",?\s*so (?:that )?(?:all|every|each)(?: single)?(?: \w+)?(?: blocks?| cubes?)? "
                            r"(?:are |is |ends? up |end up |will be |get )?(?:(?:sitting|lying|standing|resting) )?"
                            r"(?:directly |flat |right )?on the (?:table|ground|floor)\b")
#: "put cyan on top of that": on the object the clause before moved
_ON_THAT = re.compile(r"\b(on top of|onto|on) that\b(?=\s*(?:[.,;!]|$))")
#: a call that names what goes on top and what below ("stack(top=blue, bottom=cyan)", "on(bottom='d2', top='d1')")
_KEYWORD_CALL = re.compile(r"\b(?:stack|put|place|on|move)\(\s*(top|bottom|above|below)\s*=\s*['\"]?(\w+)['\"]?\s*,\s*"
                           r"(top|bottom|above|below)\s*=\s*['\"]?(\w+)['\"]?\s*\)\s*;?", re.IGNORECASE)
#: a reference's colour said before it ("of the three yellow cubes, take the one farthest to the left"): "the
#: yellow cube farthest to the left"
_OF_THE_COLOUR = re.compile(rf"^(?:out )?of the (?:(?:two|three|four|five|six|\d) )?({'|'.join(COLORS)}) "
                            r"(cube|block|disc|disk)s,\s*(.*?)\bthe one\b")
#: a correction in mid-sentence ("put the blue one on um no wait put the green one on yellow", "onto the red...
#: sorry, onto the blue block"): what it corrects is left out
_CORRECTION = re.compile(r"\s*(?:,|\.\.\.|\u2026|-+|\u2014)?\s*\b(?:(?:um|uh|er|erm) )?(?:no,? )?"
                         r"(?:no,? wait|wait,? no|no no|sorry|i mean|i meant|scratch that|correction|make that"
                         r"|rather)\b"
                         r"[,:]?\s*(?:-+|\u2014)?\s*")
_CORRECTED_VERB = re.compile(r"(?:put|place|move|set|stack|take|get|bring|drop|lift|slide|grab|pick up)\b")
_CORRECTED_PLACE = re.compile(r"(?:on|onto|in|into|to|on top of|under|beneath)\b")
#: every block or cube told to end on the table ("acceptance criteria: every block rests directly on the table",
#: "I want all five blocks lying flat on the table", "make sure every cube is on the table"): put there
_EVERY = (r"(?:all|every|each)(?: single)?(?: (?:two|three|four|five|six|seven|eight|\d))?(?: of)?(?: the)?"
          r" (?:blocks?|cubes?)")
_ENDS_ON_TABLE = (r"(?: (?:lying|sitting|resting|standing))?(?: directly| flat| right| separately| apart"
                  r"| side by side)? on the (?:table|ground|floor)\b")
_ALL_ON_TABLE = re.compile(rf"\b(?:(?:i want|make sure|ensure|check that) {_EVERY}(?: (?:are|is|to be|should be"
                           rf"|must be|end up|ends up))?|{_EVERY} (?:are|is|should be|must be|end up|ends up|rest|rests"
                           rf"|sit|sits|lie|lies|stand|stands)){_ENDS_ON_TABLE}")
#: "every green cube": all the green cubes
_EVERY_COLOUR = re.compile(rf"\b(?:every|each) ({'|'.join(COLORS)}) (cube|block|disc)\b")
#: no object of a kind to be moved ("don't move any cube"): nothing to be moved
_NONE_MOVED = re.compile(r"\b(do not|don't|dont|never) (move|touch|shift|lift|change) any (?:single )?"
                         r"(?:cube|block|disc|disk|ring|object|piece|thing)s?\b")
#: a reason given before or after the request ("because I need the right end free, move ..."): no goal in it
_REASON = re.compile(r"^(?:because|since|as) [^,]*,\s*|,?\s*\b(?:because|since|so that i|as i) [^,.;]*[.!]?$")
#: "a goal state: [d4 on the right peg] [d3 on the middle peg]": each bracketed item a clause
_SQUARE_ITEM = re.compile(r"\s*\[([^\[\]]*)\]\s*")
#: one object wished placed somewhere ("I'd like the purple block placed underneath itself"): put there
_WISHED_PLACED = re.compile(r"\b(?:i'd like|i would like|i want|i need) ((?:the )?\w+(?: (?:block|cube|disc|one))?) "
                            r"(?:placed|put|set|moved|stacked|balanced|sitting|resting|standing) "
                            r"(?=under\b|underneath\b|beneath\b|below\b|on\b|onto\b|in\b|into\b)")
#: every stack knocked down ("knock both towers down", "knock it all down"): every block on the table
_KNOCKED = re.compile(r"\b(?:knock|take|bring|tear|break) (?:both|all|all the|all of the|every|the two|the) (?:stacks"
                      r"|towers|piles)(?: of them)? down\b|\b(?:knock|take|bring|tear) down (?:both|all|all the|every"
                      r"|the two) (?:stacks|towers|piles)\b"
                      r"|\b(?:knock|bring|tear) (?:it|them|everything) (?:all )?down\b")
#: a reference said first and taken up by a pronoun ("the block in the middle of the tall stack, put him on the
#: table"): the reference where the pronoun stands
_FRONTED_REFERENCE = re.compile(r"^(the [a-z0-9_' -]+?),\s*(?:please |pls |can you |could you )?(put|place|move|set"
                                r"|drop|bring|take) (?:it|him|her|that one|this one) ")
#: an object and where it goes, told as two names ("Yellow cube, yellow bin!", "d2, right peg"): "put ... in ..."
_OBJECT_PLACE = re.compile(r"^(?:the )?(\w+)(?: cube| block| disc)?\s*,\s*(?:the |into the |in the |on the |to the )?"
                           r"(\w+ bin|\w+_bin|(?:left|right|middle) peg)\s*(?=[.!]|$)")
#: a spec written as keys ("cyan: on_table", "object: blue1 / target: blue_bin"): said as words
_ON_TABLE_KEY = re.compile(r"\bon_table\b")
_KEY_PLACE = re.compile(r"^(\s*-?\s*)(\w+)\s*:\s*(?=on\b|in\b|onto\b|into\b)", re.MULTILINE)
_OBJECT_TARGET = re.compile(r"\bobject\s*:\s*['\"]?(\w+(?: cube| block| disc)?)['\"]?\s*[,;\n]\s*(?:-\s*)?"
                            r"(?:target|destination|dest|to|place|location|goal)\s*:\s*['\"]?(\w+)['\"]?")
_SPEC_HEAD = re.compile(r"^\s*(?:-\s*)?(?:goal|goals|action|task|target state|end state)\s*:\s*(?:place|move|put)?\s*$",
                        re.MULTILINE)
#: "as one little stack", "with the smaller one on top": how discs moved together end up, which their order says
_AS_ONE_STACK = re.compile(r",?\s*\bas (?:one|a) (?:little |small |single )?(?:stack|tower|pile)\b"
                           r"|,?\s*\b(?:with|keeping|and keep) the (?:smaller|smallest|littler|tinier)(?: one| disc)? "
                           r"(?:on top|at the top)\b")
#: "the top three discs": the smallest three (a Hanoi tower has the smallest on top)
_TOP_DISCS = re.compile(r"\bthe top (two|three|four|five|2|3|4|5) (discs|disks|rings)\b")
#: "the" as typed in a hurry
_THE = re.compile(r"\b(?:da|teh|th)\b")
#: one object told as what bears another ("green supports pink", "i want green to carry pink", "blue should hold up
#: red"): the other put on it. "carry" alone is also a verb of moving ("carry d1 across to right"), so it is read
#: this way only after a wish or a modal, or with its third person's "s"
_BORNE = r"((?:the )?\w+(?: (?:block|cube|disc|one))?)"
_BEARER = r"((?:\w+ ){0,6}?\w+)"
_BEARS = re.compile(r"(^|[,;.!?]\s*|\b(?:and|then) )"
                    rf"(?:(?:i want|i'd like|i would like|have|let|make|get) {_BEARER} (?:to )?"
                    r"(?:support|carry|bear|hold up|prop up)"
                    rf"|{_BEARER} (?:should|must|needs to|has to|is to|shall) (?:support|carry|bear|hold up|prop up)"
                    rf"|{_BEARER} (?:supports|carries|bears|holds up|props up)) {_BORNE}\b")


def plain(text: str) -> str:
    """``text`` lowercased, with the forms people type that say what the reader's own words say:
    - calls written as code ("d4.moveTo('right')", "stack(top=blue, bottom=cyan)") as "put d4 on right";
    - steps on lines of their own, numbered in one line or in square brackets as clauses, a tower's direction said
      after its list;
    - "of the yellow cubes, ... the one" for "the yellow cube", "right on top of" for "on top of", "the peg with
      nothing on it" for "the empty peg", "the rightmost peg" and "the peg on the right" for "the right peg",
      "nearest the left edge" for "on the far left", plates for discs, other nouns for bins and pegs,
      "right-hand" for "right", "every green cube" for "all the green cubes", "da" for "the", "the lone block"
      for "the block", "whatever's on X" for "the one that is on X", an article before a reference that starts
      with its adjective, a reference said first and taken up by "it" ("the top block, put it on red") where
      "it" stands;
    - no aside in brackets, no apposition ("the biggest disc, the cyan one,"), no polite lead-in ("if it is not
      too much trouble, I would be grateful if you would"), no reason ("because ..."), no "when you're done" or
      "the whole time", and no words a correction takes back ("put blue on um no wait put green on yellow");
    - arrows and colons before a place for "to", "without moving it" as keeping it, "keep X sitting on Y" for
      "keep X on Y", "don't move any cube" for "don't move anything";
    - "X supports Y" and "I want X to carry Y" for "put Y on X", "I'd like X placed under Y" for "put X under Y",
      "X on Y, with Z on top of it" as a clause "put Z on it", "on top of that" for "on top of it";
    - no "while you're at it" or "at the same time", "whichever peg is the empty one" for "the empty peg";
    - "leave the tower where it is" for "leave everything where it is", "the tower should be on P" for "move the
      tower to P", "take both stacks apart" and "knock both towers down" for "unstack everything", "every block
      rests on the table" for "put every block on the table", and "... so that every block is on the table" as
      a clause of its own."""
    text = _OBJECT_TARGET.sub(r"put \1 to \2", _KEY_PLACE.sub(r"\1\2 ", _ON_TABLE_KEY.sub("on the table", text)))
    text = _SPEC_HEAD.sub("", _KEYWORD_CALL.sub(_keyword_call, text.strip())).strip()
    text = _FUNCTION_CALL.sub(r"put \1 on \2, ", _METHOD_CALL.sub(r"put \1 on \2, ", text.strip())).strip(" ,")
    numbered = len(_INLINE_STEP.findall(text)) >= 2  # counted before a first step's number is taken as a line's
    text = _STEP.sub(", ", _ASIDE.sub("", text)).lower().strip(" ,")
    if numbered:
        text = _INLINE_STEP.sub(", ", text).strip(" ,")
    text = _corrected(_SQUARE_ITEM.sub(r", \1, ", text)).strip(" ,")
    text = _REASON.sub("", text)
    text = _DIRECTION_FIRST.sub(_direction_after, text)
    text = _DISC_NOUNS.sub(r"disc\1", _RIGHT_ADVERB.sub("", text))
    text = _WITHOUT.sub(r"and keep \1 where it is", _WHEN_DONE.sub("", text))
    text = _LEAD_IN.sub(r"\1", _LEAD_IN.sub(r"\1", text))  # a lead-in may follow another
    text = _HAND.sub(r"\1", _ARROW.sub(" to ", _COLON_PLACE.sub(r"\1 to ", text)))
    text = _PLACE_NOUNS.sub(lambda m: ("bin" if m.group(1) else "peg") + m.group(3), text)
    text = _SIDE_PEG.sub(r"\1 \2", _NOTHING_ON_IT.sub(r"\1 empty \2", text))
    text = _EDGE.sub(lambda m: f"on the far {m.group(1)}" if m.group(1) else m.group(2), text)
    text = re.sub(r"\bthe (?:lone|single|sole|only) ", "the ", _THE.sub("the", text))
    text = _WHATEVER.sub(lambda m: f"the one {m.group(1) or 'that is'} ", text)
    text = _OF_THE_COLOUR.sub(r"\3the \1 \2", _TOP_DISCS.sub(r"the \1 smallest \2", _AS_ONE_STACK.sub("", text)))
    text = _OBJECT_PLACE.sub(r"put \1 to \2", text)
    text = _SO_THAT_TABLE.sub(" and put every block on the table",
                              _KNOCKED.sub("unstack everything", _APART.sub("unstack everything", text)))
    text = _NONE_MOVED.sub(r"\1 \2 anything", _ALL_ON_TABLE.sub("put every block on the table", text))
    text = _EVERY_COLOUR.sub(r"all the \1 \2s", text)
    text = _FRONTED_REFERENCE.sub(r"\2 \1 ", _WISHED_PLACED.sub(r"put \1 ", text))
    text = _ON_THAT.sub(r"\1 it", text)
    text = _TOWER_STATED.sub("move the tower to ", _TOWER_STAYS.sub(r"leave everything\1", text))
    text = _APPOSITION.sub(r"\1", _PEG_AT.sub(r"the \2 \1", text))
    text = _WITH_ON_IT.sub(lambda m: f", and put {m.group(1)} on {m.group(2) or 'it'}", text)
    text = _WITH_ASIDE.sub(r", and put \1 on the table", text)
    text = _BEARS.sub(_borne, _KEPT_POSE.sub(r"\1 \2 ", _THROUGHOUT.sub("", text)))
    text = _WHICHEVER.sub(r"the \2 \1", _WHILE_AT_IT.sub(" ", text))
    return _BARE_START.sub(r"\1the ", text)


def unsaid(text: str) -> str:
    """``text`` without what a correction takes back ("onto the red... sorry, onto the blue block") and without
    "when you're done" before the request: the words the checks of ``agent.goals.refusal`` should see."""
    return _WHEN_DONE.sub("", _corrected(text)).strip(" ,")


def _corrected(text: str) -> str:
    """``text`` with what a correction corrects left out: where the words after it start with a verb, the clause
    before it from its verb on ("put blue on um no wait put green on yellow"); where they start with a place,
    the place before it ("onto the red... sorry, onto the blue block")."""
    while (found := _CORRECTION.search(text)) is not None and found.start() > 0:
        before, after = text[:found.start()], text[found.end():]
        if _CORRECTED_VERB.match(after):
            starts = [m.start() for m in re.finditer(rf"\b{_CORRECTED_VERB.pattern}", before)]
        elif _CORRECTED_PLACE.match(after):
            starts = [m.start() for m in re.finditer(rf"\b{_CORRECTED_PLACE.pattern}", before)]
        else:
            return text
        if not starts:
            return text
        text = before[:starts[-1]] + after
    return text


def _keyword_call(match: re.Match[str]) -> str:
    """"stack(top=blue, bottom=cyan)" as "put blue on cyan", whichever keyword comes first."""
    said = {match.group(1).lower(): match.group(2), match.group(3).lower(): match.group(4)}
    upper = said.get("top", said.get("above"))
    lower = said.get("bottom", said.get("below"))
    return f"put {upper} on {lower}, " if upper and lower else match.group(0)


def _borne(match: re.Match[str]) -> str:
    """"Green supports pink" as "put pink on green"."""
    bearer = next(g for g in match.groups()[1:4] if g)
    return f"{match.group(1)}put {match.group(5)} on {bearer}"


def _direction_after(match: re.Match[str]) -> str:
    """"From top to bottom: blue, cyan, green" as "stack blue cyan green from the top down"."""
    listed = re.sub(r"\s*,\s*|\s+and\s+", " ", match.group(2))
    return f"stack {listed} from the {match.group(1)} {'down' if match.group(1) == 'top' else 'up'}"
