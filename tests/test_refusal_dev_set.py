"""The hand-written refusal development set agrees with its scenes and domains (a check of the data, not a reader)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agent.goals.refusal import SceneFacts, check_goal
from agent.planning.atoms import holds
from agent.planning.domain import domain_folder, load_domain
from envs.errors import REFUSAL_REASONS, Refusal
from envs.task_env import TaskEnv
from policies.seeds import RUN_DEVELOPMENT

FOLDER = Path(__file__).parent / "data" / "refusal-dev"


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FOLDER / name).read_text().splitlines() if line.strip()]


def _every(kind: str) -> list[dict[str, Any]]:
    """The lines of every ``valid*`` (or ``refuse*``) file of the set."""
    return [line for path in sorted(FOLDER.glob(f"{kind}*.jsonl")) for line in _lines(path.name)]


@pytest.fixture(scope="module")
def scenes() -> dict[tuple[str, int, int], SceneFacts]:
    facts = {}
    for line in [*_every("refuse"), *_every("valid")]:
        key = (line["task"], line["size"], line["seed"])
        if key not in facts:
            env = TaskEnv(line["task"], line["size"], image_size=16)
            env.reset(seed=line["seed"])
            facts[key] = SceneFacts.of(env, env.symbolic_state())
            env.close()
    return facts


def test_every_reason_has_thirty_lines_on_development_seeds() -> None:
    refuse, valid = _lines("refuse.jsonl"), _lines("valid.jsonl")
    assert set(Counter(line["refuse"] for line in refuse)) == set(REFUSAL_REASONS)
    assert min(Counter(line["refuse"] for line in refuse).values()) >= 30 and len(valid) >= 100
    every = [*_every("refuse"), *_every("valid")]
    assert all(line["seed"] in RUN_DEVELOPMENT for line in every)
    texts = [(line["task"], line["size"], line["seed"], line["instruction"]) for line in every]
    assert len(set(texts)) == len(texts)


def test_notes_and_goals_agree_with_the_scenes(scenes: dict[tuple[str, int, int], SceneFacts]) -> None:
    domains = {task: load_domain(domain_folder(task), task=task) for task in ("hanoi", "blocks", "sort")}
    for line in _every("valid"):
        check_goal(line["goal"], scenes[line["task"], line["size"], line["seed"]], domains[line["task"]])
    for line in _every("refuse"):
        scene = scenes[line["task"], line["size"], line["seed"]]
        assert holds(line.get("holds", []), scene.state), line
        for word in line.get("absent", []):
            assert word not in {*scene.kinds, *scene.kinds.values(), *scene.colours.values()}, line
        assert len(line.get("fits", [])) != 1 and set(line.get("fits", [])) <= set(scene.kinds), line
        if "asks" in line:
            with pytest.raises(Refusal) as caught:
                check_goal(line["asks"], scene, domains[line["task"]])
            assert caught.value.reason == line["refuse"], line
