"""Disc names across looks (agent.vision.identity): hand-built perceived discs, no simulator."""

from dataclasses import replace

from agent.vision.describe import Described
from agent.vision.frames import Gripper
from agent.vision.identity import expected_centres, renamed, stack_ranked, tracked, unseen_held
from envs.detectors import ObjectState, World


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
    # a split (more discs than before): before's names go to the nearest, the piece left over gets a free one
    extra = [*now, disc("d3", 0.5, 0.2, 0.013), disc("d4", 0.5, -0.2, 0.013)]
    assert tracked(extra, before) == {"d1": "d2", "d2": "d1", "d4": "d3", "d3": "d4"}


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


def test_discs_of_a_colour_each_keep_their_colour_when_the_hand_took_the_wrong_one() -> None:
    # told to pick d2 (orange) off d3 (yellow), the hand closed on d3; d2 fell beside the left peg, and the
    # frame does not show the hand's disc. By position the fallen disc is the one expected on the left peg.
    before = (replace(disc("d1", 0.5, 0.2, 0.013), colour="red"),
              replace(disc("d2", 0.5, -0.2, 0.038), colour="orange"),
              replace(disc("d3", 0.5, -0.2, 0.013, half=0.03), colour="yellow"))
    hand = (0.28, 0.0, 0.13)
    expected = {"d1": (0.5, 0.2, 0.013), "d2": hand, "d3": (0.5, -0.2, 0.013)}
    now = [replace(disc("d1", 0.5, 0.2, 0.013), colour="red"),
           replace(disc("d2", 0.5, -0.17, 0.012), colour="orange")]
    assert tracked(now, before, expected) == {"d1": "d1", "d2": "d2"}
    held = unseen_held(now, before, Gripper(hand, width=0.05, opening=0.0), (4, 4), expected)
    assert held is not None and held.name == "d3"
    # one colour misread leaves two discs of a colour before: positions alone decide, as for grey discs
    misread = (before[0], before[1], replace(before[2], colour="orange"))
    assert tracked(now, misread, expected) == {"d1": "d1", "d2": "d3"}


def cube(name: str, colour: str, x: float, y: float, z: float = 0.02) -> Described:
    return Described(name, "cube", colour, (x, y, z), (0.02, 0.02), (0.0, 0.0))


def test_cubes_of_one_colour_keep_their_numbers_where_the_skill_left_them() -> None:
    before = (cube("red1", "red", 0.4, -0.1), cube("red2", "red", 0.5, 0.1), cube("blue1", "blue", 0.45, 0.0))
    # red1 was dropped into the bin on the right; this look numbers the reds in image order, the other way round
    now = [cube("red1", "red", 0.5, 0.1), cube("red2", "red", 0.6, 0.3), cube("blue1", "blue", 0.4, -0.1)]
    dropped = World({"red1": ObjectState("red1", "cube", (0.02, 0.02, 0.02), (0.6, 0.3, 0.03), True, 0.02)})
    # the blue cube where red1 stood keeps its colour's name
    known = {o.name: o.centre for o in before}
    assert tracked(now, before, expected_centres(known, dropped)) == {"red1": "red2", "red2": "red1",
                                                                       "blue1": "blue1"}


def test_the_held_cube_is_named_by_the_hand_when_another_hides_in_its_bin() -> None:
    hand = (0.28, 0.0, 0.13)
    # the last full look: red1 on the table near the hand, red2 and red3 further off
    before = (cube("red1", "red", 0.33, 0.05), cube("red2", "red", 0.4, -0.1), cube("red3", "red", 0.6, 0.3))
    # since then red1 went into the red bin and is read as part of it; red3 is in the hand and seen
    expected = {"red1": (0.6, -0.3, 0.03), "red2": (0.4, -0.1, 0.02), "red3": hand}
    seen_held = [cube("red1", "red", 0.4, -0.1), cube("red2", "red", 0.28, 0.0, 0.12)]
    assert tracked(seen_held, before, expected) == {"red1": "red2", "red2": "red3"}
    # by the last look's positions alone, the held cube took the hidden one's name (what dropped the first attempt)
    assert tracked(seen_held, before) == {"red1": "red2", "red2": "red1"}
    # the held cube not seen either: the hand says which of the two missing it is
    gripping = Gripper(hand, width=0.04, opening=0.0)
    now = [cube("red2", "red", 0.4, -0.1)]
    held = unseen_held(now, before, gripping, (4, 4), expected)
    assert held is not None and held.name == "red3" and held.centre == hand
    assert unseen_held(now, before, gripping, (4, 4)) is None


def test_a_cube_the_frames_stop_showing_is_expected_where_the_skill_dropped_it() -> None:
    hand, in_bin = (0.28, 0.0, 0.13), (0.6, -0.3, 0.03)
    # the last look saw red1 in the hand; the drop since then let it go into the bin, which hides it
    dropped = World({"red1": ObjectState("red1", "cube", (0.02, 0.02, 0.02), in_bin, True, 0.02)})
    after_drop = expected_centres({"red1": hand, "red2": (0.4, -0.1, 0.02)}, dropped)
    assert after_drop == {"red1": in_bin, "red2": (0.4, -0.1, 0.02)}
    # the next skill's targets no longer list red1 (no frame showed it): it stays where it was dropped
    assert expected_centres(after_drop, World({}))["red1"] == in_bin


def test_a_cube_read_as_two_pieces_in_its_bin_leaves_the_one_on_the_table_its_name() -> None:
    # red1 was dropped into the bin; the look after it reads it as two pieces and numbers the reds in image
    # order, so the cube on the table would be red1 or red3 by describe's numbers (sort 6, seed 38)
    hand = (0.28, 0.0, 0.13)
    before = (cube("red1", "red", *hand), cube("red2", "red", 0.48, 0.3))
    expected = {"red1": (0.61, -0.15, 0.03), "red2": (0.48, 0.3, 0.02)}
    now = [cube("red1", "red", 0.48, 0.3), cube("red2", "red", 0.6, -0.15, 0.03),
           cube("red3", "red", 0.6, -0.1, 0.03)]
    assert tracked(now, before, expected) == {"red1": "red2", "red2": "red1", "red3": "red3"}
    # the leftover piece takes the lowest number free when describe's name for it is taken
    now = [cube("red3", "red", 0.48, 0.3), cube("red1", "red", 0.6, -0.15, 0.03),
           cube("red2", "red", 0.6, -0.1, 0.03)]
    assert tracked(now, before, expected) == {"red3": "red2", "red1": "red1", "red2": "red3"}
