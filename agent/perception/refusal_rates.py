"""How often the perception reader refuses: valid generated instructions, and generated non-instructions.

    python -m agent.perception.refusal_rates [--scenes 50] [--splits test ...]

For the first ``--scenes`` scenes of every evaluation split (none a locked one; ``--splits``: only these),
every generated instruction is read with all checks on. Those whose labelled goal already holds in the
scene (the generator does not check) should be refused as no change and are counted apart; of the others,
the share refused is the false refusal rate, by reason, and the share read exactly (``exact``) is what the
checked reader gets right. Then the generated non-instructions (``agent.perception.non_instructions``) are
read in the same scenes, and the share refused is reported by kind and reason.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from agent.perception.dataset import EVAL_SPLITS
from agent.perception.non_instructions import non_instructions
from agent.perception.novelty import split_examples
from agent.perception.predictor import GoalReader
from agent.planning.atoms import holds
from envs.errors import Refusal


def _outcome(reader: GoalReader, env: Any, text: str, state: Sequence[str]) -> tuple[str | None, frozenset[str]]:
    """The refusal's reason (``None`` where read) and the goal read (empty where refused)."""
    try:
        return None, frozenset(reader.read(env, text, state).goal)
    except Refusal as refusal:
        return refusal.reason, frozenset()


def measure(reader: GoalReader, scenes: int, splits: Sequence[str] = EVAL_SPLITS) -> dict[str, Any]:
    report: dict[str, Any] = {}
    seen: list[tuple[tuple, int, list[str], str]] = []  # env key, seed, state, an instruction
    envs: dict[tuple, Any] = {}
    try:
        for split in splits:
            valid: Counter[str | None] = Counter()
            holding: Counter[str | None] = Counter()
            exact = 0
            for key, seed, env, examples in split_examples(split, scenes, envs):
                state = env.symbolic_state()
                for example in examples:
                    outcome, goal = _outcome(reader, env, example.instruction, state)
                    asks = not holds(example.goal, state)
                    (valid if asks else holding)[outcome] += 1
                    exact += asks and outcome is None and goal == frozenset(example.goal)
                seen += [(key, seed, state, e.instruction) for e in examples[:1]]
            total = sum(valid.values())
            report[split] = {"valid": total, "refused": round(1 - valid[None] / total, 4) if total else 0.0,
                             "exact": round(exact / total, 4) if total else 0.0,
                             "refused_by_reason": {k: v for k, v in sorted(valid.items(), key=str) if k},
                             "goal_already_holds": sum(holding.values()),
                             "of_which_refused_no_change": holding["no-change"]}
        negatives = non_instructions([text for *_, text in seen], seed=0, count=len(seen))
        for kind, texts in negatives.items():
            outcomes: Counter[str | None] = Counter()
            for (key, seed, state, _), text in zip(seen, texts):
                env = envs[key]
                env.reset(seed=seed)
                outcomes[_outcome(reader, env, text, state)[0]] += 1
            report[kind] = {"texts": len(texts), "refused": round(1 - outcomes[None] / len(texts), 4),
                            "by_reason": {k: v for k, v in sorted(outcomes.items(), key=str) if k}}
    finally:
        for env in envs.values():
            env.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=50, help="scenes of each split (default: 50)")
    parser.add_argument("--splits", nargs="+", choices=EVAL_SPLITS, default=list(EVAL_SPLITS),
                        help="evaluation splits to read (default: all)")
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()
    print(json.dumps(measure(GoalReader(args.checkpoint, "cpu"), args.scenes, args.splits), indent=2))


if __name__ == "__main__":
    main()
