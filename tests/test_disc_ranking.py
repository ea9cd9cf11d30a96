"""The discs' order (``agent.vision.ranking``): width first, the stacking only where widths are a near-tie."""

from agent.vision.ranking import STACK_TIE, Disc, disc_order


def test_a_disc_measured_a_hair_wider_than_the_one_under_it_ranks_smaller():
    lower = Disc(0.030, (0.5, 0.0, 0.762), 0.75)
    upper = Disc(0.030 + STACK_TIE / 2, (0.5, 0.001, 0.786), 0.774)
    assert disc_order([lower, upper]) == [1, 0]


def test_an_illegal_stack_measured_clearly_is_read_as_it_is():
    lower = Disc(0.024, (0.5, 0.0, 0.762), 0.75)
    upper = Disc(0.030, (0.5, 0.0, 0.786), 0.774)
    assert disc_order([lower, upper]) == [0, 1]


def test_discs_on_different_pegs_rank_by_width_alone():
    left = Disc(0.0301, (0.5, -0.2, 0.762), 0.75)
    right = Disc(0.0300, (0.5, 0.2, 0.786), 0.774)
    assert disc_order([left, right]) == [1, 0]


def test_a_near_tie_across_pegs_does_not_undo_a_tower():
    # the upper disc of a tower is measured a hair wider than the lower, and a disc on another peg lies
    # between them by width: the tower still ranks upper before lower
    lower = Disc(0.0300, (0.5, 0.0, 0.762), 0.75)
    other = Disc(0.0303, (0.5, 0.2, 0.762), 0.75)
    upper = Disc(0.0306, (0.5, 0.0, 0.786), 0.774)
    order = disc_order([lower, other, upper])
    assert order.index(2) < order.index(0)
