"""The ``nesy`` command line.

Heavy modules (PyBullet, unified-planning, torch) are imported inside the commands, so ``nesy --help``
and flag errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from agent.alignment.command import add_align_parser, align_command
from agent.planning import PLANNERS
from agent.runs.config import GOAL_SOURCES, STATE_SOURCES, VIDEO_FORMATS, RunConfig, as_flags, check_instruction
from envs.errors import ConfigError, NesyError, quoted
from envs.scenes import TASKS, VARIANTS
from policies import CONTROLLERS, SKILL_NAMES
from policies.algorithms import ALGORITHMS
from policies.bc_losses import BC_LOSSES

if TYPE_CHECKING:
    from agent.perception.predictor import GoalReader

EXIT_USER_ERROR = 2


def _whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum`` (and no larger than ``maximum``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {quoted(text)}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {quoted(text)}")
        return value

    return parse


DEVICES = ("auto", "cpu", "cuda")
DEFAULT_CONTROLLER_STEPS = 6_000  # policies.training.DEFAULT_STEPS, without importing SB3
DEFAULT_DEMONSTRATIONS = 1_000  # policies.training.DEMONSTRATIONS
DEFAULT_CRITIC_STEPS = 2_000  # policies.training.CRITIC_FITTING_STEPS
DEFAULT_VALIDATION_EPISODES = 20  # policies.training.VALIDATION_EPISODES
#: a planner time limit beyond this (a week) is a typo, and past 2**63 ns it overflows the clock
MAX_TIMEOUT_S = 7 * 24 * 3600
_positive = _whole_number(1)
_seed = _whole_number(0)


def _number(low: float, high: float | None = None, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number at least ``low`` (above it when ``low_open``), at most ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {quoted(text)}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {quoted(text)}")
        if value < low or (low_open and value == low):
            raise argparse.ArgumentTypeError(f"must be {'above' if low_open else 'at least'} {low:g}, got {value:g}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:g}, got {value:g}")
        return value

    return parse


def _entropy_weight(text: str) -> float | str:
    """``--ent-coef``: a positive number fixes SAC's entropy weight; ``auto`` or ``auto_X`` learns it,
    starting at X (SB3's own spelling)."""
    if text == "auto" or text.startswith("auto_"):
        if text != "auto":
            _number(0.0, low_open=True)(text[len("auto_"):])
        return text
    return _number(0.0, low_open=True)(text)


#: the output paths of each (sub)command, and whether each is a folder: checked before any work starts
OUTPUTS: dict[tuple[str, str | None], tuple[tuple[str, bool], ...]] = {
    ("run", None): (("out", True), ("json", False)),
    ("align", None): (("out", True), ("json", False)),
    ("train", "perception"): (("out", True),),
    ("train", "controller"): (("out", True),),
    ("train", "segmenter"): (("out", False),),
    ("eval", "controller"): (("json", False),),
    ("eval", "segmenter"): (("json", False),),
    ("eval-goals", None): (("json", False),),
    ("domain", "new"): (("out", True),),
    ("plan", None): (("out", False),),
    ("bench", None): (("json", False),),
    ("experiment", "run"): (("out", True),),
    ("report", None): (("out", True),),
}


class VersionAction(argparse.Action):
    """``--version``: the installed package's version (``unknown`` from a checkout never installed), looked up
    only when asked, so that building the parser stays cheap."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("nesy")
        except PackageNotFoundError:
            found = "unknown"
        print(f"nesy {found}")
        parser.exit(0)


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output path that cannot be written (see ``policies.artifacts.check_output``)."""
    from policies.artifacts import check_output

    sub = getattr(args, "component", None) or getattr(args, "action", None)
    for dest, folder in OUTPUTS.get((args.command, sub), ()):
        value = getattr(args, dest, None)
        if value is not None:
            check_output(value, "--" + dest.replace("_", "-"), folder=folder)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a flag error as one line (exit 2) like every other user error, not usage then error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="nesy", description="Plan and act with a robot arm from instructions.")
    parser.add_argument("--version", action=VersionAction, help="print the package version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run episodes of a task and report the success rate",
                              description="Run closed-loop episodes: detect, plan, act, re-detect, replan.")
    run.add_argument("--task", choices=TASKS, default=None, help="task to run (default: hanoi, or the --domain's)")
    run.add_argument("--size", type=_positive, default=3, help="number of discs / blocks / cubes (default: 3)")
    run.add_argument("--episodes", type=_positive, default=1, help="episodes to run (default: 1)")
    run.add_argument("--seed", type=_seed, default=0, help="seed of the first episode; episode i uses seed+i")
    run.add_argument("--instruction", default=None,
                     help="what to do, e.g. 'move the tower to the right peg' (default: the task's demo)")
    run.add_argument("--domain", default=None, help="a domain folder or PDDL file to plan with")
    run.add_argument("--variant", choices=VARIANTS, default=None,
                     help="a world whose physics breaks the domain: blocks sizes|round|heavy, hanoi weighted "
                          "(see nesy align)")
    run.add_argument("--planner", choices=PLANNERS, default="auto",
                     help="planning engine; auto: optimal Fast Downward on small problems, else lama-first")
    run.add_argument("--goal", choices=GOAL_SOURCES, default="perception",
                     help="perception: the trained network reads the goal from image and instruction (default); "
                          "oracle: the rule-based instruction parser")
    _add_state(run)
    run.add_argument("--goal-checkpoint", default=None, metavar="PATH",
                     help="perception checkpoint (default: the shipped one)")
    run.add_argument("--device", choices=DEVICES, default="auto", help="where perception runs (default: auto)")
    run.add_argument("--controller", choices=CONTROLLERS, default="learned",
                     help="learned: the trained pick, place and right policies (default; Hanoi's fetch stays "
                          "scripted); scripted: the reference skills")
    run.add_argument("--max-replans", type=_seed, default=RunConfig.max_replans, help="replans per episode")
    run.add_argument("--disturb", type=_seed, default=0, metavar="K",
                     help="blocks: push, drop, topple or displace an object K times per episode between operators, "
                          "behind the agent's back (seeded, recorded; default: 0)")
    run.add_argument("--video", nargs="?", const="mp4", choices=VIDEO_FORMATS, default=None, metavar="mp4|gif",
                     help="write a video of each episode into the run directory's videos/ (default format: mp4; "
                          "gif where no ffmpeg is found)")
    run.add_argument("--workers", type=_positive, default=None, metavar="N",
                     help="spread the episodes over N local processes (default: 1, this process); with --ray, "
                          "the number of Ray actors (default: one per CPU of the cluster)")
    run.add_argument("--ray", default=None, metavar="ADDRESS",
                     help="run the episodes on Ray actors: a cluster address (e.g. auto, ray://host:10001) or "
                          "'local' to start Ray on this machine (needs the ray extra)")
    run.add_argument("--skill-step-budget", type=_positive, default=RunConfig.skill_step_budget, metavar="N",
                     help=f"simulation steps one operator's skill may use (default: {RunConfig.skill_step_budget})")
    run.add_argument("--episode-step-budget", type=_positive, default=None, metavar="N",
                     help="simulation steps per episode (default: the skill budget times twice the first plan's "
                          "length plus 10)")
    run.add_argument("--gui", action="store_true", help="show the PyBullet window")
    run.add_argument("--out", default=None, help="run directory (default: runs/<time>-<task><size>)")
    run.add_argument("--json", default=None, metavar="PATH", help="also write the summary as JSON to PATH")
    _add_config(run)
    run.add_argument("--resume", default=None, metavar="RUN_DIR",
                     help="finish an interrupted run: run the seeds RUN_DIR lacks with its config.yaml, then write "
                          "its summary")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    scene = commands.add_parser("scene", help="describe the scene a seed makes",
                                description="Print the objects and the detected symbolic state of a seeded scene.")
    scene.add_argument("--task", choices=TASKS, default="hanoi")
    scene.add_argument("--size", type=_positive, default=3)
    scene.add_argument("--seed", type=_seed, default=0)
    scene.add_argument("--json", action="store_true", help="print JSON")

    train = commands.add_parser("train", help="train a learned component",
                                description="Train a learned component from scratch with code in this repo.")
    what = train.add_subparsers(dest="component", metavar="COMPONENT", required=True)
    perception = what.add_parser("perception", help="the goal network (image + instruction -> PDDL goal)",
                                 description="Generate (or reuse) the rendered dataset under runs/perception/data, "
                                             "train GoalNet, evaluate every split and save a checkpoint.")
    perception.add_argument("--samples", type=_positive, default=30_000,
                            help="training instructions (10 per rendered scene; default: 30000)")
    perception.add_argument("--epochs", type=_positive, default=24, help="passes over the data (default: 24)")
    perception.add_argument("--device", choices=DEVICES, default="auto", help="default: cuda if present, else cpu")
    perception.add_argument("--seed", type=_seed, default=0, help="initialisation and data order")
    perception.add_argument("--workers", type=_positive, default=2, help="processes rendering scenes (default: 2)")
    perception.add_argument("--out", default=None, help="run directory (default: runs/<time>-perception)")
    _add_config(perception)
    perception.add_argument("--quiet", action="store_true", help="no progress bars")

    segmenter = what.add_parser("segmenter", help="the camera's instance segmenter (RGB-D -> objects)",
                                description="Render (or reuse) labelled scenes under runs/vision/data, train the "
                                            "segmenter from scratch on one CPU thread, learn the colour palette, "
                                            "score the validation split and write the checkpoint atomically.")
    segmenter.add_argument("--steps", type=_positive, default=2500, help="training steps (default: 2500)")
    segmenter.add_argument("--seed", type=_seed, default=0, help="initialisation and crops (default: 0)")
    segmenter.add_argument("--out", default=None, metavar="PATH",
                           help="checkpoint to write (default: the shipped agent/vision/segmenter.pt)")
    segmenter.add_argument("--quiet", action="store_true", help="no progress bars")

    controller = what.add_parser("controller", help="a skill's policy (pick, place or right) with stable-baselines3",
                                 description="Train a pick, place or right policy on its skill environment "
                                             "(nesy/PickSkill-v0, nesy/PlaceSkill-v0, nesy/RightSkill-v0): clone "
                                             "scripted demonstrations, refine with the algorithm on domain-randomised "
                                             "episodes, keep the policy that "
                                             "validates best; writes the policy and a metadata file into the "
                                             "run directory.")
    controller.add_argument("--skill", choices=SKILL_NAMES, default=None, help="required, here or in --config")
    controller.add_argument("--algo", choices=ALGORITHMS, default="sacbc",
                            help="default: sacbc (SAC keeping the demonstrations in every batch and a cloning "
                                 "term in the actor's loss)")
    controller.add_argument("--steps", type=_positive, default=DEFAULT_CONTROLLER_STEPS,
                            help="environment steps of reinforcement learning after cloning the "
                                 f"demonstrations (default: {DEFAULT_CONTROLLER_STEPS})")
    controller.add_argument("--envs", type=_positive, default=1,
                            help="environments stepped in parallel, each in its own process when more than one")
    controller.add_argument("--seed", type=_seed, default=0, help="initialisation and training episodes")
    controller.add_argument("--demonstrations", type=_positive, default=DEFAULT_DEMONSTRATIONS,
                            help=f"scripted episodes to clone and keep (default: {DEFAULT_DEMONSTRATIONS})")
    controller.add_argument("--randomised-demonstrations", action="store_true",
                            help="record the demonstrations on domain-randomised episodes, action latency included")
    controller.add_argument("--init", default=None, metavar="PATH",
                            help="start from this policy (.zip with its .json, same skill) instead of cloning")
    controller.add_argument("--critic-steps", type=_positive, default=DEFAULT_CRITIC_STEPS,
                            help="updates fitting the critic to the demonstrations before the actor moves "
                                 f"(default: {DEFAULT_CRITIC_STEPS:,})")
    controller.add_argument("--validation-episodes", type=_positive, default=DEFAULT_VALIDATION_EPISODES,
                            help="validation episodes, each nominal and randomised, per point of the curve "
                                 f"(default: {DEFAULT_VALIDATION_EPISODES})")
    controller.add_argument("--learning-rate", type=_number(0.0, low_open=True), default=None,
                            help="the algorithm's learning rate (default: 1e-4; residual: 3e-5)")
    controller.add_argument("--ent-coef", type=_entropy_weight, default=None, metavar="W|auto_W",
                            help="SAC-family entropy weight: a number fixes it, auto_W learns it from W "
                                 "(default: auto_0.01)")
    controller.add_argument("--bc-weight", type=_number(0.0), default=None,
                            help="sacbc: weight of the cloning term in the actor's loss (default: 10)")
    controller.add_argument("--demo-fraction", type=_number(0.0, 1.0, low_open=True), default=None,
                            help="sacbc: share of every batch drawn from the demonstrations (default: 0.5)")
    controller.add_argument("--bc-loss", choices=BC_LOSSES, default=None,
                            help="sacbc: the cloning term holds the deterministic action (mean, the default) or "
                                 "also the log standard deviation at the clone's (distribution)")
    controller.add_argument("--bc-weight-end", type=_number(0.0), default=None, metavar="W",
                            help="sacbc: the cloning weight falls linearly from --bc-weight to W over the steps "
                                 "(default: it stays at --bc-weight)")
    controller.add_argument("--residual-scale", type=_number(0.0, 1.0, low_open=True), default=None,
                            help="residual: the largest correction added to the --init clone's actions, as a "
                                 "share of the action bound (default: 0.1)")
    controller.add_argument("--residual-weight", type=_number(0.0), default=None, metavar="W",
                            help="residual: weight of the squared residual in the actor's loss, which holds it "
                                 "near the clone (default: 0.1)")
    controller.add_argument("--residual-hold", type=_seed, default=None, metavar="N",
                            help="residual: environment steps the residual stays at zero while the critic learns "
                                 "(default: 3,000)")
    controller.add_argument("--out", default=None, help="run directory (default: runs/<time>-controller-<skill>)")
    _add_config(controller)
    controller.add_argument("--quiet", action="store_true", help="no progress bar")

    evaluate_skill = commands.add_parser("eval", help="evaluate a learned component",
                                         description="Evaluate a learned component on seeds training never saw.")
    which = evaluate_skill.add_subparsers(dest="component", metavar="COMPONENT", required=True)
    skill_eval = which.add_parser("controller", help="a skill policy's success rate on its skill environment",
                                  description="Run seeded episodes of the skill environment with the policy; "
                                              "evaluation seed s is episode seed 1e9 + s, which training never "
                                              "draws.")
    skill_eval.add_argument("--skill", choices=SKILL_NAMES, required=True)
    skill_eval.add_argument("--episodes", type=_positive, default=200, help="default: 200")
    skill_eval.add_argument("--seed", type=_seed, default=0, help="first evaluation seed (default: 0)")
    skill_eval.add_argument("--checkpoint", default=None, metavar="PATH",
                            help="policy .zip (default: the shipped policies/checkpoints/<skill>.zip)")
    skill_eval.add_argument("--randomise", action="store_true",
                            help="domain-randomised episodes (sizes, friction, masses, start pose, observation "
                                 "noise, a step of action latency), as in training")
    skill_eval.add_argument("--json", default=None, metavar="PATH", help="also write the results to PATH")
    skill_eval.add_argument("--quiet", action="store_true", help="no progress bar")

    seg_eval = which.add_parser("segmenter", help="objects, descriptions and state from the camera, per split",
                                description="Segment, describe and read the state of a split's labelled scenes "
                                            "and score them against the simulator (matched by pixels).")
    seg_eval.add_argument("--split", choices=("validation", "validation-larger", "test", "larger"), default="test",
                          help="default: test (seeds 9,000,000 and up); validation-larger: larger scenes drawn "
                               "from validation's seeds (8,500,000 and up)")
    seg_eval.add_argument("--scenes", type=_positive, default=300, help="default: 300")
    seg_eval.add_argument("--checkpoint", default=None, metavar="PATH",
                          help="segmenter checkpoint (default: the shipped agent/vision/segmenter.pt)")
    seg_eval.add_argument("--json", default=None, metavar="PATH", help="also write the results to PATH")
    seg_eval.add_argument("--quiet", action="store_true", help="no progress bars")

    goal = commands.add_parser("goal", help="print the goal the network reads for a scene and instruction",
                               description="Render a seeded scene and read the instruction's goal from it.")
    goal.add_argument("--task", choices=TASKS, default="blocks")
    goal.add_argument("--size", type=_positive, default=4)
    goal.add_argument("--seed", type=_seed, default=0)
    goal.add_argument("--instruction", required=True, help="e.g. 'put the red block on the blue one'")
    goal.add_argument("--json", action="store_true", help="print JSON")
    _add_reader(goal)
    _add_state(goal)
    _add_checkpoint(goal)

    add_align_parser(commands, _positive, _seed)

    evaluate = commands.add_parser("eval-goals", help="score goal predictions on a JSONL file of instructions",
                                   description='Read lines {"task", "size", "seed", "instruction"[, "goal" | '
                                               '"refuse"]} and predict each goal or refusal; accuracy over the '
                                               "lines that give the expected goal or refusal reason.")
    evaluate.add_argument("file", metavar="FILE.jsonl")
    evaluate.add_argument("--json", default=None, metavar="OUT", help="write the results to OUT (default: stdout)")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_reader(evaluate)
    _add_state(evaluate)
    _add_checkpoint(evaluate)

    domain = commands.add_parser("domain", help="check or scaffold a PDDL domain folder",
                                 description="Author PDDL domains: check one, or scaffold a new one.")
    domain_actions = domain.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = domain_actions.add_parser(
        "check", help="report every finding of a domain as FILE:LINE: SEVERITY: message",
        description="Check a domain folder (domain.pddl + binding.yaml) or a PDDL domain file: syntax, undeclared "
                    "names, arities, types, unused predicates, preconditions that can never hold, the binding, and "
                    "(with a binding) a plan on a seeded scene. Exit 0 without errors (warnings allowed unless "
                    "--strict), 1 with errors, 2 when the input cannot be read.")
    check.add_argument("path", metavar="PATH", help="a domain folder or a .pddl domain file")
    check.add_argument("--size", type=_positive, default=None, help="objects in the seeded scene (default: 3)")
    check.add_argument("--seed", type=_seed, default=0, help="seed of the scene the check plans on (default: 0)")
    check.add_argument("--no-solve", action="store_true", help="skip planning on the seeded scene")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too (unused predicates, ...)")
    new = domain_actions.add_parser("new", help="scaffold a domain folder that passes check",
                                    description="Write domain.pddl, binding.yaml and a pytest file into "
                                                "domains/NAME/ (or --out), starting from a shipped task's domain.")
    new.add_argument("name", metavar="NAME", help="the domain's PDDL name")
    new.add_argument("--out", default=None, metavar="DIR", help="folder to create (default: domains/NAME)")
    new.add_argument("--task", choices=TASKS, default="blocks", help="task scene to start from (default: blocks)")

    plan = commands.add_parser("plan", help="plan a PDDL problem and print the plan in IPC format",
                               description="Plan a PDDL problem with Fast Downward (lama-first, or optimal with "
                                           "--optimal) or pyperplan through unified-planning, or through Fast "
                                           "Downward's translator where unified-planning cannot read the files; "
                                           "print one (action args) per line and a '; cost = N' line.")
    plan.add_argument("domain_file", metavar="DOMAIN", help="PDDL domain file")
    plan.add_argument("problem_file", metavar="PROBLEM", help="PDDL problem file")
    plan.add_argument("--planner", choices=("fd", "pyperplan"), default="fd", help="default: fd (Fast Downward)")
    plan.add_argument("--validate", action="store_true", help="check the plan with UP's plan validator")
    plan.add_argument("--timeout", type=_whole_number(1, MAX_TIMEOUT_S), default=None, metavar="SECONDS",
                      help=f"planner time limit (at most {MAX_TIMEOUT_S}, a week)")
    plan.add_argument("--optimal", action="store_true",
                      help="a plan of least cost (Fast Downward's A* with LM-cut; blind A* where LM-cut cannot)")
    plan.add_argument("--out", default=None, metavar="PATH", help="write the plan to PATH instead of stdout")

    bench = commands.add_parser("bench", help="measure simulation, planning, perception and episode speed",
                                description="Run the benchmarks in benchmarks/ and print one table of ratios "
                                            "and medians with their spread.")
    bench.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke test)")
    bench.add_argument("--only", action="append", metavar="NAME",
                       help="run only this benchmark (a module of benchmarks/; repeatable)")
    bench.add_argument("--json", default=None, metavar="PATH", help="also write the results as JSON to PATH")
    bench.add_argument("--quiet", action="store_true", help="no progress lines")

    experiment = commands.add_parser("experiment", help="run an experiment file of experiments/",
                                     description="Run the nesy run configurations of an experiment file on its locked "
                                                 "seeds and keep their records under results/<name>/.")
    experiment_actions = experiment.add_subparsers(dest="action", metavar="ACTION", required=True)
    experiment_run = experiment_actions.add_parser(
        "run", help="run the configurations not yet recorded",
        description="Run every configuration of FILE whose record under OUT/<name>/<task><size>/ is missing or "
                    "was made with another configuration; the full run directories go under runs/ as usual.")
    experiment_run.add_argument("file", metavar="FILE.yaml", help="an experiment file, e.g. experiments/headline.yaml")
    experiment_run.add_argument("--out", default="results", metavar="DIR", help="where records go (default: results)")
    experiment_run.add_argument("--only", action="append", default=[], metavar="RUN",
                                help="run only this configuration (<task><size>, e.g. hanoi3, or a split; repeatable)")
    experiment_run.add_argument("--quiet", action="store_true", help="no progress bars")

    results = commands.add_parser("results", help="regenerate the results tables from results/",
                                  description="Regenerate the tables of docs/results.md and README.md from "
                                              "experiments/ and results/. Without --write, exit 1 if a file is out "
                                              "of date.")
    results.add_argument("--write", action="store_true", help="rewrite the files whose tables changed")
    results.add_argument("--root", default=".", metavar="DIR", help="repository root (default: .)")

    report = commands.add_parser("report", help="plot and summarise finished runs",
                                 description="Read run directories and write success_by_task_size.png, "
                                             "time_breakdown.png, replans.png and report.md.")
    report.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories written by nesy run")
    report.add_argument("--out", default=None, metavar="DIR",
                        help="where to write (default: the run directory; required with several)")
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=None, metavar="FILE.yaml",
                        help="settings as YAML (flag names as keys, e.g. a run directory's config.yaml); "
                             "flags given here win over the file")


def _subcommand(parser: argparse.ArgumentParser, names: Sequence[str]) -> argparse.ArgumentParser:
    """The parser of the (sub)command ``names`` under ``parser``, e.g. ``("train", "perception")``."""
    for name in names:
        group = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = group.choices[name]
    return parser


def _with_config(parser: argparse.ArgumentParser, args: argparse.Namespace,
                 argv: Sequence[str] | None) -> argparse.Namespace:
    """``args`` parsed again with the ``--config`` file's settings as the command's defaults."""
    if getattr(args, "config", None) is None:
        return args
    from pathlib import Path

    from agent.runs import config_file

    translate = as_flags if args.command == "run" else None
    config_file.apply(_subcommand(parser, _names(args)), Path(args.config), translate)
    return parser.parse_args(argv)


def _resume_settings(parser: argparse.ArgumentParser, args: argparse.Namespace,
                     argv: Sequence[str] | None) -> None:
    """With ``run --resume RUN_DIR``, read the settings from ``RUN_DIR/config.yaml`` (as ``--config``): a flag
    that would change what runs is refused, since the run must finish as it started."""
    from pathlib import Path

    from agent.runs import config_file

    if args.config is not None:
        raise ConfigError("--resume: takes its settings from RUN_DIR/config.yaml; drop --config")
    # the flags as typed, up to any "=VALUE"; argparse also takes a unique prefix (--epi for --episodes)
    typed = {token.split("=", 1)[0] for token in (sys.argv[1:] if argv is None else argv) if token.startswith("--")}
    settings = config_file.settings(_subcommand(parser, ["run"]))
    for dest, action in settings.items():
        if dest not in ("workers", "ray") and any(option.startswith(name) and len(name) > 2 for name in typed
                                                  for option in action.option_strings):
            raise ConfigError(f"--resume: the run keeps the settings it started with; drop {action.option_strings[0]}")
    config = Path(args.resume) / "config.yaml"
    if not config.is_file():
        raise ConfigError(f"--resume: {args.resume} is not a run directory (no config.yaml)")
    args.config = str(config)


def _names(args: argparse.Namespace) -> list[str]:
    """The command and subcommand ``args`` were parsed for, e.g. ``["train", "perception"]``."""
    return [args.command] + ([args.component] if getattr(args, "component", None) else [])


def _resolved(args: argparse.Namespace) -> dict[str, object]:
    """The settings of this command, as written to its run directory's ``config.yaml``."""
    from agent.runs import config_file

    return config_file.resolved(args, _subcommand(build_parser(), _names(args)))


def _add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", choices=STATE_SOURCES, default="oracle",
                        help="oracle: the simulator's detectors and object names (default); camera: objects, names, "
                             "state and skill targets read from RGB-D frames alone (see docs/vision.md)")


def _add_reader(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--goal", choices=GOAL_SOURCES, default="perception",
                        help="perception: the trained network reads the goal (default); oracle: the rule-based "
                             "instruction parser (--checkpoint and --device unused); both refuse the same way")


def _goal_reader(args: argparse.Namespace) -> GoalReader | None:
    """The reader ``--goal`` names: a loaded ``GoalReader``, or ``None`` for the rule-based one."""
    if args.goal == "oracle":
        return None
    from agent.perception.predictor import GoalReader

    return GoalReader(args.checkpoint, args.device)


def _add_checkpoint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=None, metavar="PATH",
                        help="perception checkpoint (default: the shipped one)")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="default: cuda if present, else cpu")


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agent.runs.runner import format_summary, run

    task = args.task
    if task is None:
        task = _task_of_domain(args.domain) if args.domain else "hanoi"
    if args.resume is not None and args.out is not None and Path(args.out) != Path(args.resume):
        raise ConfigError("--out: a resumed run writes into its own directory; drop --out")
    config = RunConfig(task=task, size=args.size, episodes=args.episodes, seed=args.seed,
                       instruction=args.instruction, domain=args.domain, planner=args.planner,
                       video=args.video is not None, video_format=args.video or "mp4",
                       gui=args.gui, out=args.resume or args.out, json=args.json, max_replans=args.max_replans,
                       goal=args.goal, goal_checkpoint=args.goal_checkpoint, device=args.device,
                       controller=args.controller, variant=args.variant, skill_step_budget=args.skill_step_budget,
                       episode_step_budget=args.episode_step_budget, disturb=args.disturb, state=args.state)
    summary = run(config, progress=not args.quiet, workers=args.workers, ray_address=args.ray,
                  resume=args.resume is not None)
    print(format_summary(summary))
    return 0


def _task_of_domain(path: str) -> str:
    from agent.planning.domain import load_domain

    return load_domain(path).binding.task


def _scene(args: argparse.Namespace) -> int:
    from envs.scene_report import describe_scene
    from envs.scenes.registry import check_size

    check_size(args.task, args.size)
    report = describe_scene(args.task, args.size, args.seed)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.task} size {args.size} seed {args.seed}")
    for obj in report["objects"]:
        x, y, z = obj["position"]
        u, v = obj["pixel"]
        print(f"  {obj['name']:<10} {obj['type']:<5} {obj['color']:<7} size {obj['size']:.3f} m  "
              f"at ({x:+.3f}, {y:+.3f}, {z:+.3f})  pixel ({u}, {v})")
    print("state: " + " ".join(report["symbolic_state"]))
    return 0


def _train(args: argparse.Namespace) -> int:
    if args.component == "controller":
        return _train_controller(args)
    if args.component == "segmenter":
        return _train_segmenter(args)
    from agent.perception.train import train

    metrics = train(samples=args.samples, epochs=args.epochs, device=args.device, out=args.out, seed=args.seed,
                    workers=args.workers, progress=not args.quiet, config=_resolved(args))
    print(f"trained on {metrics['samples']} instructions in {metrics['wall_seconds']:.0f} s "
          f"({metrics['cpu_seconds']:.0f} CPU-s, {metrics['device']})")
    for split, result in metrics["splits"].items():
        print(f"  {split:<20} exact-match accuracy {result['accuracy']:.2%} ({result['examples']} instructions)")
    if "blanked" in metrics:
        print(f"  {'blanked image':<20} accuracy {metrics['blanked']['accuracy']:.2%} "
              "on position, relation and scene instructions")
    print(f"checkpoint: {metrics['checkpoint']}")
    return 0


def _train_segmenter(args: argparse.Namespace) -> int:
    from agent.vision.train import train

    meta = train(steps=args.steps, seed=args.seed, out=args.out, progress=not args.quiet)
    print(f"trained the segmenter for {meta['steps']} steps in {meta['wall_seconds']:.0f} s "
          f"({meta['cpu_seconds']:.0f} CPU-s, of which {meta['data_seconds']:.0f} s rendering)")
    _print_vision(meta["metrics"]["validation"], "validation")
    print(f"checkpoint: {meta['checkpoint']}")
    return 0


def _print_vision(result: dict, split: str) -> None:
    seg = result["segmentation"]
    for key in ("all", "blocks", "hanoi", "sort", "no arm", "arm"):
        if key in seg:
            s = seg[key]
            print(f"  {split} {key:<7} objects {s['objects']:>4}  found {s['found']:.2%}  missed {s['missed']:.2%}  "
                  f"split {s['split']:.2%}  merged {s['merged']:.2%}  spurious {s['spurious']}  "
                  f"mean IoU {s['mean_iou']:.3f}  (hidden {s['hidden']})")
    d = result["description"]
    if d["described"]:
        print(f"  descriptions ({d['described']} matched objects): kind {d['kind']:.2%}  colour {d['colour']:.2%}  "
              f"name {d['name']:.2%}  name up to ties {d['name_up_to_ties']:.2%}  width error median "
              f"{d['width_error']['median_mm']:.1f} mm (p95 {d['width_error']['p95_mm']:.1f})  centre error median "
              f"{d['centre_error']['median_mm']:.1f} mm (p95 {d['centre_error']['p95_mm']:.1f})")
    for key, st in result["state"].items():
        f1 = "  ".join(f"{p} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}"
                       for p, v in st["predicates"].items())
        print(f"  state {key:<6} exact {st['exact']:.2%} of {st['scenes']}  {f1}")
    if result["failures"]:
        print(f"  {len(result['failures'])} recorded perception failures, first: {result['failures'][0]}")


def _eval_segmenter(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agent.runs.rundir import write_atomic
    from agent.vision.data import load_or_generate
    from agent.vision.evaluate import evaluate_split
    from agent.vision.segmenter import Segmenter

    segmenter = Segmenter.load(args.checkpoint)
    data = load_or_generate(args.split, args.scenes, progress=not args.quiet)
    result = evaluate_split(segmenter, data, progress=not args.quiet)
    _print_vision(result, args.split)
    if args.json:
        write_atomic(Path(args.json), json.dumps(result, indent=2) + "\n")
    return 0


def _train_controller(args: argparse.Namespace) -> int:
    from policies.training import train_controller

    if args.skill is None:
        raise ConfigError("--skill: required (pick, place or right), as a flag or as 'skill:' in --config")
    tunable = ("learning_rate", "ent_coef", "bc_weight", "demo_fraction", "bc_loss", "bc_weight_end",
               "residual_weight", "residual_scale", "residual_hold")
    overrides = {key: getattr(args, key) for key in tunable if getattr(args, key) is not None}
    meta = train_controller(args.skill, args.algo, args.steps, args.envs, args.seed, args.out,
                            progress=not args.quiet, demonstrations=args.demonstrations, init=args.init,
                            randomised_demonstrations=args.randomised_demonstrations, config=_resolved(args),
                            critic_steps=args.critic_steps, validation_episodes=args.validation_episodes,
                            overrides=overrides)
    print(f"trained {args.skill} with {args.algo} for {meta['steps']} steps in {meta['wall_seconds']:.0f} s "
          f"({meta['cpu_seconds']:.0f} CPU-s, {meta['energy']['joules']:.0f} J, {meta['energy']['source']})")
    print(f"  validation success rate {meta['validation_success_rate']:.1%} "
          f"over {meta['validation']['episodes']} episodes each, nominal and randomised (kept: step "
          f"{meta['validation']['kept_step']:,}, {meta['kept_stage']})")
    print(f"policy: {meta['path']}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    if args.component == "segmenter":
        return _eval_segmenter(args)
    from pathlib import Path

    from policies.artifacts import write_atomic
    from policies.evaluation import evaluate_controller
    from policies.learned import CHECKPOINTS, load_policy

    _check_skill_checkpoint(args.skill, args.checkpoint)
    model = load_policy(args.checkpoint or CHECKPOINTS / f"{args.skill}.zip", skill=args.skill)
    result = evaluate_controller(model, args.skill, args.episodes, args.seed, progress=not args.quiet,
                                 randomise=args.randomise)
    print(f"{args.skill}: success rate {result['success_rate']:.1%} over {args.episodes} "
          f"{'randomised ' if args.randomise else ''}episodes "
          f"(evaluation seeds {args.seed} to {args.seed + args.episodes - 1})")
    for reason, count in result["failures"].items():
        print(f"  {count:>4} x {reason}")
    if args.json:
        write_atomic(Path(args.json), json.dumps(result, indent=2) + "\n")
    return 0


def _check_skill_checkpoint(skill: str, checkpoint: str | None) -> None:
    """Refuse an unreadable ``--checkpoint``, or another skill's policy, from the zip's metadata before torch loads."""
    from pathlib import Path

    from policies.policy_files import check_skill, inspect_policy

    if checkpoint is not None:
        path = Path(checkpoint)
        check_skill(path, inspect_policy(path), skill)


def _goal(args: argparse.Namespace) -> int:
    from agent.perception.commands import goal_for_scene
    from envs.scenes.registry import check_size

    check_size(args.task, args.size)
    check_instruction(args.instruction)
    result = goal_for_scene(_goal_reader(args), args.task, args.size, args.seed,
                            args.instruction, args.state)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for atom in result["goal"]:
        print(f"{atom}  (p={result['confidence'][atom]:.2f})")
    for atom, why in result["dropped"].items():
        print(f"dropped {atom}: {why}", file=sys.stderr)
    return 0


def _eval_goals(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agent.perception.commands import evaluate_requests, read_requests
    from policies.artifacts import write_atomic

    requests = read_requests(Path(args.file))
    result = evaluate_requests(_goal_reader(args), requests, progress=not args.quiet,
                               state=args.state)
    text = json.dumps(result, indent=2) + "\n"
    if args.json:
        write_atomic(Path(args.json), text)
        if result["accuracy"] is not None:
            print(f"accuracy {result['accuracy']:.2%} over {sum('correct' in r for r in result['records'])} "
                  f"instructions; results in {args.json}")
        refused = result["refused"]
        print(f"refused {refused['count']} of {len(result['records'])}"
              + "".join(f"; {reason} {n}" for reason, n in refused["by_reason"].items()))
    else:
        sys.stdout.write(text)
    return 0


def _domain(args: argparse.Namespace) -> int:
    from agent.authoring import commands

    return commands.domain_check(args) if args.action == "check" else commands.domain_new(args)


def _plan(args: argparse.Namespace) -> int:
    from agent.authoring.commands import plan

    return plan(args)

def _bench(args: argparse.Namespace) -> int:
    from agent.cli.bench import bench_command

    return bench_command(args)


def _experiment(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agent.runs.experiments import run_experiment

    for summary in run_experiment(Path(args.file), Path(args.out), progress=not args.quiet, only=args.only):
        print(f"{summary['run']:<16} {summary['successes']}/{summary['episodes']}  {summary['command']}")
    return 0


def _results(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agent.runs.results_tables import Sources, regenerate
    from policies.artifacts import write_atomic

    stale = [(path, new) for path, (old, new) in regenerate(Sources(Path(args.root))).items() if old != new]
    for path, new in stale:
        if args.write:
            write_atomic(path, new)
        print(f"{'rewrote' if args.write else 'out of date'}: {path}")
    if not stale:
        print("results tables up to date")
    return 1 if stale and not args.write else 0


def _report(args: argparse.Namespace) -> int:
    from agent.runs.report import write_report

    path = write_report(args.runs, args.out)
    print(f"report: {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        from policies.threads import torch_threads

        torch_threads()  # a bad NESY_TORCH_THREADS is a one-line error now, not a traceback in a worker
        if getattr(args, "resume", None) is not None:
            _resume_settings(parser, args, argv)
        args = _with_config(parser, args, argv)
        _check_outputs(args)
        commands = {"run": _run, "scene": _scene, "train": _train, "goal": _goal, "eval-goals": _eval_goals,
                    "eval": _eval, "domain": _domain, "plan": _plan, "bench": _bench, "report": _report,
                    "experiment": _experiment, "results": _results,
                    "align": align_command}
        return commands[args.command](args)
    except NesyError as exc:
        print(f"nesy {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as exc:
        print(f"nesy {args.command}: interrupted" + (f": {exc}" if str(exc) else ""), file=sys.stderr)
        return 130


