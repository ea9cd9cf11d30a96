"""The shipped goal network behind ``nesy goal``, ``nesy eval-goals`` and ``nesy run --goal perception``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import EXIT_USER_ERROR, main
from agent.perception.predictor import GoalReader
from agent.runs.config import RunConfig
from agent.runs.runner import run
from envs.errors import GoalError
from envs.scene_report import describe_scene


@pytest.fixture(scope="module")
def reader() -> GoalReader:
    return GoalReader(device="cpu")


def _blocks(seed: int) -> list[str]:
    return [o["name"] for o in describe_scene("blocks", 4, seed)["objects"]]


def test_goal_command_reads_a_named_goal(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _blocks(0)[:2]
    code = main(["goal", "--task", "blocks", "--size", "4", "--seed", "0", "--json", "--device", "cpu",
                 "--instruction", f"please put the {first} block on the {second} one"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["goal"] == [f"(on {first} {second})"]
    assert 0.5 <= result["confidence"][f"(on {first} {second})"] <= 1.0


def test_eval_goals_scores_in_input_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _blocks(3)[:2]
    lines = [
        {"task": "hanoi", "size": 3, "seed": 4, "instruction": "move the tower to the middle peg",
         "goal": ["(on d1 d2)", "(on d2 d3)", "(on d3 middle)"]},
        {"task": "blocks", "size": 4, "seed": 3, "instruction": f"put {a} on {b}"},
        {"task": "blocks", "size": 4, "seed": 3, "instruction": f"stack {b} on {a}", "goal": [f"(on {b} {a})"]},
        {"task": "sort", "size": 3, "seed": 0, "instruction": "sort the cubes by colour",
         "goal": ["(in blue1 blue_bin)", "(in blue2 blue_bin)", "(in yellow1 yellow_bin)"]},
    ]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = tmp_path / "results.json"
    assert main(["eval-goals", str(requests), "--json", str(out), "--quiet", "--device", "cpu"]) == 0
    result = json.loads(out.read_text())
    assert [r["instruction"] for r in result["records"]] == [line["instruction"] for line in lines]
    assert "correct" not in result["records"][1] and result["records"][1]["predicted"] == [f"(on {a} {b})"]
    assert all(r["refused"] is None for r in result["records"])
    assert all(r["correct"] for i, r in enumerate(result["records"]) if i != 1)
    assert result["accuracy"] == 1.0
    assert "accuracy 100.00%" in capsys.readouterr().out


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ('{"task": "hanoi", "size": 3, "seed": 0}', "missing instruction"),
    ('{"task": "towers", "size": 3, "seed": 0, "instruction": "x"}', "unknown task 'towers'"),
    ('{"task": "hanoi", "size": 9, "seed": 0, "instruction": "x"}', "sizes 1 to 6"),
    ('{"task": "hanoi", "size": 3, "seed": -1, "instruction": "x"}', "seed must be"),
    ('{"task": "hanoi", "size": 3, "seed": 0, "instruction": "x", "goal": "(on d1 d2)"}', "goal must be a list"),
])
def test_eval_goals_names_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str,
                                       message: str) -> None:
    requests = tmp_path / "bad.jsonl"
    good = '{"task": "hanoi", "size": 3, "seed": 0, "instruction": "move the tower to the right peg"}'
    requests.write_text(good + "\n\n" + line + "\n")
    out = tmp_path / "out.json"
    assert main(["eval-goals", str(requests), "--json", str(out)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert f"{requests}:3" in err and message in err
    assert not out.exists()


def test_missing_checkpoint_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    absent = tmp_path / "none.pt"
    assert main(["goal", "--instruction", "stack red on blue", "--checkpoint", str(absent)]) == EXIT_USER_ERROR
    assert str(absent) in capsys.readouterr().err


def test_run_plans_from_the_perceived_goal(tmp_path: Path) -> None:
    summary = run(RunConfig(task="hanoi", size=3, seed=0, out=str(tmp_path / "run"), device="cpu"), progress=False)
    (episode,) = summary["episodes"]
    assert summary["goal"] == "perception"
    assert episode["goal"] == episode["intended_goal"] == ["(on d1 d2)", "(on d2 d3)", "(on d3 right)"]
    assert episode["success"], episode["reason"]


def test_run_says_when_the_network_cannot_express_the_goal(tmp_path: Path) -> None:
    """"Stack all the blocks into one tower" leaves the order open; the network names objects, so the
    episode fails with the way out instead of planning for a goal the instruction did not ask for."""
    summary = run(RunConfig(task="blocks", size=4, seed=100000, variant="sizes", controller="scripted",
                            out=str(tmp_path / "run"), device="cpu"), progress=False)
    (episode,) = summary["episodes"]
    assert not episode["success"] and episode["executed"] == []
    assert "--goal oracle" in episode["reason"] and "?b1" in episode["reason"]


def test_image_references_need_the_image(reader: GoalReader) -> None:
    """Blanking the frame must change a reading that depends on where things are."""
    from agent.perception.observation import observe
    from envs.task_env import TaskEnv

    env = TaskEnv("hanoi", 3, image_size=16, tower_peg="middle")
    env.reset(seed=1)
    view, state = observe(env), env.symbolic_state()
    env.close()
    seen = reader.read_view(view, "move the tower to the peg to its right", state)
    assert "(on d3 right)" in seen.goal
    try:
        blind = reader.read_view(view.blanked(), "move the tower to the peg to its right", state).goal
    except GoalError:  # no reading at all is also a failure to read it
        blind = ()
    assert set(blind) != set(seen.goal)


#: scenes this far into a split's open seed range: training and its evaluation read the first few hundred, the
#: locked figures come from a range of their own, so no recipe or checkpoint was ever chosen on these
FRESH_FIRST = 500_000


@pytest.mark.slow
@pytest.mark.parametrize("split, scenes, floor", [
    # the locked figures are 99.0% on locked-test and 97.8% on locked-larger (docs/results.md); measured here
    # 299/300 and 196/200. Each floor allows two to three times the misses those figures predict, so only a
    # broken network fails it
    ("test", 75, 0.97),
    ("larger", 50, 0.95),
])
def test_the_shipped_network_reads_fresh_scenes(reader: GoalReader, split: str, scenes: int, floor: float) -> None:
    """Recomputed, not read back from the checkpoint: the shipped GoalNet reads freshly rendered scenes of
    ``split`` (four instructions each); with the image blanked, fewer than half of the instructions that need
    it, of every kind, are read right."""
    from agent.perception.dataset import generate
    from agent.perception.train import evaluate

    dataset = generate(split, scenes, workers=1, progress=False, first=FRESH_FIRST)
    assert dataset.scenes[0]["seed"] % 1_000_000 == FRESH_FIRST and len(dataset.examples) == 4 * scenes
    reader.encoder.encode(e["instruction"] for e in dataset.examples)
    result = evaluate(reader.model, reader.encoder, dataset, reader.device)
    assert result["accuracy"] >= floor, result["by_task"]
    blanked = evaluate(reader.model, reader.encoder, dataset, reader.device, blank=True)
    assert blanked["accuracy"] < 0.5, "without the image, position, relation and scene must be guesses"
    assert all(v < 0.5 for v in blanked["by_category"].values()), blanked["by_category"]


def test_train_refuses_too_few_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "perception", "--samples", "5", "--out", str(out), "--quiet"]) == EXIT_USER_ERROR
    assert "--samples" in capsys.readouterr().err
    assert not out.exists()
