"""References told by a phrase ("the top block of the tallest stack", "the cube on the left", "the big disc"),
resolved against the scene: which objects each phrase fits.

A slot of the rule reader's forms takes one word (``agent.goals.references``). A phrase that narrows a
reference by where the object stands is more than one word, so it is found first, its fits computed from the
detected state and the objects' positions, and the phrase written as one marker word (``phrase_0``) that
``resolve`` then treats like any other word: one fit is the object, several are ``ambiguous``. What the
phrase fits comes from the scene, not the words:

- a stack is a pile of movable objects from the one on the table or a peg up; "the stack" means the piles of
  two or more (every pile where none has two), narrowed by "tallest", "shortest" (their height: a tie fits
  both); "the leftmost stack", "the rightmost stack" is the pile whose bottom is furthest that way, one
  block alone included as the instruction generator counts it (a tie within ``MARGIN`` fits both); "the
  taller stack" is the tallest; its "top" / "bottom" object is the pile's last / first, and so is that of "the
  disc at the (very) bottom"; "the second block from the top" and "the block second from the bottom (of the left
  stack)" count from that end of each stack that is tall enough;
- "the block on the table" fits every block that stands on the table;
- "the left block", "the cube on the left", "the leftmost one" fit the objects of the kind whose place left
  to right is within ``MARGIN`` of the extreme one (the generator's own bar for a position: a tie is two);
  with a colour ("the leftmost red cube", "the green cube on the far left"), among the objects of that colour;
  "the middle block" fits the middle one of the kind from left to right (two where their count is even);
  "the second block from the left" / "the block that is third from the right" fit the objects at that place
  counted from that side, where objects within ``MARGIN`` across the table share a place (a stack is one);
- "the cube behind the blue one", "the yellow cube in front of green1" fit the nearest objects of the kind (and
  colour) within ``COLUMN`` of the named one across the table and further back (or nearer the robot);
- "the block between orange and blue" fits the objects of the kind across the table between the two, further
  in than ``MARGIN`` from each;
- "the big disc" / "the small disc" fit every disc bigger / smaller than another (Hanoi discs are numbered by
  size): one disc of two, several of three or more, where only a superlative picks one;
- "the medium-sized disc" fits the disc in the middle of the size order (two where the count is even), "the
  second smallest disc" the one after the smallest, "the smaller of the two biggest discs" the second biggest;
- a size word for blocks or cubes ("the smaller block") fits those no other is bigger / smaller than by the
  state's ``smaller`` facts: blocks have none, so all of them; "the wooden block" fits the blocks the state
  does not call ``heavy`` (metal), "the metal block" those it does;
- "the cube closest to you", "the red cube at the back", "the back cube" fit the objects of the kind (and
  colour) within ``MARGIN`` of the nearest to the robot or the farthest: by distance from its base ("closest",
  "farthest") or by depth ("front", "back");
- "the block under pink" fits what pink stands on, "the block that sits on orange" what stands on orange;
- "the cube nearest the green bin", "the block closest to blue", "the block next to green" fit the objects of
  the kind within ``MARGIN`` of the nearest to the named one, across the table (two neighbours as near, one
  each side, are both fits);
- "the block sitting by itself", "the block that isn't part of any stack" fit the blocks alone on the table;
- "on top of the tower" is a place: on the top object of the tower.

A phrase after its noun that could also be where the object goes ("put the block on the table") counts as a
description only where a relative word comes before it ("that is", "sitting"), another place follows it
in the clause ("put the block on the table onto pink"), or the noun is itself where something goes ("put
pink onto the block on the right"). Positions are ``(x, y, ...)`` in the world frame;
left in the camera's image is smaller ``y``. Without positions, no phrase of place is marked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence

from agent.planning.atoms import parse_atom

#: how much further (m) than the runner-up an object must be to be "the leftmost" (``language.MARGIN``)
MARGIN = 0.03
#: the kinds a pile is made of, and the kinds each noun of a phrase means
_MOVABLE = ("block", "cube", "disc")
_NOUN_KINDS = {"block": ("block", "cube"), "cube": ("cube", "block"), "disc": ("disc",), "disk": ("disc",),
               "one": _MOVABLE, "piece": _MOVABLE, "bin": ("bin",), "box": ("bin",)}
_NOUN = r"(block|cube|disc|disk|one|piece)"
_PLACED_NOUN = r"(block|cube|disc|disk|one|piece|bin|box)"
_STACK = r"(?:stack|tower|pile)"
_WHICH = (r"(?:(tallest|highest|taller|higher|tall|high|shortest|lowest|little|small|smaller|short|shorter|leftmost"
          r"|left-most|left|rightmost"
          r"|right-most|right"
          r"|(?:two|three|four|five|six|2|3|4|5|6)[- ](?:block|cube|disc|disk|high|tall)) )?")
#: "the two-block stack", "the three high tower": a stack by its height
_HEIGHTS = {"two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4, "five": 5, "5": 5, "six": 6, "6": 6}
_TOP = {"top", "topmost", "highest", "uppermost", "upper"}
#: the pegs' names, and other words for the middle one
_PEGS = {"centre": "middle", "center": "middle"}
_END = r"(top|topmost|highest|uppermost|upper|bottom|bottommost|lowest|lower)"
_RELATIVE = (r"(?:(?:that's|that is|which is|that s) (?:sitting|standing|resting|lying) (?:directly )?"
             r"|(?:that|which) (?:is|sits|stands|rests|lies) (?:directly )?|that's "
             r"|(?:sitting|standing|resting|lying) )?")
_SIDE = r"(leftmost|left-most|left|rightmost|right-most|right)"
#: words that end in a place word ("put pink onto"): the phrase after them is where something goes
_ENDS_IN_PLACE = re.compile(r"\b(?:on|onto|in|into|to|atop|on top of)\s+$")
#: a verb that takes an object up ("grab the block on top"): the phrase after it says which, not where it goes
_TAKEN = re.compile(r"\b(?:grab|take|pick up|pick|lift|remove|fetch|get)\s+$")
#: a word that leaves what follows out ("every cube except the one nearest the robot")
_EXCEPTED = re.compile(r"\b(?:except|but|apart from|other than|besides|save)\s+$")
#: the rest of a clause, and a place word in it
_CLAUSE_END = re.compile(r"[,;.!?]|\b(?:and|then)\b")
_PLACE = re.compile(r"\b(?:on|onto|in|into|to|inside)\b")

#: "the top block of the tallest stack", "the bottom cube in the pile"
_END_OF_STACK = re.compile(rf"(?<!\bat )(?<!\bon )(?<!\bfrom )\bthe {_END} "
                           rf"(?:{_NOUN} (?:of|in|on|from|off)|(?:one )?of) the {_WHICH}{_STACK}\b")
#: "the block at the top of the stack", "the block on top of the leftmost tower"
_AT_END_OF_STACK = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(at|on) (?:the )?(?:very )?(top|bottom) of the "
                              rf"{_WHICH}{_STACK}\b")
#: "the block on top" (of no object: the top of a stack)
_ON_TOP = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:on top|at the (?:very )?top)\b(?! of)")
#: "the second block from the top", "the third one from the bottom of the tallest tower": a place in a stack
_FROM_END = re.compile(rf"\bthe (second|third|fourth|fifth|2nd|3rd|4th|5th) (?:{_NOUN} )?from the (top|bottom)"
                       rf"(?: of the {_WHICH}{_STACK})?\b")
#: "the block second from the bottom", "the disc that is third from the top": the same, the noun said first
_FROM_END_AFTER = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(second|third|fourth|fifth|2nd|3rd|4th|5th) from the "
                             rf"(top|bottom)(?: (?:of|in|on) the {_WHICH}{_STACK})?\b")
#: "the second block from the left", "the block that is second from the right": the objects of the place that
#: far along the table from that side, places within ``MARGIN`` across the table being one (a stack is one place)
_FROM_SIDE = re.compile(rf"\bthe (second|third|fourth|fifth|2nd|3rd|4th|5th) (?:(\w+) )?{_PLACED_NOUN} from the "
                        r"(left|right)\b(?! (?:peg|rod|pole|bin|box)\b)")
_FROM_SIDE_AFTER = re.compile(rf"\bthe (?:(\w+) )?{_PLACED_NOUN} ({_RELATIVE})(second|third|fourth|fifth|2nd|3rd|4th"
                              r"|5th) from the (left|right)\b(?! (?:peg|rod|pole|bin|box)\b)")
#: "the disc on the left peg", "the discs that are on the middle peg": every disc of the pile on that peg (not only
#: the one right on it: people count the whole pile); "the top disc of the left peg", "the disc at the bottom of
#: the right peg": the pile's end ("on the left peg" describes only as a phrase after its noun does: "put the top
#: disc on the right peg" says where it goes)
_ON_PEG = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:on|at|of) the (left|middle|right|centre|center) "
                     r"(?:peg|rod|pole)\b")
_END_OF_PEG = re.compile(rf"\bthe (?:{_END} {_NOUN} (?:of|on|at) the |{_NOUN} (?:at the (?:very )?|on ){_END} of the )"
                         r"(left|middle|right|centre|center) (?:peg|rod|pole)\b")
#: "the block in the middle of the tower": the middle of a stack (two where its height is even)
_MIDDLE_OF_STACK = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})in the (?:very )?(?:middle|centre|center) of the "
                              rf"{_WHICH}{_STACK}\b")
#: "the blue cube in the middle of the table", "the red cube in the middle of the three": nearest the table's
#: centre line, or the middle one of its kind (and colour) from left to right
_MIDDLE = re.compile(rf"\bthe (?:(\w+) )?{_PLACED_NOUN} ({_RELATIVE})in the (?:very )?(?:middle|centre|center)"
                     r"(?: of the (table|row|line|three|five|seven|3|5|7)| of them)?\b(?! of)")
#: "the block to the left of yellow": the nearest of its kind on that side of a named object
_BESIDE = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:directly |just |immediately )?(?:to the |on the )?"
                     r"(left|right) of (?:the )?(\w+)\b")
#: "the middle block", "the centre cube": the middle one of the kind from left to right (two where the count is
#: even, none of fewer than three)
_MIDDLE_FIRST = re.compile(r"\bthe (?:(\w+) )?(?:middle|centre|center) (block|cube)\b(?! (?:of|in|on) the\b)")
#: "the block between orange and blue", "the cube that sits between red1 and the green cube": the objects of a kind
#: across the table between two named ones
_BETWEEN = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:right |just |directly )?(?:in )?between (?:the )?(\w+)"
                      r"(?: (?:block|cube|disc|disk|one))? and (?:the )?(\w+)\b")
#: "the cube directly behind the blue one", "the yellow cube that's in front of green1": the nearest object of the
#: kind (and colour) in the same column across the table, further from the robot (behind) or nearer (in front)
_BEHIND = re.compile(rf"\bthe (?:(\w+) )?{_PLACED_NOUN} ({_RELATIVE})(?:directly |right |just |immediately )?"
                     r"(behind|in front of) (?:the )?(\w+)(?: (?:block|cube|disc|disk|one))?\b")
#: how far apart across the table (m) two objects may stand and be one behind the other (cubes are 4 cm wide)
COLUMN = 0.05
#: "everything in the front row", "the two cubes in the back row", "all the red cubes at the back": several
#: objects by their row, written out as their names ("green2 and yellow1") for the rule reader's lists
_ROW = re.compile(r"\b(?:everything|all(?: of)?(?: the)?(?: (\w+))? (?:cubes|blocks|ones)"
                  r"|both (?:of )?the (?:cubes|blocks)"
                  r"|the (?:(two|three|four|2|3|4) )?(?:(\w+) )?(?:cubes|blocks|ones))"
                  r"(?: that are| which are| sitting| standing)? (?:in the (front|back) row|at the (front|back))\b")
_ROW_COUNTS = {"two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4}
#: "the block on the table", "the block that is on the table"
_ON_TABLE = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})on the table\b")
#: "the left block", "the leftmost bin", "the leftmost red cube" (of that colour)
_SIDE_FIRST = re.compile(rf"\bthe {_SIDE} (?:(\w+) )?{_PLACED_NOUN}\b")
#: "the cube on the left", "the block furthest to the right", "the green cube on the far left"
_SIDE_AFTER = re.compile(rf"\bthe (?:(\w+) )?{_PLACED_NOUN} ({_RELATIVE})(?:(?:over )?(?:on|to|at) the (?:far )?"
                         r"|(?:furthest|farthest|most)(?: to the)? |all the way (?:on|to|at) the )"
                         rf"{_SIDE}\b(?: (?:hand )?side| edge| end)?(?: of the (?:table|picture|image|row))?"
                         r"(?! (?:peg|rod|pole|bin|box|of)\b)")
#: "the cube closest to you", "the red cube at the back", "the yellow cube that's farther from you", "the back cube":
#: the nearest to the robot or the farthest, of that colour where one is said: by distance from the robot's base
#: (as the instruction generator measures it, ``language.distance_to_robot``), or for "front" and "back" by
#: depth alone (``x``)
_NEAR_YOU = (r"(?:closest|nearest)(?: to)? (?:you|me|the robot)|(?:at|in) the front(?: row)?|in front"
             r"|(?:farthest|furthest|farther|further)(?: away)? from (?:you|me|the robot)|(?:at|in) the back(?: row)?"
             r"|(?:farthest|furthest|farther|further) (?:back|away)")
_DEPTH_AFTER = re.compile(rf"\bthe (?:(\w+) )?{_PLACED_NOUN} ({_RELATIVE})({_NEAR_YOU})\b")
_DEPTH_FIRST = re.compile(rf"\bthe (front|back|front-row|back-row|nearest|closest|farthest|furthest) (?:(\w+) )?"
                          rf"{_PLACED_NOUN}\b(?! (?:to|from) )")  # "the nearest block to pink" is another's
#: "the big disc", "the smaller disk", "the little one" (in a scene of discs only)
_SIZE = re.compile(r"\bthe (big|bigger|large|larger|small|smaller|little) (disc|disk|ring|one)\b")
_BIG = {"big", "bigger", "large", "larger"}
#: "the medium-sized disc": the disc(s) in the middle of the size order (two where the count is even)
_MEDIUM = re.compile(r"\bthe (?:(?:medium|mid)(?:[- ]sized?)? (?:disc|disk|ring|one)"
                     r"|middle(?:[- ]sized?)? (?:disc|disk|ring)|middle[- ]sized one)\b")  # "the middle one": a peg
#: "the second smallest disc", "the 2nd largest disk", "the third biggest ring"
_ORDINAL = re.compile(r"\bthe (second|third|fourth|fifth|2nd|3rd|4th|5th)[- ]"
                      r"(smallest|tiniest|littlest|biggest|largest)(?: (disc|disk|ring|one))?\b")
#: "the smaller of the two biggest discs", "the larger one of the three smallest rings"
_OF_EXTREMES = re.compile(r"\bthe (smaller|tinier|littler|larger|bigger) (?:one )?of the (two|three|four|2|3|4) "
                          r"(smallest|tiniest|littlest|biggest|largest) (?:discs|disks|rings|ones)\b")
_COUNTS = {"two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4}
#: "the disc at the very bottom", "the block at the bottom" (of no object: the bottom of a stack)
_AT_BOTTOM = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:at|on) the (?:very )?bottom\b(?! of)")
_ORDINALS = {"second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4}
#: "the smaller block", "the biggest cube", "the big one": a size among objects the scene may say nothing of the
#: sizes of
_BLOCK_SIZE = re.compile(r"\bthe (big|bigger|biggest|large|larger|largest|small|smaller|smallest|little|tiny|tinier"
                         r"|tiniest) (block|cube|one|piece)\b")
#: "the wooden block", "the metal cube": a block by its material, which the state tells (``heavy``: metal)
_MATERIAL = re.compile(r"\bthe (wooden|wood|metal|metallic) (block|cube)\b")
#: "the block under pink", "the block that sits on orange": a block narrowed by what it stands on or under
_UNDER = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:directly |just |right |immediately )?(?:under|below|beneath"
                    r"|underneath) (?:the )?(\w+)\b")
_ON_OBJECT = re.compile(rf"\bthe {_NOUN} ({_RELATIVE})(?:directly )?(?:on top of|on|atop|above) (?:the )?(\w+)\b")
#: "the block sitting by itself", "the block that's standing all alone", "the block that isn't part of any stack":
#: the blocks alone on the table
_ALONE = re.compile(rf"\bthe {_NOUN} (?:(?:that s|that's|that is|which is) )?(?:(?:that |which )?(?:sitting|standing"
                    r"|resting|lying|sits|stands|rests|lies) )?"
                    r"(?:all )?(?:by itself|on its own|alone|all alone)\b"
                    # "the block that isn't part of any stack"
                    rf"|\bthe {_NOUN} (?:that|which) (?:is not|isn't|isn t|isnt) (?:part of |in |on )?(?:any|a) "
                    r"(?:stack|tower|pile)\b")
#: "the cube nearest the green bin", "the block closest to blue", "the disc next to the yellow one": the objects of
#: a kind nearest a named one (or the one object of a colour)
_NEAR = re.compile(rf"\bthe {_PLACED_NOUN} ({_RELATIVE})(?:(?:nearest|closest)(?: to)?|(?:right |just |directly )?"
                   r"(?:next to|beside)) (?:the )?(\w+)"
                   r"(?: (bin|box|block|cube|disc|disk|peg))?\b")
#: "on top of the tower", "onto the stack": the top object of a stack as the place something goes
_ONTO_STACK = re.compile(rf"\b(?:(?:on|onto|to) (?:the )?top of|onto|on) the {_WHICH}{_STACK}\b")


class Scene:
    """What a phrase is resolved against: each object's kind, the detected state, and positions (may be
    empty)."""

    def __init__(self, kinds: Mapping[str, str], state: Collection[str],
                 positions: Mapping[str, Sequence[float]], colours: Mapping[str, str] | None = None) -> None:
        self.kinds = kinds
        self.positions = positions
        self.colours = colours or {}
        self.support: dict[str, str] = {}
        self.smaller: set[tuple[str, str]] = set()
        self.heavy: set[str] = set()  # the metal blocks; the others are wood
        for atom in state:
            predicate, args = parse_atom(atom)
            if predicate == "heavy":
                self.heavy.add(args[0])
            if predicate == "smaller":
                self.smaller.add((args[0], args[1]))
            if predicate in ("on", "in"):
                self.support[args[0]] = args[1]
            elif predicate == "ontable":
                self.support[args[0]] = "table"

    def of(self, kinds: Collection[str]) -> list[str]:
        return sorted(n for n, k in self.kinds.items() if k in kinds)

    def named(self, word: str, kinds: Collection[str] = ()) -> str:
        """The object ``word`` names: its name, or a colour only one object (of ``kinds``, where given) has ("the
        red one" among discs, "the blue cube" beside the blue bin); empty where it names none or several."""
        if word in self.kinds:
            return word
        having = [n for n, c in self.colours.items() if c == word and (not kinds or self.kinds[n] in kinds)]
        return having[0] if len(having) == 1 else ""

    def colour_word(self, word: str | None) -> bool:
        """Whether ``word`` is absent (no colour said) or a colour of an object here."""
        return word is None or word in self.colours.values()

    def coloured(self, kinds: Collection[str], colour: str | None) -> list[str]:
        """The objects of ``kinds`` of ``colour`` (all of them where no colour is said)."""
        return [n for n in self.of(kinds) if colour is None or self.colours.get(n) == colour]

    def of_a_size(self, kinds: Collection[str], word: str) -> list[str]:
        """The objects of ``kinds`` a size word fits: those that no other is bigger (``big`` words) or smaller
        than, by the detected state's ``smaller`` facts; objects of which the state says no size (blocks,
        cubes) are all of one size, so every one of them fits."""
        names = self.of(kinds)
        big = word.startswith(("big", "large"))
        return [n for n in names if not any(((n, o) if big else (o, n)) in self.smaller for o in names)]

    def related(self, kinds: Collection[str], other: str, under: bool) -> list[str]:
        """The objects of ``kinds`` right under ``other`` (``under``) or standing on it."""
        if under:
            below = self.support.get(other)
            return [below] if below in self.of(kinds) else []
        return [n for n in self.of(kinds) if self.support.get(n) == other]

    def nearest(self, kinds: Collection[str], landmark: str) -> list[str] | None:
        """The objects of ``kinds`` within ``MARGIN`` of the nearest to ``landmark`` across the table (``None``
        without positions)."""
        names = [n for n in self.of(kinds) if n != landmark]
        if not names or any(n not in self.positions for n in [*names, landmark]):
            return None
        x, y = (float(v) for v in self.positions[landmark][:2])
        far = {n: ((float(self.positions[n][0]) - x) ** 2 + (float(self.positions[n][1]) - y) ** 2) ** 0.5
               for n in names}
        best = min(far.values())
        return [n for n in names if far[n] - best < MARGIN]

    def piles(self) -> list[list[str]]:
        """Every pile of movable objects, bottom up."""
        movable = set(self.of(_MOVABLE))
        above = {below: top for top, below in self.support.items() if below in movable and top in movable}
        piles = []
        for base in sorted(n for n in movable if self.support.get(n) not in movable):
            pile = [base]
            while pile[-1] in above and above[pile[-1]] not in pile:
                pile.append(above[pile[-1]])
            piles.append(pile)
        return piles

    def pile_on(self, peg: str) -> list[str]:
        """The pile standing on ``peg``, bottom up (empty where none does)."""
        return next((p for p in self.piles() if self.support.get(p[0]) == peg), [])

    def stacks(self, which: str | None) -> list[list[str]] | None:
        """The stacks "the [which] stack" fits; ``None`` where that takes positions the scene lacks."""
        piles = self.piles()
        stacks = [p for p in piles if len(p) >= 2] or piles
        if not which or not stacks:
            return stacks
        if which in ("tallest", "highest", "taller", "higher", "tall", "high"):
            return [s for s in stacks if len(s) == max(map(len, stacks))]
        if which in ("shortest", "lowest", "little", "small", "smaller", "short", "shorter"):
            return [s for s in stacks if len(s) == min(map(len, stacks))]
        height = _HEIGHTS.get(re.split(r"[- ]", which)[0])
        if height is not None:
            return [s for s in piles if len(s) == height]
        bottoms = self.extreme([s[0] for s in piles], which)  # "the leftmost stack" may be one block
        return None if bottoms is None else [s for s in piles if s[0] in bottoms]

    def nearest_robot(self, names: Sequence[str], said: str) -> list[str] | None:
        """The ``names`` within ``MARGIN`` of the nearest to the robot (or the farthest) as ``said``; ``None``
        without positions. The robot's base is the origin and it faces along ``x``: "front" and "back" are
        depth (``x``), "closest" and "farthest" the distance from the base."""
        sign = 1.0 if said.startswith(("closest", "nearest")) or "front" in said else -1.0
        depth = "front" in said or "back" in said
        return self._leading(names, lambda at: sign * (at[0] if depth else math.hypot(at[0], at[1])))

    def middle(self, names: Sequence[str], of_table: bool) -> list[str] | None:
        """The ``names`` in the middle: within ``MARGIN`` of the table's centre line (``of_table``), else the
        middle one from left to right (two where the count is even, none of fewer than three); ``None``
        without positions."""
        if of_table:
            return self._leading(names, lambda at: abs(at[1]))
        if len(names) < 3 or any(n not in self.positions for n in names):
            return None if len(names) >= 3 else []
        ordered = sorted(names, key=lambda n: float(self.positions[n][1]))
        centre = (len(ordered) - 1) / 2
        return [n for i, n in enumerate(ordered) if abs(i - centre) < 1]

    def beside(self, kinds: Collection[str], landmark: str, side: str) -> list[str] | None:
        """The objects of ``kinds`` on ``side`` of ``landmark`` (further that way by more than ``MARGIN``)
        within ``MARGIN`` of the nearest such; ``None`` without positions."""
        names = [n for n in self.of(kinds) if n != landmark]
        if landmark not in self.positions or any(n not in self.positions for n in names):
            return None
        sign = -1.0 if side == "left" else 1.0
        y = float(self.positions[landmark][1])
        across = [n for n in names if sign * (float(self.positions[n][1]) - y) > MARGIN]
        return self._leading(across, lambda at: sign * at[1]) if across else []

    def from_side(self, names: Sequence[str], place: int, side: str) -> list[str] | None:
        """The ``names`` at the ``place``-th place (0: the first) from ``side`` across the table, where names
        within ``MARGIN`` of each other across it share a place; ``None`` without positions, empty where there
        are not that many places."""
        if not names or any(n not in self.positions for n in names):
            return None
        sign = 1.0 if side.startswith("left") else -1.0
        ordered = sorted(names, key=lambda n: sign * float(self.positions[n][1]))
        places: list[list[str]] = []
        for name in ordered:
            if places and sign * (float(self.positions[name][1]) - float(self.positions[places[-1][0]][1])) < MARGIN:
                places[-1].append(name)
            else:
                places.append([name])
        return places[place] if place < len(places) else []

    def behind(self, names: Sequence[str], landmark: str, front: bool) -> list[str] | None:
        """The ``names`` within ``COLUMN`` of ``landmark`` across the table and further back (``front``: nearer the
        robot) by more than ``MARGIN``, the nearest of them (within ``MARGIN``); ``None`` without positions."""
        names = [n for n in names if n != landmark]
        if landmark not in self.positions or any(n not in self.positions for n in names):
            return None
        x, y = (float(v) for v in self.positions[landmark][:2])
        sign = -1.0 if front else 1.0
        column = [n for n in names if abs(float(self.positions[n][1]) - y) < COLUMN
                  and sign * (float(self.positions[n][0]) - x) > MARGIN]
        return self._leading(column, lambda at: sign * at[0]) if column else []

    def between(self, kinds: Collection[str], one: str, other: str) -> list[str] | None:
        """The objects of ``kinds`` across the table between ``one`` and ``other`` (further in than ``MARGIN``
        from each); ``None`` without positions."""
        names = [n for n in self.of(kinds) if n not in (one, other)]
        if any(n not in self.positions for n in [*names, one, other]):
            return None
        low, high = sorted(float(self.positions[n][1]) for n in (one, other))
        return [n for n in names if low + MARGIN < float(self.positions[n][1]) < high - MARGIN]

    def extreme(self, names: Sequence[str], side: str) -> list[str] | None:
        """The ``names`` within ``MARGIN`` of the leftmost (or rightmost) one; ``None`` without positions."""
        sign = 1.0 if side.startswith("left") else -1.0
        return self._leading(names, lambda at: sign * at[1])

    def _leading(self, names: Sequence[str], key: Callable[[Sequence[float]], float]) -> list[str] | None:
        """The ``names`` whose ``key`` of their position is within ``MARGIN`` of the smallest; ``None`` without
        positions."""
        if not names or any(n not in self.positions for n in names):
            return None
        place = {n: float(key(self.positions[n])) for n in names}
        best = min(place.values())
        return [n for n in names if place[n] - best < MARGIN]


def mark_descriptions(text: str, kinds: Mapping[str, str], state: Collection[str],
                      positions: Mapping[str, Sequence[float]], colours: Mapping[str, str] | None = None
                      ) -> tuple[str, dict[str, tuple[str, tuple[str, ...]]]]:
    """Lowercased ``text`` with each phrase this module reads written as a marker word, and what each marker
    stands for: the phrase as said and the objects it fits (see the module's docstring). ``colours`` (where
    known) narrow a phrase of place that says one ("the leftmost red cube")."""
    scene = Scene(kinds, state, positions, colours)
    text = text.lower()
    marks: dict[str, tuple[str, tuple[str, ...]]] = {}

    def marker(match: re.Match[str], fits: Sequence[str] | None, keep: str = "") -> str:
        if fits is None:
            return match.group(0)
        name = f"phrase_{len(marks)}"
        marks[name] = (match.group(0), tuple(sorted(fits)))
        return f"{keep}{name}"

    def described(match: re.Match[str], relative: str) -> bool:
        """Whether a phrase after its noun describes it rather than says where it goes: it does where a place
        word comes before the noun ("onto the block on the right") or after the phrase, a verb that takes
        the object up ("grab the block on top"), or a word that leaves it out ("every cube except the one
        nearest the robot")."""
        rest = _CLAUSE_END.split(text[match.end():], maxsplit=1)[0]
        before = text[:match.start()]
        return (bool(relative) or _PLACE.search(rest) is not None or _ENDS_IN_PLACE.search(before) is not None
                or _TAKEN.search(before) is not None or _EXCEPTED.search(before) is not None)

    def stack_end(match: re.Match[str], end: str, which: str | None) -> str:
        stacks = scene.stacks(which)
        return marker(match, None if stacks is None else [s[-1] if end in _TOP else s[0] for s in stacks])

    text = _END_OF_STACK.sub(lambda m: stack_end(m, m.group(1), m.group(3)), text)
    text = _AT_END_OF_STACK.sub(
        lambda m: stack_end(m, m.group(4), m.group(5)) if m.group(3) == "at" or described(m, m.group(2))
        else m.group(0), text)
    text = _END_OF_PEG.sub(lambda m: _end_of_peg(m, scene, marker)
                           if " on " not in m.group(0) or described(m, "") else m.group(0), text)
    text = _ON_PEG.sub(lambda m: marker(m, [n for n in scene.pile_on(_PEGS.get(m.group(3), m.group(3)))
                                            if scene.kinds[n] in _NOUN_KINDS[m.group(1)]])
                       if described(m, m.group(2)) else m.group(0), text)
    text = _FROM_END.sub(lambda m: _from_end(m, scene, marker, m.group(1), m.group(3), m.group(4)), text)
    text = _FROM_END_AFTER.sub(lambda m: _from_end(m, scene, marker, m.group(3), m.group(4), m.group(5))
                               if described(m, m.group(2)) else m.group(0), text)
    text = _FROM_SIDE.sub(lambda m: marker(m, scene.from_side(scene.coloured(_NOUN_KINDS[m.group(3)], m.group(2)),
                                                              _ORDINALS[m.group(1)], m.group(4)))
                          if scene.colour_word(m.group(2)) else m.group(0), text)
    text = _FROM_SIDE_AFTER.sub(lambda m: marker(m, scene.from_side(scene.coloured(_NOUN_KINDS[m.group(2)], m.group(1)),
                                                                    _ORDINALS[m.group(4)], m.group(5)))
                                if scene.colour_word(m.group(1)) else m.group(0), text)
    text = _MIDDLE_OF_STACK.sub(lambda m: _middle_of_stack(m, scene, marker), text)
    text = _ON_TOP.sub(lambda m: stack_end(m, "top", None) if described(m, m.group(2)) else m.group(0), text)
    text = _AT_BOTTOM.sub(lambda m: stack_end(m, "bottom", None) if described(m, m.group(2)) else m.group(0), text)
    text = _ON_TABLE.sub(lambda m: marker(m, [n for n in scene.of(_NOUN_KINDS[m.group(1)])
                                              if scene.support.get(n) == "table"])
                         if described(m, m.group(2)) else m.group(0), text)
    text = _SIDE_FIRST.sub(lambda m: marker(m, scene.extreme(scene.coloured(_NOUN_KINDS[m.group(3)], m.group(2)),
                                                             m.group(1)))
                           if scene.colour_word(m.group(2)) and not _peg_meant(m, text, scene) else m.group(0), text)
    text = _SIDE_AFTER.sub(lambda m: marker(m, scene.extreme(scene.coloured(_NOUN_KINDS[m.group(2)], m.group(1)),
                                                             m.group(4)))
                           if scene.colour_word(m.group(1)) and described(m, m.group(3)) else m.group(0), text)
    text = _DEPTH_AFTER.sub(lambda m: marker(m, scene.nearest_robot(scene.coloured(_NOUN_KINDS[m.group(2)], m.group(1)),
                                                                    m.group(4)))
                            if scene.colour_word(m.group(1)) and described(m, m.group(3)) else m.group(0), text)
    text = _DEPTH_FIRST.sub(lambda m: marker(m, scene.nearest_robot(scene.coloured(_NOUN_KINDS[m.group(3)], m.group(2)),
                                                                    m.group(1)))
                            if scene.colour_word(m.group(2)) else m.group(0), text)
    text = _MIDDLE.sub(lambda m: marker(m, scene.middle(scene.coloured(_NOUN_KINDS[m.group(2)], m.group(1)),
                                                        m.group(4) == "table"))
                       if scene.colour_word(m.group(1))
                       and (m.group(4) not in (None, "table") or described(m, m.group(3))) else m.group(0), text)
    text = _MIDDLE_FIRST.sub(lambda m: marker(m, scene.middle(scene.coloured(_NOUN_KINDS[m.group(2)], m.group(1)),
                                                              False))
                             if scene.colour_word(m.group(1)) else m.group(0), text)
    text = _BESIDE.sub(lambda m: marker(m, scene.beside(_NOUN_KINDS[m.group(1)], m.group(4), m.group(3)))
                       if m.group(4) in kinds and described(m, m.group(2)) else m.group(0), text)
    text = _BETWEEN.sub(lambda m: marker(m, scene.between(_NOUN_KINDS[m.group(1)], scene.named(m.group(3)),
                                                         scene.named(m.group(4))))
                        if scene.named(m.group(3)) and scene.named(m.group(4)) and described(m, m.group(2))
                        else m.group(0), text)
    text = _BEHIND.sub(lambda m: marker(m, scene.behind(scene.coloured(_NOUN_KINDS[m.group(2)], m.group(1)),
                                                        scene.named(m.group(5), _MOVABLE), m.group(4) != "behind"))
                       if scene.colour_word(m.group(1)) and scene.named(m.group(5), _MOVABLE) else m.group(0), text)
    text = _ROW.sub(lambda m: _row(m, scene), text)
    text = _SIZE.sub(lambda m: marker(m, _by_size(scene.of(("disc",)), m.group(1) in _BIG)), text)
    text = _MEDIUM.sub(lambda m: marker(m, _medium(scene.of(("disc",)))), text)
    text = _ORDINAL.sub(lambda m: marker(m, _ordinal(scene.of(("disc",)), _ORDINALS[m.group(1)],
                                                     m.group(2) in ("biggest", "largest"))), text)
    text = _OF_EXTREMES.sub(lambda m: marker(m, _of_extremes(scene.of(("disc",)), _COUNTS[m.group(2)],
                                                             m.group(3) in ("biggest", "largest"),
                                                             m.group(1) in ("larger", "bigger"))), text)
    text = _BLOCK_SIZE.sub(lambda m: marker(m, scene.of_a_size(_NOUN_KINDS[m.group(2)], m.group(1))), text)
    text = _MATERIAL.sub(lambda m: marker(m, [n for n in scene.of(_NOUN_KINDS[m.group(2)])
                                              if (n in scene.heavy) == m.group(1).startswith("metal")]), text)
    text = _UNDER.sub(lambda m: marker(m, scene.related(_NOUN_KINDS[m.group(1)], scene.named(m.group(3)), under=True))
                      if scene.named(m.group(3)) and described(m, m.group(2)) else m.group(0), text)
    text = _ON_OBJECT.sub(lambda m: marker(m, scene.related(_NOUN_KINDS[m.group(1)], scene.named(m.group(3)),
                                                            under=False))
                          if scene.named(m.group(3)) and described(m, m.group(2)) else m.group(0), text)
    text = _ALONE.sub(lambda m: marker(m, [p[0] for p in scene.piles() if len(p) == 1
                                           and scene.kinds[p[0]] in _NOUN_KINDS[m.group(1) or m.group(2)]]), text)
    text = _NEAR.sub(lambda m: _near(m, scene, marker), text)
    text = _ONTO_STACK.sub(lambda m: _onto(m, scene, marker), text)
    return text, marks


def _ranked(discs: list[str]) -> list[str]:
    """The discs smallest first (Hanoi discs are numbered by size)."""
    return sorted(discs, key=lambda n: int(re.sub(r"\D", "", n) or 0))


def _medium(discs: list[str]) -> list[str] | None:
    """The disc in the middle of the size order, or the two in the middle where the count is even."""
    if len(discs) < 3:
        return None
    ranked = _ranked(discs)
    middle = (len(ranked) - 1) / 2
    return [n for i, n in enumerate(ranked) if abs(i - middle) < 1]


def _ordinal(discs: list[str], place: int, big: bool) -> list[str] | None:
    """The disc ``place`` steps from the smallest (or the biggest)."""
    ranked = _ranked(discs)
    if place >= len(ranked):
        return None
    return [(ranked[::-1] if big else ranked)[place]]


def _of_extremes(discs: list[str], count: int, biggest: bool, larger: bool) -> list[str] | None:
    """Of the ``count`` biggest (or smallest) discs, the larger (or smaller) one: "the smaller of the two
    biggest discs" is the second biggest."""
    ranked = _ranked(discs)
    if count > len(ranked):
        return None
    chosen = ranked[-count:] if biggest else ranked[:count]
    return [chosen[-1] if larger else chosen[0]]


def _by_size(discs: list[str], big: bool) -> list[str] | None:
    """The discs bigger (``big``) or smaller than another; Hanoi discs are numbered by size."""
    if len(discs) < 2:
        return None
    ranked = _ranked(discs)
    return ranked[1:] if big else ranked[:-1]


def _peg_meant(match: re.Match[str], text: str, scene: Scene) -> bool:
    """Whether "the right one" is where something goes in a scene of pegs ("move the yellow one to the right
    one"): the peg, which the rules read by its side, not the rightmost disc."""
    return (match.group(3) == "one" and not match.group(2) and "peg" in scene.kinds.values()
            and _ENDS_IN_PLACE.search(text[:match.start()]) is not None)


def _end_of_peg(match: re.Match[str], scene: Scene,
                marker: Callable[[re.Match[str], Sequence[str] | None, str], str]) -> str:
    """"The top disc of the left peg": the top (or bottom) of the pile on that peg; no fit where none stands on it."""
    end = match.group(1) or match.group(4)
    peg = match.group(5)
    pile = scene.pile_on(_PEGS.get(peg, peg))
    return marker(match, [pile[-1] if end in _TOP else pile[0]] if pile else [], "")


def _from_end(match: re.Match[str], scene: Scene, marker: Callable[[re.Match[str], Sequence[str] | None, str], str],
              ordinal: str, end: str, which: str | None) -> str:
    """"The second block from the top": that place, counted from the top (or bottom) of each stack the phrase
    fits that is tall enough."""
    stacks = scene.stacks(which)
    if stacks is None:
        return match.group(0)
    place = _ORDINALS[ordinal]
    fits = [(s[-1 - place] if end == "top" else s[place]) for s in stacks if len(s) > place]
    return marker(match, fits, "")


def _middle_of_stack(match: re.Match[str], scene: Scene,
                     marker: Callable[[re.Match[str], Sequence[str] | None, str], str]) -> str:
    """"The block in the middle of the tower": the middle object of each stack the phrase fits (the two
    middle ones of an even stack), leaving out its top and bottom."""
    stacks = scene.stacks(match.group(3))
    if stacks is None:
        return match.group(0)
    fits = [n for s in stacks if len(s) >= 3 for i, n in enumerate(s) if abs(i - (len(s) - 1) / 2) < 1]
    return marker(match, fits, "")


def _row(match: re.Match[str], scene: Scene) -> str:
    """"Everything in the front row": the movable objects (of the colour said) within ``MARGIN`` of the nearest
    to the robot by depth (or the farthest), written as their names joined by "and"; the phrase as it was where
    a count said does not match or positions are unknown."""
    colour = match.group(1) or match.group(3)
    if not scene.colour_word(colour):
        return match.group(0)
    names = scene.coloured(_MOVABLE, colour)
    row = scene.nearest_robot(names, match.group(4) or match.group(5))
    count = _ROW_COUNTS.get(match.group(2) or "")
    if not row or (count is not None and count != len(row)):
        return match.group(0)
    return " and ".join(row)


def _near(match: re.Match[str], scene: Scene,
          marker: Callable[[re.Match[str], Sequence[str] | None, str], str]) -> str:
    """"The cube nearest the green bin": the landmark by its name ("blue", "d2") or its colour and kind
    ("green bin" is ``green_bin``); a landmark the scene does not name (the robot, "you") is not read."""
    noun, _, word, kind = match.groups()
    landmark = f"{word}_bin" if kind in ("bin", "box") else scene.named(word)
    if landmark not in scene.kinds:
        return match.group(0)
    return marker(match, scene.nearest(_NOUN_KINDS[noun], landmark), "")


def _onto(match: re.Match[str], scene: Scene,
          marker: Callable[[re.Match[str], Sequence[str] | None, str], str]) -> str:
    stacks = scene.stacks(match.group(1))
    if stacks is None or not any(len(s) >= 2 for s in stacks):  # no tower to put it on
        return match.group(0)
    return marker(match, [s[-1] for s in stacks], "on ")
