"""Evaluation: greedy exact-match accuracy per stage, batched.

The one number the book reports: the share of fresh problems whose
greedy program answers exactly the stated target. No partial credit,
no sampling. All stages are evaluated in one batch.
"""

from collections.abc import Sequence

import torch

from agentlib import env
from agentlib.a2c import Rollout, rollout
from agentlib.devices import resolve_device
from agentlib.errors import check_count
from agentlib.model import ActorCritic

NUM_EVAL = 10_000


def evaluation_problems(
    num: int, seed: int, device: str | torch.device = "cpu"
) -> env.Problems:
    """``num`` problems of each stage, stage by stage, from ``seed``."""
    device, num = resolve_device(device), check_count("num", num)
    generator = torch.Generator(device).manual_seed(seed)
    stages = torch.arange(len(env.STAGES), device=device)
    stages = stages.repeat_interleave(num)  # (3 * num,)
    return env.sample_problems(stages, len(stages), generator, device)


@torch.no_grad()
def greedy_correct(model: ActorCritic, problems: env.Problems) -> torch.Tensor:
    """(B,) True where the greedy program answers the stated target."""
    return rollout(model, problems, greedy=True).correct


def stage_one_hot(stage: torch.Tensor) -> torch.Tensor:
    """(B, 3) float rows, 1.0 in each problem's stage column."""
    stages = torch.arange(len(env.STAGES), device=stage.device)
    return (stage[:, None] == stages).double()


def accuracy_by_stage(
    correct: torch.Tensor, stage: torch.Tensor
) -> list[float]:
    """Mean of (B,) ``correct`` for each stage (0.0 for an absent one)."""
    one_hot = stage_one_hot(stage)  # (B, 3)
    hits = (one_hot * correct[:, None]).sum(0)
    counts = one_hot.sum(0).clamp(min=1)
    return (hits / counts).tolist()  # one host sync for all stages


def greedy_accuracy(model: ActorCritic, problems: env.Problems) -> list[float]:
    """Greedy exact-match per stage on the given problems."""
    return accuracy_by_stage(greedy_correct(model, problems), problems.stage)


def accuracy_per_stage(
    model: ActorCritic, num: int = NUM_EVAL, seed: int = 12_345
) -> list[float]:
    """Greedy exact-match on ``num`` fresh problems of each stage."""
    device = next(model.parameters()).device
    return greedy_accuracy(model, evaluation_problems(num, seed, device))


ACTION_NAMES = (*env.TOOLS, *(str(digit) for digit in range(10)))
"""Names of action ids: the tools, then digits (an ablation's actions)."""


def decode_programs(batch: Rollout) -> list[list[str]]:
    """Each episode's actions as names, up to and including ANS."""
    return [
        [ACTION_NAMES[a] for a, taken in zip(actions, mask, strict=True)
         if taken]
        for actions, mask in zip(
            batch.action.tolist(), batch.mask.tolist(), strict=True
        )
    ]


@torch.no_grad()
def greedy_programs(
    model: ActorCritic, contexts: Sequence[Sequence[int]]
) -> list[list[str]]:
    """The greedy program for each context, up to and including ANS."""
    device = next(model.parameters()).device
    problems = env.problems_from_contexts(contexts, device)
    return decode_programs(rollout(model, problems, greedy=True))
