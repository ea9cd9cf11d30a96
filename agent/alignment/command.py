"""``nesy align``: its flags, and the light entry point the CLI calls (heavy imports happen inside)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from agent.planning import PLANNERS
from agent.runs.config import STATE_SOURCES, RunConfig
from envs.scenes import TASKS, VARIANTS
from policies import CONTROLLERS
from policies.seeds import ALIGNMENT_EVAL_OFFSET


def add_align_parser(commands: argparse._SubParsersAction, positive: Callable[[str], int],
                     nonnegative: Callable[[str], int]) -> None:
    """Register ``align``; ``positive`` and ``nonnegative`` are the CLI's whole-number types (>= 1, >= 0)."""
    align = commands.add_parser(
        "align", help="learn the rules a domain is missing from execution, and plan with them",
        description="Run iterations of episodes that log every transition, compare it with the domain's "
                    "prediction and learn repaired preconditions and effects (planning with them at once); then "
                    "evaluate the shipped and the aligned domain on seeds alignment never saw.")
    align.add_argument("--task", choices=TASKS, default="blocks")
    align.add_argument("--variant", choices=VARIANTS, default=None,
                       help="a world whose physics breaks the domain: blocks sizes|round|heavy, hanoi weighted "
                            "(default: the plain task)")
    align.add_argument("--size", type=positive, default=4, help="objects in the scene (default: 4)")
    align.add_argument("--episodes", type=positive, default=10, help="alignment episodes per iteration (default: 10)")
    align.add_argument("--iterations", type=positive, default=3, help="alignment iterations (default: 3)")
    align.add_argument("--eval-episodes", type=nonnegative, default=20,
                       help="evaluation episodes, before and after, on unseen seeds (default: 20; 0: none)")
    align.add_argument("--seed", type=nonnegative, default=0,
                       help=f"first alignment seed; evaluation seeds start {ALIGNMENT_EVAL_OFFSET} later (alignment "
                            "seeds never in a locked range of policies/seeds.py)")
    align.add_argument("--domain", default=None,
                       help="domain to align (default: domains/variants/<task> with --variant, else the shipped one)")
    align.add_argument("--planner", choices=PLANNERS, default="auto", help="planning engine (default: auto)")
    align.add_argument("--controller", choices=CONTROLLERS, default="scripted",
                       help="skills that act (default: scripted, so that every misprediction comes from the "
                            "world, not from a learned skill outside what it was trained on)")
    align.add_argument("--min-support", type=positive, default=2,
                       help="mispredictions a rule must explain before it is kept (default: 2)")
    align.add_argument("--out", default=None, help="run directory (default: runs/<time>-align-<task><size>-<variant>)")
    align.add_argument("--json", default=None, metavar="PATH", help="also write the summary as JSON to PATH")
    align.add_argument("--state", choices=STATE_SOURCES, default="oracle",
                       help="oracle: the simulator's detectors and names (default); camera: RGB-D frames alone")
    align.add_argument("--quiet", action="store_true", help="no progress bar")


def align_command(args: argparse.Namespace) -> int:
    from agent.alignment.session import align, format_alignment

    config = RunConfig(task=args.task, size=args.size, episodes=args.episodes, seed=args.seed, domain=args.domain,
                       planner=args.planner, goal="oracle", out=args.out, json=args.json, variant=args.variant,
                       controller=args.controller, state=args.state)
    summary = align(config, iterations=args.iterations, eval_episodes=args.eval_episodes,
                    min_support=args.min_support, progress=not args.quiet)
    print(format_alignment(summary))
    return 0

