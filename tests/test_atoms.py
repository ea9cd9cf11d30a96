"""Goals with variables hold when some assignment of objects makes every atom true."""

import pytest

from agent.planning.atoms import has_variables, holds, is_variable, valid_variable

TOWER = {"(on ?b1 ?b2)", "(on ?b2 ?b3)"}


def test_has_variables() -> None:
    assert has_variables(["(on a b)", "(on ?x a)"])
    assert not has_variables(["(on a b)", "(ontable b)"])


def test_ground_goal_is_a_subset_test() -> None:
    assert holds({"(on a b)"}, {"(on a b)", "(clear a)"})
    assert not holds({"(on a b)", "(clear b)"}, {"(on a b)", "(clear a)"})
    assert holds(set(), {"(clear a)"})


def test_one_tower_holds_for_any_order_of_a_single_stack() -> None:
    assert holds(TOWER, {"(on c a)", "(on a b)", "(ontable b)"})
    assert holds(TOWER, {"(on a b)", "(on b c)", "(ontable c)"})
    # two stacks: no chain of three
    assert not holds(TOWER, {"(on a b)", "(ontable b)", "(ontable c)"})


def test_a_variable_binds_one_object_across_atoms() -> None:
    goal = {"(on red ?x)", "(ontable ?x)"}
    assert holds(goal, {"(on red blue)", "(ontable blue)", "(ontable green)"})
    # red stands on blue, but the block on the table is green
    assert not holds(goal, {"(on red blue)", "(on blue green)", "(ontable green)"})


def test_backtracking_tries_every_candidate() -> None:
    # the first (on ?x ?y) in sorted order, (on a b), leads nowhere; (on c d) does
    goal = {"(on ?x ?y)", "(heavy ?y)"}
    assert holds(goal, {"(on a b)", "(on c d)", "(heavy d)"})
    assert not holds(goal, {"(on a b)", "(on c d)", "(heavy a)"})


@pytest.mark.parametrize("arg, variable, valid", [("?b1", True, True), ("b1", False, False), ("?1b", True, False),
                                                  ("?", True, False), ("?top-block", True, True)])
def test_variable_names(arg: str, variable: bool, valid: bool) -> None:
    assert is_variable(arg) is variable
    assert valid_variable(arg) is valid
