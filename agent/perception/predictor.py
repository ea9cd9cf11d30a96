"""The trained goal reader the agent uses: a checkpoint, the sentence model, and the decoder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.goals.oracle import parse_instruction
from agent.goals.refusal import SceneFacts, check_goal, check_words
from agent.goals.spelling import corrected
from agent.perception.agreement import check_number
from agent.perception.clauses import join_clauses, split_clauses
from agent.perception.decoder import THRESHOLD, Reading, decode
from agent.perception.devices import resolve_device
from agent.perception.doubt import doubt
from agent.perception.goalnet_config import CHECKPOINT_FORMAT, GoalNetConfig
from agent.perception.goalnet_numpy import NumpyGoalNet, weight_shapes
from agent.perception.novelty import Novelty, novelty_path
from agent.perception.observation import View, observe
from agent.perception.reading import domain_veto, probabilities, read
from agent.perception.text import TextEncoder
from agent.planning.domain import Domain, domain_folder, load_domain
from envs.errors import CheckpointError, GoalError, InstructionError, Refusal
from policies.checkpoint_files import (
    check_config,
    check_format,
    check_weights,
    entry,
    load_arrays,
    one_line,
)
from policies.threads import limit_blas_threads

if TYPE_CHECKING:
    from agent.perception.model import GoalNet

#: the checkpoint ``nesy train perception`` produced, shipped with the package
SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "goalnet.pt"
KIND = "a GoalNet checkpoint"


class GoalReader:
    """Reads the goal of an instruction in a scene. On the CPU the network is evaluated in numpy
    (``agent.perception.goalnet_numpy``: no torch import, less overhead per call), on a GPU by torch.
    Loading reads the sentence model too, so build one and reuse it across episodes."""

    def __init__(self, checkpoint: str | Path | None = None, device: str = "auto") -> None:
        path = Path(checkpoint) if checkpoint else SHIPPED_CHECKPOINT
        self.device = resolve_device(device)
        self.checkpoint = path
        self.model: GoalNet | NumpyGoalNet
        if self.device == "cpu":
            limit_blas_threads()
            self.model, self.metrics = load_numpy_checkpoint(path)
        else:
            self.model, self.metrics = load_checkpoint(path, self.device)
        # the statistics depend on the generator and the sentence model, not on GoalNet's weights: a checkpoint
        # without its own (a fresh ``nesy train perception``) shares the shipped one's
        own = novelty_path(path)
        self.novelty = Novelty.load(own if own.is_file() else novelty_path(SHIPPED_CHECKPOINT))
        self.encoder = TextEncoder()

    def read_view(self, view: View, instruction: str, state: Iterable[str]) -> Reading:
        """GoalNet's reading as it is, refusing nothing (what the split scores measure)."""
        probs = probabilities(self.model, self.encoder, [view], [instruction], [0], self.device)[0]
        return read(probs, view, state)

    def read(self, env: Any, instruction: str, state: Iterable[str], domain: Domain | None = None) -> Reading:
        """The goal ``instruction`` asks for in ``env``'s current scene (``state``: the detected state), or a
        ``Refusal``. The rule-based reader reads beside the network: where it refuses, this reader refuses
        for the same reason (but for not-an-instruction: the network reads more wordings than the rules),
        and where it reads the text, the text is an instruction however novel, and its goal stands where the
        network reads no goal at p >= 0.5 or where the network's own reading is refused (its doubts, its
        clauses, or its goal failing the checks: the rules resolved every reference to one object); the
        goal then passes the checks every reader's goal passes (``agent.goals.refusal``), against
        ``domain`` (default: the task's shipped one), and the network's own doubts (``agent.perception.doubt``).
        An instruction of several clauses is also read clause by clause (``agent.perception.clauses``): clauses
        that cannot all hold are refused, and where each clause reads surely, their union is the goal; and a
        reading of singular words that moves several unnamed objects of the colour they describe onto one
        support is ambiguous (``agent.perception.agreement``)."""
        return self.read_scene(observe(env), SceneFacts.of(env, state), instruction, domain)

    def read_scene(self, view: View, scene: SceneFacts, instruction: str, domain: Domain | None = None) -> Reading:
        """``read`` on a frame already rendered: the checks, the network and the decoder. Where the objects
        are, for a reference by place ("the cube on the left"), is read from the frame."""
        domain = domain or shipped_domain(scene.task)
        typed, instruction = instruction, corrected(instruction, scene.names())
        check_words(instruction, scene)
        try:
            rule_goal: frozenset[str] | None = parse_instruction(typed, scene.task, scene.kinds,
                                                                 scene.colours, scene.state, view.positions())
        except Refusal as refusal:
            if refusal.reason != "not-an-instruction":  # the network reads more words than the rules
                raise
            rule_goal = None
        except InstructionError:
            rule_goal = None
        if rule_goal is not None:
            check_goal(rule_goal, scene, domain)
        elif (score := self.novelty.score(self.encoder, instruction)) < self.novelty.threshold:
            raise Refusal("not-an-instruction", f"{typed!r} is unlike any instruction the reader knows "
                                                f"(novelty score {score:.2f} < {self.novelty.threshold:.2f})")
        probs = probabilities(self.model, self.encoder, [view], [instruction], [0], self.device)[0]
        veto = domain_veto(scene.state)
        try:
            reading = decode(probs, view.names, view.kinds, veto)
        except GoalError as exc:
            if rule_goal is not None:  # the rules read it, and its goal passed the checks
                return _ruled(rule_goal)
            raise Refusal("not-an-instruction", f"no goal read from it: {exc}") from None
        if rule_goal is not None and max(reading.confidence.values()) < THRESHOLD:
            return _ruled(rule_goal)
        try:
            reading = self._checked(view, scene, instruction, domain, probs, reading, veto)
        except Refusal:
            if rule_goal is not None:  # a refusal of the network's reading alone: the rules' goal passed them
                return _ruled(rule_goal)
            raise
        if rule_goal is not None and frozenset(reading.goal) != rule_goal:
            return _ruled(rule_goal, overruled=reading)
        return reading

    def _checked(self, view: View, scene: SceneFacts, instruction: str, domain: Domain, probs: Any,
                 reading: Reading, veto: Callable[[str, str], bool] | None) -> Reading:
        """The network's reading after its checks: the domain's veto, its clauses, the checks every reader's
        goal passes, its doubts and the number its words ask for; or a ``Refusal``."""
        if veto is not None:  # what the network read before the domain's veto: impossible, if it differs
            with suppress(GoalError):
                unvetoed = decode(probs, view.names, view.kinds).goal
                if set(unvetoed) != set(reading.goal):
                    _refuse_impossible(unvetoed, scene, domain)
        whole = reading
        clauses = split_clauses(instruction)
        if clauses:  # each clause read alone: a contradiction between them, or what the whole reading left out
            reading = join_clauses(clauses, self._read_clauses(view, clauses, veto)) or whole
        check_goal(reading.goal, scene, domain)
        doubt(probs, view.names, view.kinds, whole)
        check_number(instruction, reading.goal, scene.colours)
        return reading

    def _read_clauses(self, view: View, clauses: list[str], veto: Callable[[str, str], bool] | None
                      ) -> list[Reading | None]:
        """Each clause's own reading in one batch (``None`` where it reads no goal)."""
        readings: list[Reading | None] = []
        for probs in probabilities(self.model, self.encoder, [view], clauses, [0] * len(clauses), self.device):
            try:
                readings.append(decode(probs, view.names, view.kinds, veto))
            except GoalError:
                readings.append(None)
        return readings


def _ruled(goal: frozenset[str], overruled: Reading | None = None) -> Reading:
    """The rule reader's goal as a reading, where the network reads none it believes, its reading is refused,
    or it reads another goal (``overruled``: its atoms the rules did not read are recorded as dropped)."""
    dropped = {atom: "the network read it; the rule reader read the text otherwise"
               for atom in (overruled.goal if overruled else ()) if atom not in goal}
    return Reading(tuple(sorted(goal)), dict.fromkeys(goal, 1.0), dropped)


def _refuse_impossible(goal: Iterable[str], scene: SceneFacts, domain: Domain) -> None:
    try:
        check_goal(goal, scene, domain)
    except Refusal as refusal:
        if refusal.reason == "impossible":
            raise


@lru_cache(maxsize=4)
def shipped_domain(task: str) -> Domain:
    """The task's shipped domain, read once per process: readers check every goal against it."""
    return load_domain(domain_folder(task), task=task)


@lru_cache(maxsize=2)
def shared_reader(checkpoint: str | None, device: str) -> GoalReader:
    """One reader per checkpoint and device in a process: the run's pre-flight and its episodes share it."""
    return GoalReader(checkpoint, device)


def load_checkpoint(path: Path, device: str = "cpu") -> tuple[GoalNet, dict[str, Any]]:
    """GoalNet and the metrics saved with it; a missing, damaged or foreign file, or weights that do not fit
    the network its config describes, is one ``CheckpointError`` line naming the file. The file is read and
    checked as ``load_numpy_checkpoint`` reads it, so both say the same of a bad one."""
    import torch

    from agent.perception.model import GoalNet
    from policies.threads import limit_torch_threads

    limit_torch_threads()
    network, metrics = load_numpy_checkpoint(path)
    try:
        model = GoalNet(network.config)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: its config cannot build GoalNet ({one_line(exc)})") from None
    model.load_state_dict({name: torch.from_numpy(weight) for name, weight in network.w.items()})
    return model.to(device).eval(), metrics


def load_numpy_checkpoint(path: Path) -> tuple[NumpyGoalNet, dict[str, Any]]:
    """GoalNet's weights and metrics for the CPU without torch, every entry and weight checked; the network
    evaluated in numpy."""
    saved = load_arrays(path, KIND, "train one with: nesy train perception")
    config, weights, metrics = _checked_entries(path, saved)
    try:
        shapes = weight_shapes(config)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: its config cannot build GoalNet ({one_line(exc)})") from None
    check_weights(path, shapes, weights)
    return NumpyGoalNet(config, weights), metrics


def _checked_entries(path: Path, saved: dict[str, Any]) -> tuple[GoalNetConfig, dict[str, Any], dict[str, Any]]:
    """A loaded checkpoint's config, weights and metrics, each checked."""
    check_format(path, saved, CHECKPOINT_FORMAT, "nesy train perception")
    weights = entry(path, saved, "state_dict", KIND)
    config = entry(path, saved, "config", KIND)
    metrics = entry(path, saved, "metrics", KIND) if "metrics" in saved else {}
    check_config(path, config, GoalNetConfig)
    try:
        return GoalNetConfig(**config), weights, metrics
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: its config cannot build GoalNet ({one_line(exc)})") from None
