"""Disc names across looks (agent.vision.identity): hand-built perceived discs, no simulator."""

from agent.vision.describe import Described
from agent.vision.frames import Gripper
from agent.vision.identity import renamed, stack_ranked, tracked, unseen_held


def disc(name: str, x: float, y: float, z: float, half: float = 0.02) -> Described:
    return Described(name, "disc", "grey", (x, y, z), (half, 0.01), (0.0, 0.0))


def test_stacking_outranks_a_swapped_width() -> None:
    # widths read d1 as the bottom disc; the tower says the top one is the smallest
    objects = [disc("d1", 0.5, -0.2, 0.013), disc("d2", 0.5, -0.2, 0.038), disc("d3", 0.5, -0.2, 0.063)]
    state = ["(on d2 d1)", "(on d3 d2)", "(on d1 left)"]
    mapping = stack_ranked(objects, state, "on")
    assert mapping == {"d3": "d1", "d2": "d2", "d1": "d3"}
    _, atoms, _ = renamed(objects, state, None, mapping)
    assert atoms == ["(on d1 d2)", "(on d2 d3)", "(on d3 left)"]


def test_cyclic_stacking_keeps_the_width_order() -> None:
    objects = [disc("d1", 0.5, 0.0, 0.013), disc("d2", 0.5, 0.0, 0.038)]
    assert stack_ranked(objects, ["(on d1 d2)", "(on d2 d1)"], "on") == {"d1": "d1", "d2": "d2"}


def test_the_moved_disc_keeps_its_name_and_the_others_theirs() -> None:
    before = (disc("d1", 0.5, 0.0, 0.038), disc("d2", 0.5, 0.0, 0.013), disc("d3", 0.5, -0.2, 0.013))
    # d3 moved from the left peg to the right one; this look ranked the widths differently
    now = [disc("d1", 0.5, 0.0, 0.013), disc("d2", 0.5, 0.0, 0.038), disc("d3", 0.5, 0.2, 0.013)]
    assert tracked(now, before) == {"d1": "d2", "d2": "d1", "d3": "d3"}


def test_a_missing_disc_leaves_the_others_named() -> None:
    before = (disc("d1", 0.5, 0.0, 0.038), disc("d2", 0.5, 0.0, 0.013), disc("d3", 0.5, -0.2, 0.013))
    now = [disc("d1", 0.5, 0.0, 0.013), disc("d2", 0.5, 0.0, 0.038)]
    assert tracked(now, before) == {"d1": "d2", "d2": "d1"}
    # a split (more discs than before) keeps describe's names
    extra = [*now, disc("d3", 0.5, 0.2, 0.013), disc("d4", 0.5, -0.2, 0.013)]
    assert tracked(extra, before) == {d.name: d.name for d in extra}


def test_a_gripped_object_the_frame_does_not_show_is_the_one_the_last_look_had() -> None:
    before = (disc("d1", 0.5, 0.0, 0.038), disc("d2", 0.5, 0.0, 0.013), disc("d3", 0.5, -0.2, 0.013, half=0.03))
    now = [disc("d1", 0.5, 0.0, 0.038), disc("d2", 0.5, 0.0, 0.013)]
    hand = (0.28, 0.0, 0.13)
    gripping = Gripper(hand, width=0.04, opening=0.0)
    held = unseen_held(now, before, gripping, (4, 4))
    assert held is not None and held.name == "d3" and held.centre == hand and held.half == (0.03, 0.01)
    assert held.mask is not None and held.mask.shape == (4, 4) and not held.mask.any()
    # fingers closed on nothing, nothing missing, or two objects missing: no guess
    assert unseen_held(now, before, Gripper(hand, width=0.0, opening=0.0), (4, 4)) is None
    assert unseen_held(list(before), before, gripping, (4, 4)) is None
    assert unseen_held(now[:1], before, gripping, (4, 4)) is None

