"""What the perception dataset is drawn from: the sentence templates of ``language.py`` and the grammar of
``grammar.py``, mixed.

The templates are the project's own phrasing, which the end-to-end runs and the held-out splits were built
on; the grammar is how people write the same goals (bottom-up towers, two clauses, planner names, single
discs, politeness and typos). Each draw takes the grammar with probability ``GRAMMAR_SHARE``.
"""

from __future__ import annotations

import random

from agent.perception import grammar, language
from agent.perception.language import Example, Facts

#: the share of draws that take the grammar rather than the templates. Every split, the shipped network's
#: tests and its novelty statistics are drawn here, so changing it asks for a retrained checkpoint
#: (docs/experiments/perception.md: 0.4 at 24 epochs is what ships).
GRAMMAR_SHARE = 0.4


def draw_example(rng: random.Random, facts: Facts, share: float | None = None) -> Example | None:
    """One example, from the grammar with probability ``share`` (default ``GRAMMAR_SHARE``) or the
    templates (``None`` when the draw does not fit the scene). A share of 0 draws nothing for the choice, so
    the templates' examples are those of the generator before the grammar, number for number."""
    share = GRAMMAR_SHARE if share is None else share
    if share > 0 and rng.random() < share:
        return grammar.grammar_example(rng, facts)
    return language.template_example(rng, facts)


def draw_examples(facts: Facts, rng: random.Random, count: int, templates: str = "train",
                  colours: str = "train", attempts: int = 400, share: float | None = None) -> list[Example]:
    """Up to ``count`` distinct examples for one scene.

    ``templates``: ``"train"`` keeps templates and productions seen in training, ``"held-out"`` only held-out
    ones. ``colours``: ``"train"`` excludes held-out colour pairs, ``"held-out"`` requires one. ``share``: as
    ``draw_example``.
    """
    found: dict[str, Example] = {}
    for _ in range(attempts):
        if len(found) >= count:
            break
        example = draw_example(rng, facts, share)
        if example is None or example.instruction in found:
            continue
        if example.held_out_template != (templates == "held-out"):
            continue
        if example.held_out_colours != (colours == "held-out"):
            continue
        found[example.instruction] = example
    return list(found.values())
