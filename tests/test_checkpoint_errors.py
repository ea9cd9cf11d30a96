"""Every bad checkpoint is one line naming the file and what is wrong, and exit 2: never a traceback.

The cases are built in ``tmp_path`` from the shipped files (cut short, damaged, rewritten, or handed to the
wrong loader), and go through the CLI's ``main`` in-process, where the loaders' ``CheckpointError`` becomes the
one line; the loaders are also called directly.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from agent.cli.main import EXIT_USER_ERROR, main
from agent.perception.predictor import SHIPPED_CHECKPOINT as GOALNET
from agent.perception.predictor import load_checkpoint
from agent.vision.segmenter import CHECKPOINT as SEGMENTER
from agent.vision.segmenter import Segmenter
from envs.errors import CheckpointError
from policies.learned import CHECKPOINTS, load_policy

PICK, PLACE = CHECKPOINTS / "pick.zip", CHECKPOINTS / "place.zip"
PICK_SIZE, PLACE_SIZE = 13, 12
#: cut points: every twentieth of the file, and a few bytes from either end (a zip's directory is at its end)
FRACTIONS = [i / 20 for i in range(1, 20)]
HEAD_BYTES = [1, 2, 3, 4, 10, 30, 100]
TAIL_BYTES = [1, 2, 10, 22, 100, 1000]


Case = tuple[Callable[[Path], None], str]


def _cut(source: Path, end: int) -> Callable[[Path], None]:
    return lambda out: out.write_bytes(source.read_bytes()[:end])


def _cuts(source: Path) -> dict[str, Case]:
    """Cut-short copies of ``source``, by name: every one is a truncated zip."""
    size = source.stat().st_size
    ends = {f"{f:.2f}": int(size * f) for f in FRACTIONS}
    ends |= {f"first-{n}": n for n in HEAD_BYTES} | {f"last-{n}-cut": size - n for n in TAIL_BYTES}
    return {f"truncated-{name}": (_cut(source, end), "truncated zip (its directory is missing)")
            for name, end in ends.items()}


def _common(source: Path, kind: str) -> dict[str, Case]:
    """The cases every checkpoint shares: missing, empty, cut short, damaged, and files that are not
    checkpoints; ``kind`` is what the messages call the expected file."""

    def flipped(out: Path) -> None:
        data = bytearray(source.read_bytes())
        data[len(data) // 2] ^= 0xFF
        out.write_bytes(bytes(data))

    def other_zip(out: Path) -> None:
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("notes.txt", "a zip of something else")

    return {"empty": (lambda out: out.write_bytes(b""), f"empty file, not {kind}"),
            "text": (lambda out: out.write_text("not a checkpoint\n"), f"not {kind} (not a zip archive)"),
            "directory": (lambda out: out.mkdir(), f"a directory, not {kind}"),
            "missing": (lambda out: None, f"no such file (expected {kind}; train one with: nesy train"),
            "flipped-byte": (flipped, "fails its CRC check"),
            "zip-of-something-else": (other_zip, f"a zip archive, but not {kind}"),
            **_cuts(source)}


def _rezip(source: Path, out: Path, replace: dict[str, bytes | None]) -> None:
    """A copy of the zip ``source`` with the members in ``replace`` rewritten (or dropped, for None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            if info.filename not in replace:
                new.writestr(info, old.read(info.filename))
        for name, data in replace.items():
            if data is not None:
                new.writestr(name, data)


def _with_data(change: Callable[[dict], None]) -> Callable[[Path], None]:
    """A copy of pick.zip whose ``data`` JSON ``change`` edited."""

    def write(out: Path) -> None:
        with zipfile.ZipFile(PICK) as archive:
            data = json.loads(archive.read("data"))
        change(data)
        _rezip(PICK, out, {"data": json.dumps(data).encode()})

    return write


def _beside(text: str) -> Callable[[Path], None]:
    """pick.zip with ``text`` as the metadata file beside it."""

    def write(out: Path) -> None:
        out.write_bytes(PICK.read_bytes())
        out.with_suffix(".json").write_text(text)

    return write


def _policy_cases() -> dict[str, Case]:
    def observes(n: int) -> Callable[[dict], None]:
        return lambda data: data["observation_space"].update(_shape=[n])

    def acts(n: int) -> Callable[[dict], None]:
        return lambda data: data["action_space"].update(_shape=[n])

    def gym_spaces(data: dict) -> None:
        data["observation_space"][":type:"] = "<class 'gym.spaces.box.Box'>"

    def td3(data: dict) -> None:
        data["policy_class"]["__module__"] = "stable_baselines3.td3.policies"

    kind = "a stable-baselines3 policy"
    return {**_common(PICK, kind),
            "goalnet-as-policy": (lambda out: out.write_bytes(GOALNET.read_bytes()), "no 'data' entry"),
            "no-data-entry": (lambda out: _rezip(PICK, out, {"data": None}), "no 'data' entry"),
            "data-not-json": (lambda out: _rezip(PICK, out, {"data": b"\x00 binary"}), "'data' entry is not JSON"),
            "no-version-entry": (lambda out: _rezip(PICK, out, {"_stable_baselines3_version": None}),
                                 "no '_stable_baselines3_version' entry"),
            "newer-sb3": (lambda out: _rezip(PICK, out, {"_stable_baselines3_version": b"9.0.0"}),
                          "written by stable-baselines3 9.0.0, newer than the installed"),
            "weights-not-torch": (lambda out: _rezip(PICK, out, {"policy.pth": b"garbage"}),
                                  "its member policy.pth is not a torch file"),
            "weights-not-a-state-dict": (lambda out: _rezip(PICK, out, {"policy.pth": GOALNET.read_bytes()}),
                                         "stable-baselines3 cannot load it"),
            "gym-era-spaces": (_with_data(gym_spaces), "'gym.spaces.box.Box' of shape [13], but skills use a flat "
                                                       "gymnasium Box"),
            "another-algorithm": (_with_data(td3), "a policy of stable_baselines3.td3, but nesy runs"),
            "observation-size-7": (_with_data(observes(7)), "observes 7 values, but a pick policy observes 13"),
            "action-size-2": (_with_data(acts(2)), "acts with 2 values, but the arm's skills take 4"),
            "place-policy-for-pick": (lambda out: out.write_bytes(PLACE.read_bytes()),
                                      "a place policy (it observes 12 values), but the pick skill needs a pick"),
            "metadata-disagrees": (_beside(json.dumps({"algorithm": "ppo"})), "says 'ppo', but pick.zip holds a sac"),
            "metadata-not-json": (_beside("{not json"), "the metadata beside pick.zip is not readable JSON")}


def _torch_cases(source: Path, other: Path, weights_key: str, kind: str) -> dict[str, Case]:
    saved = torch.load(source, weights_only=False)

    def saving(change: Callable[[dict], None]) -> Callable[[Path], None]:
        def write(out: Path) -> None:
            copy = dict(saved)
            change(copy)
            torch.save(copy, out)

        return write

    def drop(key: str) -> Callable[[dict], None]:
        return lambda copy: copy.pop(key) and None

    def drop_first_weight(copy: dict) -> None:
        copy[weights_key] = dict(list(copy[weights_key].items())[1:])

    def reshape_first_weight(copy: dict) -> None:
        name, tensor = next(iter(copy[weights_key].items()))
        copy[weights_key] = {**copy[weights_key], name: torch.zeros(tensor.numel() + 1)}

    return {**_common(source, kind),
            "the-other-torch-checkpoint": (lambda out: out.write_bytes(other.read_bytes()),
                                           f"not {kind} (no {weights_key!r} entry; it holds "),
            "a-policy-zip": (lambda out: out.write_bytes(PICK.read_bytes()), "no data.pkl: not written by torch.save"),
            "a-list": (lambda out: torch.save([1, 2, 3], out), f"a torch file holding a list, not {kind}"),
            "pickled-code": (lambda out: torch.save({"config": {}, weights_key: {}, "hook": print}, out),
                             "it holds a print, which a weights-only load refuses"),
            "no-weights": (saving(drop(weights_key)), f"no {weights_key!r} entry"),
            "no-config": (saving(drop("config")), "no 'config' entry"),
            "config-unknown-key": (saving(lambda copy: copy.update(config={**copy["config"], "colour": 1})),
                                   "its config has unknown keys colour"),
            "missing-weight": (saving(drop_first_weight), "its weights do not fit the network its config describes: "
                                                          "1 missing"),
            "wrong-shape": (saving(reshape_first_weight), "but the network its config describes needs"),
            "format-2": (saving(lambda copy: copy.update(format=2)), "checkpoint format 2, but this nesy reads "
                                                                     "format 1"),
            "format-text": (saving(lambda copy: copy.update(format="v1")), "checkpoint format 'v1'")}


POLICY = _policy_cases()
GOAL = _torch_cases(GOALNET, SEGMENTER, "state_dict", "a GoalNet checkpoint")
SEGMENT = _torch_cases(SEGMENTER, GOALNET, "weights", "a segmenter checkpoint")


def _one_line_naming(path: Path, argv: list[str], capsys: pytest.CaptureFixture[str], says: str = "") -> str:
    """Run the CLI: exit 2, and one line on stderr naming ``path`` (the file, or the metadata beside it) and
    saying ``says``."""
    assert main(argv) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and path.stem in lines[0] and says in lines[0], err
    return lines[0]


@pytest.mark.parametrize("case", sorted(POLICY))
def test_a_bad_policy_is_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pick.zip"
    write, says = POLICY[case]
    write(path)
    _one_line_naming(path, ["eval", "controller", "--skill", "pick", "--checkpoint", str(path), "--episodes", "1",
                            "--quiet"], capsys, says)


@pytest.mark.parametrize("case", sorted(GOAL))
def test_a_bad_goalnet_is_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "goalnet.pt"
    write, says = GOAL[case]
    write(path)
    _one_line_naming(path, ["goal", "--instruction", "stack red on blue", "--checkpoint", str(path),
                            "--device", "cpu"], capsys, says)


@pytest.mark.parametrize("case", sorted(SEGMENT))
def test_a_bad_segmenter_is_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "segmenter.pt"
    write, says = SEGMENT[case]
    write(path)
    _one_line_naming(path, ["eval", "segmenter", "--checkpoint", str(path), "--scenes", "1", "--quiet"], capsys,
                     says)


def test_eval_goals_and_run_refuse_a_truncated_goalnet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "goalnet.pt"
    path.write_bytes(GOALNET.read_bytes()[:1000])
    requests = tmp_path / "requests.jsonl"
    requests.write_text(json.dumps({"task": "blocks", "size": 3, "seed": 0, "instruction": "stack red on blue"}))
    _one_line_naming(path, ["eval-goals", str(requests), "--checkpoint", str(path), "--device", "cpu", "--quiet"],
                     capsys, "truncated zip")
    _one_line_naming(path, ["run", "--goal-checkpoint", str(path), "--controller", "scripted", "--device", "cpu",
                            "--out", str(tmp_path / "run"), "--quiet"], capsys, "truncated zip")


@pytest.mark.parametrize(("given", "skill", "made_for"), [(PICK, "place", "pick"), (PLACE, "pick", "place")])
def test_a_policy_of_the_other_skill_says_which(given: Path, skill: str, made_for: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "policy.zip"
    path.write_bytes(given.read_bytes())
    _one_line_naming(path, ["eval", "controller", "--skill", skill, "--checkpoint", str(path), "--quiet"], capsys,
                     f"a {made_for} policy (it observes {PLACE_SIZE if made_for == 'place' else PICK_SIZE} values), "
                     f"but the {skill} skill needs a {skill} policy")


def test_truncation_is_named_as_such(tmp_path: Path) -> None:
    """The bug report: a cut-short pick.zip gave SB3's "No data found in the saved file"."""
    for name, (write, _) in _cuts(PICK).items():
        path = tmp_path / f"{name}.zip"
        write(path)
        with pytest.raises(CheckpointError, match=r"truncated zip \(its directory is missing\)"):
            load_policy(path, skill="pick")


def test_a_policy_of_another_environment_is_refused(tmp_path: Path) -> None:
    """A real SB3 model of a gymnasium env (Pendulum: 3 observations, 1 action), not an edited file."""
    from stable_baselines3 import SAC

    path = tmp_path / "pendulum.zip"
    SAC("MlpPolicy", "Pendulum-v1", policy_kwargs={"net_arch": [8]}, buffer_size=10, device="cpu").save(path)
    with pytest.raises(CheckpointError, match="acts with 1 values, but the arm's skills take 4"):
        load_policy(path)


def test_the_errors_are_value_errors_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    for load in (load_checkpoint, Segmenter.load, load_policy):
        with pytest.raises(ValueError, match=f"{path}: empty file, not a"):
            load(path)


def test_the_shipped_checkpoints_pass_the_checks() -> None:
    assert load_policy(PICK, skill="pick").observation_space.shape == (PICK_SIZE,)
    assert load_policy(PLACE, skill="place").observation_space.shape == (PLACE_SIZE,)
    model, metrics = load_checkpoint(GOALNET)
    assert not model.training and "splits" in metrics
    assert Segmenter.load().palette
