"""Evidence for the audit of the article's program (chapter 1).

Each function measures one defect of :mod:`agentlib.article.original` so that
the chapter can show it with an assertion rather than describe it.
"""

import itertools
import random

import torch

from agentlib.article.original import (
    ADD,
    ANS,
    MUL,
    RCL,
    STO,
    SUB,
    Article,
    Operands,
    ToolEnv,
    check_stage,
    pad_batch,
)
from agentlib.errors import AgentlibError, is_integer

TOOL_TOKENS = (MUL, ADD, SUB, STO, RCL)


def _target(abc: Operands, stage: int) -> int:
    """:func:`stated_target` without the stage check, for inner loops."""
    a, b, c, d, e = abc
    return [a * b + c, (a * b + c) - d, (a * b + c) - (d * e)][stage]


def _answer(env: ToolEnv, actions: list[int], abc: Operands, stage: int):
    """:func:`answer` without the stage check, for inner loops."""
    last, answered, _ = env.run_tools(actions, abc, stage)
    return last if answered else None


def stated_target(abc: Operands, stage: int) -> int:
    """The target the article states for ``stage``."""
    return _target(abc, check_stage(stage))


def answer(env: ToolEnv, actions: list[int], abc: Operands, stage: int):
    """The value answered by ``actions`` (None if ANS never comes)."""
    return _answer(env, actions, abc, check_stage(stage))


def all_operands(stage: int) -> list[Operands]:
    """Every operand tuple a stage can draw (e is unused below stage 2)."""
    digits = range(10)
    n = 3 + check_stage(stage)
    return [
        tuple(x) + (0,) * (5 - n)
        for x in itertools.product(digits, repeat=n)
    ]


def _hit_rate(env, program, operands, stage) -> float:
    """Fraction of ``operands`` where ``program`` answers the target;
    its callers have checked ``stage`` already, with the operands."""
    hits = sum(
        _answer(env, program, abc, stage) == _target(abc, stage)
        for abc in operands
    )
    return hits / len(operands)


def sample_operands(stage: int, num: int, seed: int) -> list[Operands]:
    """``num`` distinct operand tuples of ``stage``, drawn from ``seed``."""
    population = all_operands(stage)
    if not is_integer(num) or not 1 <= num <= len(population):
        raise AgentlibError(
            f"num_operands must be an integer from 1 to "
            f"{len(population)} (the operand tuples of stage {stage}), "
            f"got {num!r}"
        )
    return random.Random(seed).sample(population, num)


def best_programs(
    stage: int, max_tools: int = 5, num_operands: int = 2000, seed: int = 0
) -> list[tuple[float, tuple[int, ...]]]:
    """Rank every tool program of up to ``max_tools`` tools, then ANS.

    Non-tool tokens only burn steps, so these programs cover every
    answer the article's machine can give within its six-token
    rollout. Rates are measured on ``num_operands`` random tuples;
    returns ``[(hit rate, program), ...]`` best first.
    """
    operands = sample_operands(stage, num_operands, seed)
    env = ToolEnv()
    ranked = []
    for length in range(max_tools + 1):
        for tools in itertools.product(TOOL_TOKENS, repeat=length):
            program = tools + (ANS,)
            ranked.append((_hit_rate(env, program, operands, stage), program))
    ranked.sort(key=lambda item: -item[0])
    return ranked


def exact_hit_rate(program: tuple[int, ...], stage: int) -> float:
    """Exact hit rate of ``program`` over every operand tuple of a stage."""
    return _hit_rate(ToolEnv(), program, all_operands(stage), stage)


def greedy_actions(
    art: Article, ctxs: list[list[int]], stage: int
) -> torch.Tensor:
    """Greedy tokens for a batch of contexts: shape (B, 6)."""
    check_stage(stage)
    ctx = pad_batch(ctxs, art.device)
    stage_t = torch.full((len(ctxs),), stage, device=art.device)
    with torch.no_grad():
        actions, _, _, _ = art.net(ctx, stage_t, greedy=True)
    return actions.cpu()


def exact_match(
    art: Article, stage: int, num_problems: int = 1000, seed: int = 1
) -> float:
    """Greedy exact-match of the article's agent on the stated target.

    Problems go through the net in one batch, as in the article's own
    final evaluation (the batch matters: see ``initial_state``).
    """
    env = ToolEnv(rng=random.Random(seed))
    problems = [env.sample(stage) for _ in range(num_problems)]
    actions = greedy_actions(art, [p[0] for p in problems], stage)
    hits = [
        answer(env, actions[i].tolist(), abc, stage) == target
        for i, (_, target, abc) in enumerate(problems)
    ]
    return sum(hits) / num_problems


def mean_reward_vs_exact(
    art: Article, stage: int, num_problems: int = 1000, seed: int = 1
) -> tuple[float, float]:
    """``(mean shaped reward, exact-match)`` on the same problems."""
    env = ToolEnv(rng=random.Random(seed))
    problems = [env.sample(stage) for _ in range(num_problems)]
    actions = greedy_actions(art, [p[0] for p in problems], stage)
    rewards, hits = [], []
    for i, (_, target, abc) in enumerate(problems):
        program = actions[i].tolist()
        rewards.append(env.step_seq(program, abc, stage)[0])
        hits.append(answer(env, program, abc, stage) == target)
    return sum(rewards) / num_problems, sum(hits) / num_problems


def post_answer_fraction(actions: torch.Tensor) -> float:
    """Fraction of emitted tokens that come after the first ANS."""
    is_ans = actions == ANS
    after = is_ans.long().cumsum(1) - is_ans.long() > 0
    return after.float().mean().item()


def non_tool_fraction(actions: torch.Tensor) -> float:
    """Fraction of emitted tokens that are digits or control tokens."""
    tools = torch.tensor(TOOL_TOKENS + (ANS,))
    return (~torch.isin(actions, tools)).float().mean().item()
