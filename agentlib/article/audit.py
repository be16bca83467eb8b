"""Evidence for the audit of the article's program (chapter 1).

Each function measures one defect of :mod:`agentlib.article.original` so that
the chapter can show it with an assertion rather than describe it.
"""

import itertools
import random
from dataclasses import dataclass, replace

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


# Defect 7: a policy small enough to enumerate, to show the article's
# baseline biased exactly rather than by sampling.

TOY_ACTIONS = ("MUL", "ADD")


@dataclass(frozen=True)
class TwoStepToy:
    """A two-step tabular policy, its critic and its reward, all exact.

    The state at step 2 is the first action, so step 2's logits and
    the critic's value there depend on it. Tensors are float64.
    """

    first_logits: torch.Tensor  # (A,) logits of the first action
    second_logits: torch.Tensor  # (A, A): row = the first action
    first_value: float  # V(s_1), the critic at the start
    second_value: torch.Tensor  # (A,) V(s_2) after each first action
    reward: torch.Tensor  # (A, A) R of each two-action program


def toy_problem() -> TwoStepToy:
    """The chapter's toy: reward 1 for ``MUL ADD`` alone, as exact match.

    The policy leans the wrong way at step 1; the critic's values are
    fixed numbers, as if partly learned.
    """
    f64 = torch.float64
    return TwoStepToy(
        first_logits=torch.tensor([0.0, 0.5], dtype=f64),
        second_logits=torch.tensor([[0.0, 0.3], [0.2, 0.0]], dtype=f64),
        first_value=0.3,
        second_value=torch.tensor([0.5, 0.1], dtype=f64),
        reward=torch.tensor([[0.0, 1.0], [0.0, 0.0]], dtype=f64),
    )


def _log_probs(first_logits, second_logits) -> torch.Tensor:
    """(A, A, 2) log pi(a_t | s_t) of both steps of every trajectory."""
    first = torch.log_softmax(first_logits, 0)  # (A,)
    second = torch.log_softmax(second_logits, 1)  # (A, A)
    return torch.stack([first[:, None].expand_as(second), second], -1)


def _leaves(toy: TwoStepToy) -> tuple[torch.Tensor, torch.Tensor]:
    """Fresh copies of the toy's logits that autograd differentiates."""
    return (
        toy.first_logits.detach().clone().requires_grad_(),
        toy.second_logits.detach().clone().requires_grad_(),
    )


def _flat_grad(output: torch.Tensor, leaves) -> torch.Tensor:
    """Gradient of ``output`` w.r.t. the logits, flattened: (A + A * A,)."""
    grads = torch.autograd.grad(output, leaves)
    return torch.cat([grad.flatten() for grad in grads])


def trajectory_probs(toy: TwoStepToy) -> torch.Tensor:
    """(A, A) p(tau) of every two-action program."""
    with torch.no_grad():
        return _log_probs(toy.first_logits, toy.second_logits).sum(-1).exp()


def expected_return_gradient(toy: TwoStepToy) -> torch.Tensor:
    """Autograd of J = sum_tau p(tau) R(tau): the true policy gradient."""
    leaves = _leaves(toy)
    prob = _log_probs(*leaves).sum(-1).exp()  # (A, A)
    return _flat_grad((prob * toy.reward).sum(), leaves)


def expected_estimate(
    toy: TwoStepToy, advantage: torch.Tensor
) -> torch.Tensor:
    """Exact E[sum_t grad log pi(a_t | s_t) * advantage_t] over every tau.

    ``advantage`` is (A, A, 2), per trajectory and step; it is held
    constant (detached), as the article's update holds its own.
    """
    leaves = _leaves(toy)
    log_prob = _log_probs(*leaves)  # (A, A, 2)
    prob = log_prob.sum(-1).exp().detach()  # (A, A) p(tau), a weight
    weighted = (log_prob * advantage.detach()).sum(-1)  # (A, A)
    return _flat_grad((prob * weighted).sum(), leaves)


def exact_policy_gradient(toy: TwoStepToy) -> torch.Tensor:
    """sum_tau p(tau) R(tau) grad log p(tau): no baseline at all."""
    return expected_estimate(toy, toy.reward[..., None].expand(-1, -1, 2))


def article_advantage(toy: TwoStepToy) -> torch.Tensor:
    """(A, A, 2) the article's R - sum_k V(s_k), one for every step."""
    total_value = toy.first_value + toy.second_value  # (A,) per first action
    advantage = toy.reward - total_value[:, None]  # (A, A)
    return advantage[..., None].expand(-1, -1, 2)


def per_step_advantage(toy: TwoStepToy) -> torch.Tensor:
    """(A, A, 2) R - V(s_t): each step's baseline depends on s_t alone."""
    first = toy.reward - toy.first_value
    second = toy.reward - toy.second_value[:, None]
    return torch.stack([first, second], -1)


def baseline_gradients(toy: TwoStepToy) -> dict[str, torch.Tensor]:
    """The true gradient and the expectations of the two estimators."""
    return {
        "exact": exact_policy_gradient(toy),
        "article": expected_estimate(toy, article_advantage(toy)),
        "per-step": expected_estimate(toy, per_step_advantage(toy)),
    }


def exact_critic(toy: TwoStepToy) -> TwoStepToy:
    """The toy with a perfect critic: V(s) = E[R | s] in every state."""
    prob = trajectory_probs(toy)  # (A, A)
    to_come = (prob * toy.reward).sum(1) / prob.sum(1)  # (A,) E[R | a_1]
    expected = (prob * toy.reward).sum().item()
    return replace(toy, first_value=expected, second_value=to_come)


def toy_parameter_names(toy: TwoStepToy) -> list[str]:
    """Names of the logits, in the order of the flattened gradients."""
    names = TOY_ACTIONS[: len(toy.first_logits)]
    first = [f"step 1: {a}" for a in names]
    second = [f"step 2 after {a1}: {a}" for a1 in names for a in names]
    return first + second


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine of the angle between two gradient vectors."""
    return (a @ b / (a.norm() * b.norm())).item()
