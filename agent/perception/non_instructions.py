"""Sentences that are no instruction, made by procedures: what the novelty threshold is checked against.

Three kinds, each made from a seed: random letters (words of random length drawn from the alphabet),
shuffled words (the words of a valid instruction in a random order, and every other word dropped, so
the task's vocabulary is there but no request), and sentences of other topics (a small grammar of
questions and remarks about the weather, food, time and people, none about objects to move).
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence

_TOPICS = {
    "weather": ("it is {adj} outside today", "will it {verb} tomorrow", "the weather has been {adj} all week",
                "what is the forecast for {day}"),
    "food": ("what should we cook for {meal}", "i had {dish} for {meal}", "is the {dish} any good here",
             "{dish} is my favourite thing to eat"),
    "time": ("what time is it", "see you on {day}", "how long until {day}", "the meeting moved to {day}"),
    "people": ("how are you doing", "my friend lives in {city}", "tell me a joke about {city}",
               "who won the game on {day}"),
}
_FILL = {
    "adj": ("sunny", "cold", "windy", "grey", "lovely", "humid"),
    "verb": ("rain", "snow", "clear up", "storm"),
    "day": ("monday", "friday", "the weekend", "next week"),
    "meal": ("dinner", "lunch", "breakfast"),
    "dish": ("soup", "pasta", "curry", "salad", "pizza"),
    "city": ("paris", "lagos", "lima", "osaka"),
}


def random_letters(rng: random.Random) -> str:
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 8)))
                    for _ in range(rng.randint(1, 5)))


def shuffled_words(rng: random.Random, instruction: str) -> str:
    words = instruction.split()
    rng.shuffle(words)
    return " ".join(words[::2]) or instruction


def other_topic(rng: random.Random) -> str:
    template = rng.choice(rng.choice(list(_TOPICS.values())))
    return template.format(**{key: rng.choice(values) for key, values in _FILL.items()})


def non_instructions(instructions: Sequence[str], seed: int, count: int = 200) -> dict[str, list[str]]:
    """``count`` non-instructions of each kind; shuffled words are made from ``instructions``."""
    rng = random.Random(seed)
    return {
        "random_letters": [random_letters(rng) for _ in range(count)],
        "shuffled_words": [shuffled_words(rng, rng.choice(instructions)) for _ in range(count)],
        "other_topics": [other_topic(rng) for _ in range(count)],
    }
