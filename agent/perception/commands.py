"""What ``nesy goal`` and ``nesy eval-goals`` do: read goals for seeded scenes, and score them."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agent.goals.refusal import SceneFacts
from agent.perception.decoder import Reading
from agent.perception.observation import View, observe
from agent.perception.predictor import GoalReader, shipped_domain
from agent.planning.planner import parse_atom
from envs.errors import REFUSAL_REASONS, ConfigError, GoalError, InstructionError, PerceptionError, Refusal
from envs.scenes import TASKS


def read_goal(reader: GoalReader | None, env: Any, instruction: str, state: str = "oracle"
              ) -> tuple[Reading, list[str]]:
    """The goal of ``instruction`` in ``env``'s scene as it is, read by ``reader`` (``None``: the rule-based
    reader, ``agent.goals.oracle.read_checked``, its atoms at confidence 1), the scene read by ``state``
    (``oracle``: the simulator's masks, names and detectors; ``camera``: the frame alone), and the same goal
    in the simulator's names (camera mode: through the scoring's pixel matching, for comparison only; the
    reader never sees it)."""
    if state == "oracle":
        facts = SceneFacts.of(env, env.symbolic_state())
        reading = _read(reader, facts, instruction, lambda: observe(env))
        return reading, list(reading.goal)
    from agent.perception.observation import perceived_view
    from agent.vision.perceive import Camera, shared_segmenter
    from agent.vision.scoring import simulator_names, translate

    seen = Camera(env.task, shared_segmenter()).perceive(env.camera_frame(), env.scene.predicates)
    facts = SceneFacts(env.task, seen.kinds, seen.colours, frozenset(seen.state))
    reading = _read(reader, facts, instruction, lambda: perceived_view(seen.frame, seen.objects))
    return reading, sorted(translate(list(reading.goal), simulator_names(env, seen.objects)))


def _read(reader: GoalReader | None, facts: SceneFacts, instruction: str, view: Callable[[], View]) -> Reading:
    """One reader on one scene: the network on the rendered ``view``, or the rules on the facts alone."""
    if reader is not None:
        return reader.read_scene(view(), facts, instruction)
    from agent.goals.oracle import read_checked

    goal = sorted(read_checked(instruction, facts, shipped_domain(facts.task)))
    return Reading(tuple(goal), dict.fromkeys(goal, 1.0))


def goal_for_scene(reader: GoalReader | None, task: str, size: int, seed: int, instruction: str,
                   state: str = "oracle") -> dict[str, Any]:
    """The predicted goal of ``instruction`` in the scene ``task``/``size``/``seed``; in camera mode over the
    perceived names, with ``in_simulator_names`` beside it."""
    from envs.task_env import TaskEnv

    env = TaskEnv(task, size, image_size=16)
    try:
        env.reset(seed=seed)
        reading, translated = read_goal(reader, env, instruction, state)
    finally:
        env.close()
    result = {"task": task, "size": size, "seed": seed, "instruction": instruction, "goal": list(reading.goal),
              "confidence": reading.confidence, "dropped": reading.dropped}
    if state != "oracle":
        result["in_simulator_names"] = translated
    return result


def read_requests(path: Path) -> list[dict[str, Any]]:
    """The lines of an eval-goals file, checked: every mistake names the file and line."""
    from envs.scenes.registry import check_size

    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    requests = []
    for number, line in _lines(path):
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise ConfigError(f"{where}: expected an object with task, size, seed and instruction")
        missing = [k for k in ("task", "size", "seed", "instruction") if k not in record]
        if missing:
            raise ConfigError(f"{where}: missing {', '.join(missing)}")
        if record["task"] not in TASKS:
            raise ConfigError(f"{where}: unknown task {record['task']!r} (tasks: {', '.join(TASKS)})")
        for key in ("size", "seed"):
            if not isinstance(record[key], int) or isinstance(record[key], bool) or record[key] < 0:
                raise ConfigError(f"{where}: {key} must be a non-negative whole number, got {record[key]!r}")
        try:
            check_size(record["task"], record["size"])
        except ConfigError as exc:
            raise ConfigError(f"{where}: {str(exc).removeprefix('--size: ')}") from None
        if not isinstance(record["instruction"], str) or not record["instruction"].strip():
            raise ConfigError(f"{where}: instruction must be a non-empty string")
        if "goal" in record:
            goal = record["goal"]
            if not isinstance(goal, list) or not all(isinstance(a, str) for a in goal):
                raise ConfigError(f"{where}: goal must be a list of atoms like \"(on red blue)\"")
            for atom in goal:
                try:
                    parse_atom(atom)
                except ValueError as exc:
                    raise ConfigError(f"{where}: bad goal atom: {exc}") from None
        if "refuse" in record:
            if record["refuse"] not in REFUSAL_REASONS:
                raise ConfigError(f"{where}: refuse must be one of {', '.join(REFUSAL_REASONS)}, "
                                  f"got {record['refuse']!r}")
            if "goal" in record:
                raise ConfigError(f"{where}: give a goal or a refuse reason, not both")
        requests.append(record)
    if not requests:
        raise ConfigError(f"{path}: no requests (expected one JSON object per line)")
    return requests


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not UTF-8 text ({exc.reason} at byte {exc.start} of the line)"
                              ) from None
        if line.strip():
            yield number, line


def evaluate_requests(reader: GoalReader | None, requests: list[dict[str, Any]], progress: bool = True,
                      state: str = "oracle") -> dict[str, Any]:
    """Predict every request's goal or refusal, in input order, the scene read by ``state`` (``read_goal``).
    Accuracy is over the requests that give the expected outcome: a ``goal`` (read exactly, in the
    simulator's names, not refused) or a ``refuse`` reason (refused for it). In camera mode a frame that
    cannot be read is that request's error, and ``perceived`` keeps the goal in the perceived names."""
    from tqdm import tqdm

    from envs.task_env import TaskEnv

    envs: dict[tuple[str, int], TaskEnv] = {}
    records = []
    try:
        for request in tqdm(requests, desc="reading goals", unit="instruction", disable=not progress, file=sys.stderr):
            key = (request["task"], request["size"])
            if key not in envs:
                envs[key] = TaskEnv(*key, image_size=16)
            env = envs[key]
            env.reset(seed=request["seed"])
            record: dict[str, Any] = {"instruction": request["instruction"], "refused": None}
            try:
                reading, record["predicted"] = read_goal(reader, env, request["instruction"], state)
                if state != "oracle":
                    record["perceived"] = list(reading.goal)
            except Refusal as refusal:
                record["predicted"], record["refused"], record["error"] = [], refusal.reason, refusal.detail
            except (GoalError, InstructionError, PerceptionError) as exc:  # the rule reader cannot read it
                record["predicted"], record["error"] = [], str(exc)
            if "refuse" in request:
                record["refuse"] = request["refuse"]
                record["correct"] = record["refused"] == request["refuse"]
            elif "goal" in request:
                record["goal"] = sorted(request["goal"])
                record["correct"] = record["refused"] is None and set(record["predicted"]) == set(request["goal"])
            records.append(record)
    finally:
        for env in envs.values():
            env.close()
    scored = [r["correct"] for r in records if "correct" in r]
    reasons = Counter(r["refused"] for r in records if r["refused"])
    return {"accuracy": sum(scored) / len(scored) if scored else None,
            "refused": {"count": sum(reasons.values()), "by_reason": dict(sorted(reasons.items()))},
            "records": records}
