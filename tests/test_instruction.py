"""The rule-based instruction parser: phrasings, synonyms, errors and the demo's default instructions."""

import pytest

from agent.goals.oracle import default_instruction, parse_instruction
from envs.errors import InstructionError

HANOI = {"d1": "disc", "d2": "disc", "d3": "disc", "left": "peg", "middle": "peg", "right": "peg"}
BLOCKS = {c: "block" for c in ("red", "green", "blue", "yellow")}
SORT = {
    "red1": "cube", "red2": "cube", "blue1": "cube", "green1": "cube",
    "red_bin": "bin", "blue_bin": "bin", "green_bin": "bin",
}


@pytest.mark.parametrize(
    ("text", "peg"),
    [
        ("move the tower to the right peg", "right"),
        ("Please move the tower onto the LEFT rod.", "left"),
        ("move the whole stack to the center pole", "middle"),
        ("move the tower to the middle", "middle"),
    ],
)
def test_hanoi_tower(text: str, peg: str) -> None:
    assert parse_instruction(text, "hanoi", HANOI) == {"(on d3 " + peg + ")", "(on d2 d3)", "(on d1 d2)"}


def test_hanoi_uses_every_disc_in_size_order() -> None:
    scene = HANOI | {f"d{i}": "disc" for i in range(4, 11)}
    goal = parse_instruction("move the tower to the right peg", "hanoi", scene)
    assert "(on d10 right)" in goal and "(on d9 d10)" in goal and len(goal) == 10


@pytest.mark.parametrize(
    "text",
    [
        "put the red block on the blue one",
        "put red on blue",
        "Stack red on blue!",
        "place red on top of the blue cube",
        "please put red onto blue.",
    ],
)
def test_blocks_on(text: str) -> None:
    assert parse_instruction(text, "blocks", BLOCKS) == {"(on red blue)"}


def test_blocks_table_and_towers() -> None:
    assert parse_instruction("put red on the table", "blocks", BLOCKS) == {"(ontable red)"}
    tower = {"(on blue green)", "(on green red)"}
    assert parse_instruction("stack blue on green on red", "blocks", BLOCKS) == tower
    assert parse_instruction("Build a tower: blue on green on red.", "blocks", BLOCKS) == tower
    assert parse_instruction("stack blue on green on red on the table", "blocks", BLOCKS) == tower | {"(ontable red)"}


def test_sort_forms() -> None:
    everything = {"(in red1 red_bin)", "(in red2 red_bin)", "(in blue1 blue_bin)", "(in green1 green_bin)"}
    assert parse_instruction("sort the cubes by colour", "sort", SORT) == everything
    assert parse_instruction("Sort the cubes by color.", "sort", SORT) == everything
    assert parse_instruction("sort the cubes", "sort", SORT) == everything  # the task's own verb says where
    colours = {name: name.rstrip("0123456789").removesuffix("_bin") for name in SORT}
    assert parse_instruction("sort everything except the red cubes", "sort", SORT, colours) == everything - {
        "(in red1 red_bin)", "(in red2 red_bin)"}
    assert parse_instruction("put all the red cubes in the blue bin", "sort", SORT) == {
        "(in red1 blue_bin)",
        "(in red2 blue_bin)",
    }
    assert parse_instruction("put red1 in the red bin", "sort", SORT) == {"(in red1 red_bin)"}
    assert parse_instruction("drop green1 into green_bin", "sort", SORT) == {"(in green1 green_bin)"}
    assert parse_instruction("put blue1 in its bin", "sort", SORT, colours) == {"(in blue1 blue_bin)"}


def test_a_superlative_among_all_of_a_kind() -> None:
    assert parse_instruction("move the biggest of the discs to the middle peg", "hanoi", HANOI) == {
        "(on d3 middle)"}


@pytest.mark.parametrize(
    ("text", "task", "scene", "message"),
    [
        ("move the tower to the top peg", "hanoi", HANOI, r"unknown peg 'top' \(in the scene: left, middle, right\)"),
        ("put red on purple", "blocks", BLOCKS, r"unknown block 'purple' \(in the scene: blue, green, red, yellow\)"),
        ("put red on red", "blocks", BLOCKS, "a block cannot be on itself"),
        ("stack red on blue on red", "blocks", BLOCKS, "a block cannot be on itself"),
        ("put red on the table on blue", "blocks", BLOCKS, "the table cannot be moved"),
        ("put all the yellow cubes in the red bin", "sort", SORT, r"unknown cube colour 'yellow' \(in the scene: blue"),
        ("put red1 in the yellow bin", "sort", SORT, "unknown bin 'yellow_bin'"),
        ("put pink7 in the red bin", "sort", SORT, "unknown cube 'pink7'"),
        ("juggle the blocks", "blocks", BLOCKS, "cannot read 'juggle the blocks' as a blocks instruction; supported"),
        ("juggle the cubes", "sort", SORT, "supported forms: sort the cubes by colour"),
        ("move the tower to the right peg", "chess", HANOI, "no instruction parser for task 'chess'"),
    ],
)
def test_errors(text: str, task: str, scene: dict[str, str], message: str) -> None:
    with pytest.raises(InstructionError, match=message):
        parse_instruction(text, task, scene)


@pytest.mark.parametrize("seed", range(6))
def test_default_blocks_instruction_is_a_tower_of_all_blocks(seed: int) -> None:
    text = default_instruction("blocks", BLOCKS, seed)
    assert text == default_instruction("blocks", BLOCKS, seed)
    order = text.removeprefix("stack ").split(" on ")
    assert sorted(order) == sorted(BLOCKS)
    assert parse_instruction(text, "blocks", BLOCKS) == {f"(on {a} {b})" for a, b in zip(order, order[1:])}


def test_default_blocks_order_depends_on_seed() -> None:
    assert len({default_instruction("blocks", BLOCKS, seed) for seed in range(10)}) > 1


@pytest.mark.parametrize(("task", "scene"), [("hanoi", HANOI), ("sort", SORT)])
def test_default_instruction_parses(task: str, scene: dict[str, str]) -> None:
    assert parse_instruction(default_instruction(task, scene, seed=0), task, scene)


@pytest.mark.parametrize("text", ["stack all the blocks into one tower", "Build one tower of all the blocks.",
                                  "put every block in a single tower, in any order"])
def test_one_tower_leaves_the_order_to_the_planner(text: str) -> None:
    assert parse_instruction(text, "blocks", BLOCKS) == {"(on ?b1 ?b2)", "(on ?b2 ?b3)", "(on ?b3 ?b4)"}
    assert parse_instruction(text, "blocks", {"red": "block"}) == {"(ontable ?b1)"}
