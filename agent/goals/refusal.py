"""When not to act: the checks every goal reader runs before a goal reaches the planner.

A reader (the rule-based parser or GoalNet) turns an instruction into goal atoms; these checks decide
from the scene and the domain, not from the wording, whether to refuse them instead (``envs.errors.Refusal``):

- ``absent-object``: a word of the instruction names a colour, a kind or an object the tasks can have but
  this scene lacks (``check_words``): the colours come from the simulator's palette and, in a text that
  names an object, a colour or a kind of the tasks, the basic colour words of English beyond it
  (``COLOUR_WORDS``: "the black block"), the object names from the scene's own naming (``d3``, ``red2``,
  ``blue_bin``);
- ``impossible``: a goal atom the domain cannot make true from this scene: an unknown predicate, a wrong
  type, an object on itself, an atom whose every achieving action needs a static fact the scene lacks (a
  disc on a smaller disc needs ``(smaller d3 d1)``), a cycle of ``on`` through three or more objects, or
  (``check_reachable``) a goal the planner proves unreachable;
- ``contradiction``: atoms that cannot hold together: one object on two supports, two objects directly on
  one, or two objects each on the other;
- ``no-change``: an empty goal, or one that already holds in the scene.

The perception reader adds what only it has (``agent.perception.doubt``): how novel the sentence is and
how sure the network is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.goals.wording import unsaid
from agent.planning.atoms import format_atom, holds, is_variable, parse_atom
from agent.planning.strips import StripsModel
from envs.errors import PlanningError, Refusal, quoted
from envs.scenes.base import COLORS

if TYPE_CHECKING:
    from agent.planning.domain import Domain
    from agent.planning.planner import Planner

#: goal predicates that put their first argument on or in a support; ``on``'s support holds one object
SUPPORT_PREDICATES = ("on", "in", "ontable")
_NAMED = re.compile(r"([a-z]+)(\d+)")
#: colour words people use beyond the simulator's palette (the basic colour terms of English), each with the
#: palette's word where it has one: "the black block" names a colour, and no object here has it
COLOUR_WORDS = {**{colour: colour for colour in COLORS}, "grey": "gray", "black": "black", "white": "white",
                "brown": "brown", "violet": "violet", "magenta": "magenta"}
_KIND_NOUNS = frozenset(("block", "cube", "disc", "disk", "peg", "bin", "tower", "stack", "pile"))
#: kinds of object and materials people name that no task has ("the ball", "the glass cube"; not "ring", which
#: people, and the instruction grammar, call a Hanoi disc, nor the scenes' own materials and shapes: every block
#: is wood, the "heavy" variant's one metal, the "round" variant's a dome, ``envs.scenes.base.SceneObject``): in a
#: text that names an object, a colour or a kind of the tasks, such a word names an object this scene lacks
OTHER_OBJECT_WORDS = frozenset(("ball", "balls", "sphere", "pyramid", "cone", "cup", "bowl", "plastic", "glass",
                                "rubber", "foam", "bucket", "bag", "crate", "jar", "drawer", "shelf"))
#: a question about the scene rather than a request: a question word, or a verb before its subject ("is the
#: pink one heavier", "do you like ...", "is yellow sitting on orange"), wondering aloud, or asking to be told
#: something ("tell me a joke"); a request put as a question ("could you ...", "would you mind ...",
#: "is it possible to ...", "how about ...") asks for a change, and "what a ..." exclaims
#: words said before a question or a remark that change nothing of it ("hmm, I wonder why ...", "honestly, is ...")
_INTERJECTION = r"(?:(?:hmm+|hm|oh|ah|aw|well|wow|huh|um|uh|honestly|so|okay|ok|say|hey) )*"
_QUESTION = re.compile(_INTERJECTION + r"(?:(?:what|why|where|which|who|whose|when|how)\b"
                       r"(?! about\b| an? | i (?:need|want|would like|d like|'d like)\b)"
                       r"|(?:is|are|was|were|do|does|did|am|has|have) (?:you|it|the|there|this|that|these|those|they|we"
                       r"|i|any|anything|something|all|both|[a-z]+ (?:block|cube|disc|disk|peg|bin|one)s?)\b"
                       # "is yellow on orange?", "are the discs bigger": a question about where or what an object is
                       r"|(?:is|are|was|were) [a-z0-9_]+ (?:(?:sitting|standing|resting|lying|stacked|placed) )?"
                       r"(?:on|in|under|below|above|beside|next|bigger|smaller|larger|heavier|lighter|the same|clear"
                       r"|empty)\b"
                       # wondering aloud, and asking to be told something: "i wonder who ...", "tell me a joke"
                       r"|i (?:wonder|was wondering)\b|(?:tell|teach|explain to|sing) (?:me|us)\b)")
#: a remark on how something looks, feels or smells, with no place in it: "the cyan block looks a bit dusty"
_REMARK = re.compile(_INTERJECTION + r"(?:(?:the |that |this )?(?:[a-z0-9_]+ ){0,2}"
                     r"(?:looks|seems|feels|smells|appears|look|seem)\b"
                     r"(?!.*\b(?:on|in|onto|into|under|below|above|atop|beside|top|bottom|off|at|where"
                     r"|to(?! me| us| you))\b)"
                     # an exclamation about the scene: "what a lovely shade of pink that block is", "such a nice
                     # rainbow of bins" (where no verb of moving follows)
                     r"|(?:such|what) an? (?!.*\b(?:put|place|move|stack|set|sort|take|drop)\b)(?:[a-z0-9_]+ ){0,8}?"
                     r"(?:blocks?|cubes?|discs?|disks?|rings?|pegs?|bins?|towers?|stacks?|piles?|colou?rs?)"
                     r"(?: [a-z0-9_]+){0,3}$"
                     r"|what an? (?:[a-z0-9_]+ ){0,8}(?:block|cube|disc|disk|ring|peg|bin|tower|stack|pile)s? "
                     r"(?:[a-z0-9_]+ ){0,3}(?:is|are|was|were|looks?|seems?)$)")
#: a statement about one object, "pink is my daughter's favourite colour": refused where what it says of it
#: names nothing of the scene (``check_statement``); "the lowest one is blue" and "the green bin is for
#: blue1" tell a goal
_STATEMENT = re.compile(r"(?:the |that |this |my )?[a-z0-9_]+(?: (?:block|cube|disc|disk|one|peg|bin))? "
                        r"(?:is|are|was|were) (?!(?:fine|ok|okay|good|perfect|great|right|done|ready|alright"
                        r"|correct|all set|still|already|not|no|now|going|to)\b)(.+)")
#: what a statement says that tells a place or an order rather than a remark
_TELLS_PLACE = re.compile(r"\b(?:on|in|onto|into|under|below|above|atop|beside|top|bottom|off|at|where|to|for|next"
                          r"|first|last|lowest|highest|upper|lower|topmost|left|right|middle)\b")
_REQUEST = re.compile(r"\b(?:mind|possible|able to|okay to|ok to)\b")
#: kinds of object the tasks have that name only themselves; "block" and "cube" are left out, as people
#: (and the instruction generator) call the blocks of one task and the cubes of the other by either word
CHECKED_KINDS = ("disc", "peg", "bin")


@dataclass(frozen=True)
class SceneFacts:
    """What the checks know of a scene: its task, each object's kind and colour, the detected state, and
    where each object is (world ``x, y, z``; may be empty: then no reference by place is read)."""

    task: str
    kinds: Mapping[str, str]
    colours: Mapping[str, str]
    state: frozenset[str]
    positions: Mapping[str, Sequence[float]] = field(default_factory=dict)

    @classmethod
    def of(cls, env: Any, state: Iterable[str]) -> SceneFacts:
        objects = env.scene.objects
        return cls(env.task, {o.name: o.kind for o in objects}, {o.name: o.color for o in objects},
                   frozenset(state), {o.name: env.sim.pose(o.name).position for o in objects})

    def names(self) -> set[str]:
        """The objects' names and colours: words the spelling corrector takes as typed."""
        return {*self.kinds, *self.colours.values()}


def names_an_object(word: str) -> bool:
    """Whether ``word`` is how the tasks name an object: a colour, a name with a number, a bin."""
    return word in COLORS or _NAMED.fullmatch(word) is not None or word.endswith("_bin")


def check_words(text: str, scene: SceneFacts) -> None:
    """Refuse (not-an-instruction, ``check_question`` and ``check_statement``) a question about the scene or a
    remark on it, (absent-object) an instruction that names a colour or an object this scene does not have,
    (impossible, ``check_fixed``) one that moves a bin, a peg or the table, and (``check_counts``, impossible)
    one that counts more objects of a kind (or of a colour) than the scene has."""
    text = unsaid(text)
    check_question(text)
    check_statement(text, scene)
    present = set(scene.colours.values())
    prefixes = {m.group(1) for m in map(_NAMED.fullmatch, scene.kinds) if m} | set(COLORS)
    kinds = set(scene.kinds.values())
    words = re.findall(r"[a-z0-9_]+", text.lower())
    # a colour word beyond the palette names an absent object only where the text is about objects ("the
    # black block"), not in "it is grey outside"
    about_objects = any(w in scene.kinds or w.removesuffix("s") in present or w.removesuffix("s") in _KIND_NOUNS
                        for w in words)
    for word in words:
        if word in scene.kinds:
            continue
        kind = word.removesuffix("s")
        if kind in CHECKED_KINDS and kind not in kinds:
            raise Refusal("absent-object", f"there is no {kind} in this {scene.task} scene (objects here: "
                                           f"{', '.join(sorted(kinds))})")
        if word in OTHER_OBJECT_WORDS and about_objects:
            raise Refusal("absent-object", f"nothing in this {scene.task} scene is a {word} thing (objects here: "
                                           f"{', '.join(sorted(kinds))})")
        if word in COLOUR_WORDS and COLOUR_WORDS[word] not in present and (word in COLORS or about_objects):
            raise Refusal("absent-object", f"nothing in the scene is {word} (colours here: "
                                           f"{', '.join(sorted(present))})")
        named = _NAMED.fullmatch(word)
        if (named and named.group(1) in prefixes) or word.endswith("_bin"):
            same = sorted(n for n in scene.kinds if n.rstrip("0123456789") == word.rstrip("0123456789"))
            raise Refusal("absent-object", f"there is no {word} in the scene (objects here: "
                                           f"{', '.join(same or sorted(scene.kinds))})")
    check_fixed(text)  # after the names: a bin this scene lacks is absent before it is fixed
    check_counts(text, scene)


#: an object a verb moves, when it is a bin or a peg ("move the yellow bin next to ...", "slide the left peg
#: over"): the words between the verb and the noun name no place ("put red1 in the bin" moves red1)
_MOVES_FIXED = re.compile(r"\b(?:move|carry|slide|shift|push|pull|drag|lift|pick up|nest|stack|pile|put|place|set|yank"
                          r"|plant|relocate|transfer|bring|take|stuff|tip|turn|rotate|shove|swap|switch|exchange"
                          r"|reposition|raise) (?:where )?(?:the |a |an |one |that |this )?"
                          r"(?:(?:places?|positions?|spots?) of (?:the )?)?"
                          r"(?:(?!(?:in|on|into|onto|to|at|from|off|of|inside|over|with|near|by|and|then|it)\b)"
                          r"[a-z0-9_]+ ){0,2}?(bin|basket|container|tray|box|peg|pole|rod|table|[a-z]+_bin)(?:s|es)?\b"
                          r"(?!'s|\u2019s| s\b)")


def check_fixed(text: str) -> None:
    """Refuse (impossible) an instruction that moves a bin, a peg or the table: they are fixed in place, and no
    operator of any domain moves them."""
    moved = _MOVES_FIXED.search(text.lower())
    if moved:
        if moved.group(1) == "table":
            raise Refusal("impossible", f"{quoted(moved.group(0))}: the table cannot be moved")
        kind = "peg" if moved.group(1) in ("peg", "pole", "rod") else "bin"
        raise Refusal("impossible", f"{quoted(moved.group(0))}: a {kind} is fixed in place, and only what stands on "
                                    f"or in one can be moved")


def check_statement(text: str, scene: SceneFacts) -> None:
    """Refuse (not-an-instruction) a statement about an object that says nothing of the scene: no object, colour
    or kind of it, no place and no order ("Pink is my daughter's favourite colour.")."""
    words = " ".join(re.findall(r"[a-z0-9_]+", text.lower()))
    stated = _STATEMENT.fullmatch(words)
    if stated is None or _TELLS_PLACE.search(stated.group(1)):
        return
    said = set(stated.group(1).split())
    if said & (set(scene.kinds) | set(scene.colours.values()) | set(scene.kinds.values()) | _KIND_NOUNS):
        return
    raise Refusal("not-an-instruction", f"{text.strip()!r} remarks on the scene, and asks for no change")


def check_question(text: str) -> None:
    """Refuse (not-an-instruction) a question about the scene ("what colour is the tallest tower?", "do you
    like the blue block?"): it asks to be told something, not for a change. A request put as a question
    ("could you move ...?", "would you mind ...", "is it possible to ...") is read as the request it is. So is
    a remark on how an object looks that says no place ("the cyan block looks a bit dusty")."""
    words = " ".join(re.findall(r"[a-z0-9_]+", text.lower()))
    if _QUESTION.match(words) and not _REQUEST.search(words):
        raise Refusal("not-an-instruction", f"{text.strip()!r} asks a question, not for a change")
    if _REMARK.match(words):
        raise Refusal("not-an-instruction", f"{text.strip()!r} remarks on the scene, and asks for no change")


_NUMBERS = {word: n for n, word in enumerate(("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                               "eleven", "twelve"), start=2)}
_COUNTED = re.compile(r"\b(\d+|" + "|".join(_NUMBERS) + r") (?:([a-z]+) )?(blocks|cubes|discs|disks|pegs|bins)\b")
_COUNTED_KINDS = {"blocks": ("block", "cube"), "cubes": ("cube", "block"), "discs": ("disc",), "disks": ("disc",),
                  "pegs": ("peg",), "bins": ("bin",)}


_ORDINALS = {word: n for n, word in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                                                "eighth", "ninth", "tenth"), start=1)}
_ORDINAL = re.compile(r"\bthe (" + "|".join(_ORDINALS) + r") (block|cube|disc|disk|peg|bin)\b")
#: "disc number four", "peg no. 4", "block #3": an object by its number in a count
_NUMBERED = re.compile(r"\b(block|cube|disc|disk|ring|peg|pole|rod|bin) (?:number|no|#) ?(\d+|one|" + "|".join(_NUMBERS)
                       + r")\b")
_NUMBERED_KINDS = {"ring": "discs", "pole": "pegs", "rod": "pegs"}


def check_counts(text: str, scene: SceneFacts) -> None:
    """Refuse (impossible) an instruction that asks for more objects of a kind than the scene has ("stack
    seven blocks" among five): no plan can use objects that are not there; and (absent-object) one that
    names an object by a place or a number in a count the scene does not reach ("the fourth peg", "peg number
    four" among three)."""
    for match in _COUNTED.finditer(text.lower()):
        number, adjective, noun = match.groups()
        wanted = int(number) if number.isdigit() else _NUMBERS[number]
        colour = adjective if adjective in scene.colours.values() else None  # "five green cubes": of that colour
        have = sum(kind in _COUNTED_KINDS[noun] and (colour is None or scene.colours.get(name) == colour)
                   for name, kind in scene.kinds.items())
        if wanted > have:
            said = f"{colour} {noun}" if colour else noun
            raise Refusal("impossible", f"it asks for {wanted} {said}, and this scene has {have}")
    for match in _ORDINAL.finditer(text.lower()):
        place, noun = match.groups()
        have = sum(kind in _COUNTED_KINDS[f"{noun}s"] for kind in scene.kinds.values())
        if _ORDINALS[place] > have:
            raise Refusal("absent-object", f"there is no {place} {noun}: this scene has {have}")
    for match in _NUMBERED.finditer(re.sub(r"[.:]", "", text.lower())):
        noun, number = match.groups()
        counted = _NUMBERED_KINDS.get(noun, f"{noun}s")
        have = sum(kind in _COUNTED_KINDS[counted] for kind in scene.kinds.values())
        wanted = int(number) if number.isdigit() else _NUMBERS.get(number, 1)
        if wanted > have:
            raise Refusal("absent-object", f"there is no {noun} number {number}: this scene has {have} {counted}")


def check_goal(goal: Iterable[str], scene: SceneFacts, domain: Domain) -> None:
    """Refuse a goal that is impossible in ``domain``, contradicts itself or changes nothing in ``scene``."""
    atoms = sorted(set(goal))
    if not atoms:
        raise Refusal("no-change", "the instruction asks for no change")
    objects = domain.binding.pddl_objects(scene.kinds)
    model = domain.strips  # None for a domain beyond STRIPS: its static facts go unchecked
    for atom in atoms:
        _check_atom(atom, objects, scene.state, domain, model)
    check_supports(atoms)
    if holds(atoms, scene.state):
        raise Refusal("no-change", f"the goal already holds in the scene: {' '.join(atoms)}")


def check_reachable(planner: Planner, objects: Mapping[str, str], state: Iterable[str], goal: Iterable[str]) -> None:
    """Refuse (impossible) a goal the planner proves unreachable; a planner that fails otherwise raises."""
    try:
        planner.plan(objects, state, goal)
    except PlanningError as exc:
        if str(exc).startswith("no plan reaches"):
            raise Refusal("impossible", str(exc)) from None
        raise


def _check_atom(atom: str, objects: Mapping[str, str], state: frozenset[str], domain: Domain,
                model: StripsModel | None) -> None:
    name, args = parse_atom(atom)
    if name not in domain.predicates:
        raise Refusal("impossible", f"{atom}: the {domain.name} domain has no predicate {name!r}")
    types = domain.predicates[name]
    if len(args) != len(types):
        raise Refusal("impossible", f"{atom}: {name} takes {len(types)} argument(s)")
    for arg, expected in zip(args, types):
        if arg not in objects and not is_variable(arg):
            raise Refusal("absent-object", f"{atom}: there is no {arg} in the scene")
        if arg in objects and not domain.is_subtype(objects[arg], expected):
            raise Refusal("impossible", f"{atom}: {arg} is a {objects[arg]}, and {name} needs a {expected}")
    if len(args) == 2 and args[0] == args[1]:
        raise Refusal("impossible", f"{atom}: {args[0]} cannot be {name} itself")
    if model is None or atom in state or any(map(is_variable, args)):
        return
    missing = _missing_static_fact(model, name, args, state)
    if missing:
        raise Refusal("impossible", f"{atom} needs {missing}, which does not hold in this scene")


def _missing_static_fact(model: StripsModel, name: str, args: tuple[str, ...], state: frozenset[str]) -> str:
    """A static fact (one no action changes) that every action making ``(name *args)`` true needs and the
    scene lacks; ``""`` when some such action needs none it lacks."""
    actions = model.actions.values()
    changed = {predicate for action in actions for predicate, _ in (*action.add, *action.delete)}
    missing = ""
    for action in actions:
        for predicate, terms in action.add:
            if predicate != name or len(terms) != len(args):
                continue
            binding: dict[int, str] = {}
            if not all(_bind(term, value, binding) for term, value in zip(terms, args)):
                continue
            lacking = [fact for fact in _static_facts(action.positive, binding, changed) if fact not in state]
            if not lacking:
                return ""
            missing = missing or lacking[0]
    if not missing and name not in changed:
        missing = f"({name} {' '.join(args)}) itself, which no action makes true,"
    return missing


def _bind(term: tuple[str, int | str], value: str, binding: dict[int, str]) -> bool:
    kind, key = term
    if kind == "object":
        return key == value
    assert isinstance(key, int)
    return binding.setdefault(key, value) == value


def _static_facts(schemas: Iterable[tuple[str, tuple[tuple[str, int | str], ...]]], binding: Mapping[int, str],
                  changed: set[str]) -> list[str]:
    """The preconditions over static predicates whose arguments ``binding`` fixes, as ground atoms."""
    facts = []
    for predicate, terms in schemas:
        if predicate in changed:
            continue
        values = [binding.get(key) if isinstance(key, int) else key for _, key in terms]
        if all(isinstance(v, str) for v in values):
            facts.append(format_atom(predicate, [str(v) for v in values]))
    return facts


def check_supports(atoms: Iterable[str]) -> None:
    """Refuse atoms that break the domains' mutual exclusions: one support per object, one object directly on
    each ``on`` support (contradiction), and no cycle of ``on`` (of two: contradiction; longer: impossible)."""
    support: dict[str, str] = {}
    above: dict[str, list[str]] = defaultdict(list)
    for atom in atoms:
        name, args = parse_atom(atom)
        if name not in SUPPORT_PREDICATES:
            continue
        subject, where = args[0], (args[1] if len(args) > 1 else "the table")
        if subject in support and support[subject] != where:
            raise Refusal("contradiction", f"{subject} cannot end up both on {support[subject]} and on {where}")
        support[subject] = where
        if name == "on":
            above[where].append(subject)
    for where, subjects in sorted(above.items()):
        if len(subjects) > 1:
            raise Refusal("contradiction", f"{' and '.join(sorted(subjects))} cannot both be directly on {where}")
    for start in sorted(support):
        chain, node = [start], support[start]
        while node in support and node not in chain:
            chain.append(node)
            node = support[node]
        if node == start:
            if len(chain) == 2:
                raise Refusal("contradiction", f"{chain[0]} on {chain[1]} and {chain[1]} on {chain[0]} "
                                               "contradict each other")
            raise Refusal("impossible", f"a cycle: {' on '.join([*chain, start])}")
