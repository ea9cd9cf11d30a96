"""The ``nesy`` command line.

Heavy modules (PyBullet, unified-planning, torch) are imported inside the commands, so ``nesy --help``
and flag errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from agent.alignment.command import VARIANTS, add_align_parser, align_command
from agent.config import GOAL_SOURCES, PLANNERS, TASKS, RunConfig
from agent.errors import NesyError

EXIT_USER_ERROR = 2


def _whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


DEVICES = ("auto", "cpu", "cuda")
_positive = _whole_number(1)
_seed = _whole_number(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nesy", description="Plan and act with a robot arm from instructions.")
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
    run.add_argument("--goal-checkpoint", default=None, metavar="PATH",
                     help="perception checkpoint (default: the shipped one)")
    run.add_argument("--device", choices=DEVICES, default="auto", help="where perception runs (default: auto)")
    run.add_argument("--max-replans", type=_seed, default=RunConfig.max_replans, help="replans per episode")
    run.add_argument("--video", action="store_true", help="write an MP4 of each episode into the run directory")
    run.add_argument("--gui", action="store_true", help="show the PyBullet window")
    run.add_argument("--out", default=None, help="run directory (default: runs/<time>-<task><size>)")
    run.add_argument("--json", default=None, metavar="PATH", help="also write the summary as JSON to PATH")
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
    perception.add_argument("--epochs", type=_positive, default=14, help="passes over the data (default: 14)")
    perception.add_argument("--device", choices=DEVICES, default="auto", help="default: cuda if present, else cpu")
    perception.add_argument("--seed", type=_seed, default=0, help="initialisation and data order")
    perception.add_argument("--workers", type=_positive, default=2, help="processes rendering scenes (default: 2)")
    perception.add_argument("--out", default=None, help="run directory (default: runs/<time>-perception)")
    perception.add_argument("--quiet", action="store_true", help="no progress bars")

    goal = commands.add_parser("goal", help="print the goal the network reads for a scene and instruction",
                               description="Render a seeded scene and read the instruction's goal from it.")
    goal.add_argument("--task", choices=TASKS, default="blocks")
    goal.add_argument("--size", type=_positive, default=4)
    goal.add_argument("--seed", type=_seed, default=0)
    goal.add_argument("--instruction", required=True, help="e.g. 'put the red block on the blue one'")
    goal.add_argument("--json", action="store_true", help="print JSON")
    _add_checkpoint(goal)

    add_align_parser(commands, _positive, _seed)

    evaluate = commands.add_parser("eval-goals", help="score goal predictions on a JSONL file of instructions",
                                   description='Read lines {"task", "size", "seed", "instruction"[, "goal"]} and '
                                               "predict each goal; accuracy over the lines that give one.")
    evaluate.add_argument("file", metavar="FILE.jsonl")
    evaluate.add_argument("--json", default=None, metavar="OUT", help="write the results to OUT (default: stdout)")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_checkpoint(evaluate)
    return parser


def _add_checkpoint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=None, metavar="PATH",
                        help="perception checkpoint (default: the shipped one)")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="default: cuda if present, else cpu")


def _run(args: argparse.Namespace) -> int:
    from agent.runner import format_summary, run

    task = args.task
    if task is None:
        task = _task_of_domain(args.domain) if args.domain else "hanoi"
    config = RunConfig(task=task, size=args.size, episodes=args.episodes, seed=args.seed,
                       instruction=args.instruction, domain=args.domain, planner=args.planner, video=args.video,
                       gui=args.gui, out=args.out, json=args.json, max_replans=args.max_replans, goal=args.goal,
                       goal_checkpoint=args.goal_checkpoint, device=args.device, variant=args.variant)
    summary = run(config, progress=not args.quiet)
    print(format_summary(summary))
    return 0


def _task_of_domain(path: str) -> str:
    from agent.domain import load_domain

    return load_domain(path).binding.task


def _scene(args: argparse.Namespace) -> int:
    from agent.runner import check_size
    from envs.scene_report import describe_scene

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
    from agent.perception.train import train

    metrics = train(samples=args.samples, epochs=args.epochs, device=args.device, out=args.out, seed=args.seed,
                    workers=args.workers, progress=not args.quiet)
    print(f"trained on {metrics['samples']} instructions in {metrics['wall_seconds']:.0f} s "
          f"({metrics['cpu_seconds']:.0f} CPU-s, {metrics['device']})")
    for split, result in metrics["splits"].items():
        print(f"  {split:<20} exact-match accuracy {result['accuracy']:.2%} ({result['examples']} instructions)")
    if "blanked" in metrics:
        print(f"  {'blanked image':<20} accuracy {metrics['blanked']['accuracy']:.2%} "
              "on position, relation and scene instructions")
    print(f"checkpoint: {metrics['checkpoint']}")
    return 0


def _goal(args: argparse.Namespace) -> int:
    from agent.perception.commands import goal_for_scene
    from agent.perception.predictor import GoalReader
    from agent.runner import check_size

    check_size(args.task, args.size)
    result = goal_for_scene(GoalReader(args.checkpoint, args.device), args.task, args.size, args.seed,
                            args.instruction)
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
    from agent.perception.predictor import GoalReader
    from agent.rundir import write_atomic

    requests = read_requests(Path(args.file))
    result = evaluate_requests(GoalReader(args.checkpoint, args.device), requests, progress=not args.quiet)
    text = json.dumps(result, indent=2) + "\n"
    if args.json:
        write_atomic(Path(args.json), text)
        if result["accuracy"] is not None:
            print(f"accuracy {result['accuracy']:.2%} over {sum('correct' in r for r in result['records'])} "
                  f"instructions; results in {args.json}")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        commands = {"run": _run, "scene": _scene, "train": _train, "goal": _goal, "eval-goals": _eval_goals,
                    "align": align_command}
        return commands[args.command](args)
    except NesyError as exc:
        print(f"nesy {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"nesy {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
