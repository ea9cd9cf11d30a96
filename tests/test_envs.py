"""The registered environments: the gymnasium contract, seeding, the camera, scene sizes and isolation."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from envs.scene_report import describe_scene
from envs.scenes.hanoi import DISC_COLORS, DISC_HEIGHT, DRAWN_THICKNESS, PEGS, disc_width
from envs.scenes.sort import SORT_COLORS
from envs.simulation import TABLE_TOP_Z
from envs.task_env import ENV_IDS, TaskEnv


def hanoi_tower_state(n: int, peg: str = "left") -> set[str]:
    """What the detectors should report for ``n`` discs stacked on ``peg``."""
    discs = [f"d{i}" for i in range(1, n + 1)]
    state = {f"(on {d} {below})" for d, below in zip(discs, [*discs[1:], peg])}
    state |= {"(clear d1)", "(handempty)"} | {f"(clear {p})" for p in PEGS if p != peg}
    state |= {f"(smaller {a} {b})" for i, a in enumerate(discs) for b in discs[i + 1:]}
    state |= {f"(smaller {d} {p})" for d in discs for p in PEGS}
    return state


@pytest.mark.parametrize("task", sorted(ENV_IDS))
def test_check_env(task: str) -> None:
    env = gym.make(ENV_IDS[task], size=2, render_mode="rgb_array")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*infinity.*")  # unbounded poses and depth are intended
            check_env(env.unwrapped, skip_render_check=False)
        env.reset(seed=0)
        frame = env.render()
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    finally:
        env.close()


def test_make_passes_kwargs() -> None:
    env = gym.make(ENV_IDS["hanoi"], size=2, image_size=32, start="random")
    try:
        obs, info = env.reset(seed=0)
        assert obs["image"].shape == (32, 32, 3)
        assert obs["objects"].shape == (2, 7)
        assert info["movable"] == ["d1", "d2"]
    finally:
        env.close()


@pytest.mark.parametrize("task", sorted(ENV_IDS))
def test_same_seed_same_scene(task: str) -> None:
    a, b = TaskEnv(task, 3, image_size=48), TaskEnv(task, 3, image_size=48)
    try:
        obs_a, info_a = a.reset(seed=7)
        obs_b, info_b = b.reset(seed=7)
        assert obs_a.keys() == obs_b.keys()
        for key in obs_a:
            np.testing.assert_array_equal(obs_a[key], obs_b[key], err_msg=key)
        assert info_a == info_b
        assert a.symbolic_state() == b.symbolic_state()
        # and after the same actions too
        action = np.array([0.5, -0.3, -0.2, 0.0], dtype=np.float32)
        for _ in range(5):
            obs_a, *_ = a.step(action)
            obs_b, *_ = b.step(action)
        for key in obs_a:
            np.testing.assert_array_equal(obs_a[key], obs_b[key], err_msg=key)
    finally:
        a.close()
        b.close()


def test_reset_with_the_same_seed_rebuilds_the_same_scene() -> None:
    env = TaskEnv("blocks", 3, image_size=48)
    try:
        first, _ = env.reset(seed=11)
        state = env.symbolic_state()
        for _ in range(3):
            env.step(env.action_space.sample())
        again, _ = env.reset(seed=11)
        for key in first:
            np.testing.assert_array_equal(first[key], again[key], err_msg=key)
        assert env.symbolic_state() == state
    finally:
        env.close()


def test_different_seed_different_blocks_scene() -> None:
    env = TaskEnv("blocks", 3, image_size=48)
    try:
        poses = [env.reset(seed=seed)[0]["objects"][:, :3].copy() for seed in (0, 1)]
        assert not np.allclose(poses[0], poses[1], atol=1e-3)
    finally:
        env.close()


def test_hanoi_pegs_left_to_right_in_the_image() -> None:
    env = TaskEnv("hanoi", 3)
    try:
        obs, _ = env.reset(seed=0)
        us = [env.camera.project(env.sim.pose(p).position)[0] for p in PEGS]
        assert us[0] < us[1] < us[2]
        assert all(0 <= u < env.camera.width for u in us)
        # The empty pegs' markers are gray where the camera projects them; the left one is under the tower.
        for name in ("middle", "right"):
            u, v = env.camera.project(env.sim.pose(name).position)
            r, g, b = (int(c) for c in obs["image"][round(v), round(u)])
            assert abs(r - g) < 12 and abs(g - b) < 12 and r < 200, (name, (r, g, b))
        u, v = env.camera.project(env.sim.pose("left").position)
        r, g, b = (int(c) for c in obs["image"][round(v), round(u)])
        assert not (abs(r - g) < 12 and abs(g - b) < 12), ("left peg should be hidden by the discs", (r, g, b))
    finally:
        env.close()

    report = describe_scene("hanoi", 3, 0)
    pixels = {o["name"]: o["pixel"] for o in report["objects"]}
    assert pixels["left"][0] < pixels["middle"][0] < pixels["right"][0]
    assert [round(u) for u in us] == [pixels[p][0] for p in PEGS]


@pytest.mark.parametrize("size", [3, 4, 5, 6])
def test_hanoi_sizes_build_a_full_tower_on_the_left(size: int) -> None:
    env = TaskEnv("hanoi", size, image_size=32)
    try:
        env.reset(seed=0)
        assert set(env.symbolic_state()) == hanoi_tower_state(size)
    finally:
        env.close()


def test_hanoi_random_start_is_legal() -> None:
    env = TaskEnv("hanoi", 4, image_size=32, start="random")
    try:
        layouts = set()
        for seed in range(4):
            env.reset(seed=seed)
            state = env.symbolic_state()
            on = {}
            for atom in state:
                parts = atom.strip("()").split()
                if parts[0] == "on":
                    assert parts[1] not in on, f"{parts[1]} on two things: {state}"
                    on[parts[1]] = parts[2]
            assert sorted(on) == ["d1", "d2", "d3", "d4"], state
            for disc, below in on.items():
                assert below in PEGS or int(below[1:]) > int(disc[1:]), (disc, below, state)
            assert "(handempty)" in state
            layouts.add(tuple(sorted(on.items())))
        assert len(layouts) > 1, "random starts should differ across seeds"
    finally:
        env.close()


def _disc_widths(env: TaskEnv) -> list[float]:
    return [round(o.size, 4) for o in env.scene.objects if o.kind == "disc"]


def test_hanoi_drawn_discs_are_any_of_the_six_as_they_are_in_the_full_set() -> None:
    """A drawn disc keeps the width, colour and name it has among all six, so the names skip where discs are
    missing; the tower is still stacked widest first and the detectors read it by width."""
    ladder = [round(disc_width(step), 4) for step in range(1, 7)]
    graded, drawn = TaskEnv("hanoi", 3, image_size=32), TaskEnv("hanoi", 3, image_size=32, widths="drawn")
    try:
        graded.reset(seed=0)
        assert _disc_widths(graded) == ladder[:3]
        seen = set()
        for seed in range(8):
            drawn.reset(seed=seed)
            discs = [o for o in drawn.scene.objects if o.kind == "disc"]
            assert len(discs) == 3 and all(round(o.size, 4) == ladder[int(o.name[1:]) - 1] for o in discs)
            assert [o.color for o in discs] == [DISC_COLORS[int(o.name[1:]) - 1] for o in discs]
            names = sorted((o.name for o in discs), key=lambda n: int(n[1:]))
            tower = {f"(on {a} {b})" for a, b in zip(names, [*names[1:], "left"])}
            state = set(drawn.symbolic_state())
            assert tower <= state and f"(clear {names[0]})" in state, "the narrowest disc is on top"
            assert {f"(smaller {a} {b})" for i, a in enumerate(names) for b in names[i + 1:]} <= state
            drawn.reset(seed=seed)
            assert [o.name for o in drawn.scene.objects if o.kind == "disc"] == [o.name for o in discs], \
                "the same seed draws the same discs"
            seen.add(tuple(names))
        assert len(seen) > 1 and any(n != ("d1", "d2", "d3") for n in seen)
    finally:
        graded.close()
        drawn.close()


def test_hanoi_drawn_thickness_varies_per_disc_and_keeps_the_tower() -> None:
    """Perception trains on discs of drawn thickness, so a tower of four can stand as high as one of six."""
    low, high = (DISC_HEIGHT * f for f in DRAWN_THICKNESS)
    env = TaskEnv("hanoi", 4, image_size=32, thickness="drawn")
    try:
        tallest = 0.0
        for seed in range(8):
            env.reset(seed=seed)
            discs = [o for o in env.scene.objects if o.kind == "disc"]
            thickness = [2 * o.half_extents[2] for o in discs]
            assert all(low <= t <= high for t in thickness) and len(set(thickness)) == 4, thickness
            assert set(env.symbolic_state()) == hanoi_tower_state(4), "the discs still stand in one tower"
            tallest = max(tallest, env.sim.pose("d1").position[2] + discs[0].half_extents[2])
            env.reset(seed=seed)
            assert [2 * o.half_extents[2] for o in env.scene.objects if o.kind == "disc"] == thickness
        assert tallest > TABLE_TOP_Z + 5 * DISC_HEIGHT, "some tower of four reaches above five standard discs"
    finally:
        env.close()


def test_sort_bins_stand_in_a_drawn_order() -> None:
    """Which bin is leftmost is only known from looking: it is not given away by the colours present."""
    env = TaskEnv("sort", 6, image_size=32)
    try:
        orders = set()
        for seed in range(12):
            env.reset(seed=seed)
            bins = [o.name for o in env.scene.objects if o.kind == "bin"]
            ys = {name: env.sim.pose(name).position[1] for name in bins}
            orders.add(tuple(sorted(bins, key=ys.get)))
            assert len({round(y, 3) for y in ys.values()}) == len(bins)
        palette = [f"{c}_bin" for c in SORT_COLORS]
        assert any(list(order) != sorted(order, key=palette.index) for order in orders), orders
    finally:
        env.close()


@pytest.mark.parametrize("task, size", [("hanoi", 0), ("hanoi", 7), ("blocks", 0), ("blocks", 9), ("sort", 0),
                                        ("sort", 9)])
def test_unsupported_sizes_raise(task: str, size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        TaskEnv(task, size)


def test_bad_options_raise() -> None:
    with pytest.raises(ValueError, match="task"):
        TaskEnv("nope", 2)
    with pytest.raises(ValueError, match="start"):
        TaskEnv("hanoi", 2, start="sideways")
    with pytest.raises(ValueError, match="widths"):
        TaskEnv("hanoi", 2, widths="random")
    with pytest.raises(ValueError, match="widths"):
        TaskEnv("hanoi", 2, variant="weighted", widths="drawn")
    with pytest.raises(ValueError, match="thickness"):
        TaskEnv("hanoi", 2, thickness="thick")
    with pytest.raises(ValueError, match="thickness"):
        TaskEnv("hanoi", 2, variant="weighted", thickness="drawn")
    with pytest.raises(ValueError, match="render_mode"):
        TaskEnv("hanoi", 2, render_mode="human")


def test_envs_coexist_in_one_process() -> None:
    a, b = TaskEnv("blocks", 3, image_size=32), TaskEnv("hanoi", 3, image_size=32)
    c = TaskEnv("blocks", 3, image_size=32)
    try:
        a.reset(seed=0)
        obs_b, _ = b.reset(seed=0)
        c.reset(seed=0)
        state_b = b.symbolic_state()
        robot_c = c.robot.ee_position()
        action = np.array([1.0, 1.0, -1.0, -1.0], dtype=np.float32)
        for _ in range(20):
            obs_a, *_ = a.step(action)
        assert not np.allclose(obs_a["robot"][:3], obs_b["robot"][:3])
        # b and c did not move while a did
        np.testing.assert_array_equal(b._observation()["robot"], obs_b["robot"])
        np.testing.assert_array_equal(b._observation()["objects"], obs_b["objects"])
        assert b.symbolic_state() == state_b
        np.testing.assert_array_equal(c.robot.ee_position(), robot_c)
        assert not np.allclose(a.robot.ee_position(), c.robot.ee_position(), atol=1e-3)
        # closing one leaves the others working
        a.close()
        b.step(np.zeros(4, dtype=np.float32))
        assert b.symbolic_state() == state_b
    finally:
        for env in (a, b, c):
            env.close()
