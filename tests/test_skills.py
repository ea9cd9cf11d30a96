"""Scripted pick and place on a small hanoi scene: success, clean failures and budgets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from envs.task_env import TaskEnv
from policies.scripted import SKILLS, pick, place

BUDGET = 4000


@pytest.fixture()
def hanoi2() -> Iterator[TaskEnv]:
    env = TaskEnv("hanoi", 2, image_size=32)
    env.reset(seed=0)
    yield env
    env.close()


def test_skills_are_registered() -> None:
    assert SKILLS["pick"] is pick and SKILLS["place"] is place


def test_pick_then_place_on_the_right_peg(hanoi2: TaskEnv) -> None:
    env = hanoi2
    picked = pick(env, ("d1",), BUDGET)
    assert picked.success, picked.reason
    assert 0 < picked.sim_steps <= BUDGET
    held = env.symbolic_state()
    assert "(holding d1)" in held
    assert "(handempty)" not in held and "(on d1 d2)" not in held and "(clear d1)" not in held
    assert "(clear d2)" in held

    placed = place(env, ("d1", "right"), BUDGET)
    assert placed.success, placed.reason
    assert 0 < placed.sim_steps <= BUDGET
    state = set(env.symbolic_state())
    assert {"(on d1 right)", "(on d2 left)", "(clear d1)", "(clear d2)", "(clear middle)", "(handempty)"} <= state
    assert "(holding d1)" not in state and "(on d1 d2)" not in state and "(clear right)" not in state


@pytest.mark.parametrize("name", ["left", "nope"])
def test_pick_of_a_non_movable_object_fails_cleanly(hanoi2: TaskEnv, name: str) -> None:
    before = hanoi2.symbolic_state()
    steps = hanoi2.sim.steps
    result = pick(hanoi2, (name,), BUDGET)
    assert not result.success
    assert result.sim_steps == 0 and hanoi2.sim.steps == steps
    assert name in result.reason
    assert hanoi2.symbolic_state() == before


def test_place_with_an_empty_hand_fails_cleanly(hanoi2: TaskEnv) -> None:
    before = hanoi2.symbolic_state()
    steps = hanoi2.sim.steps
    result = place(hanoi2, ("d1", "right"), BUDGET)
    assert not result.success
    assert result.sim_steps == 0 and hanoi2.sim.steps == steps
    assert "d1" in result.reason and "hand" in result.reason
    assert hanoi2.symbolic_state() == before


@pytest.mark.parametrize("budget", [1, 40, 200])
def test_a_tiny_budget_makes_pick_fail(hanoi2: TaskEnv, budget: int) -> None:
    result = pick(hanoi2, ("d1",), budget)
    assert not result.success
    assert result.reason
    assert result.sim_steps <= budget
    assert "(holding d1)" not in hanoi2.symbolic_state()


def test_a_tiny_budget_makes_place_fail(hanoi2: TaskEnv) -> None:
    assert pick(hanoi2, ("d1",), BUDGET).success
    result = place(hanoi2, ("d1", "right"), 80)
    assert not result.success
    assert result.reason
    assert result.sim_steps <= 80
    assert "(on d1 right)" not in hanoi2.symbolic_state()
