"""The update: REINFORCE with a learned baseline, on whole episodes.

One batch of episodes is rolled out on the machine; each step's return
is the reward still to come, up to and including ``ANS`` (Monte-Carlo,
``gamma = 1``). With the critic's value as the baseline this is
REINFORCE with a baseline (Williams, 1992; Sutton and Barto, 2018,
section 13.4), not A2C as Mnih et al. (2016) define it, which
bootstraps its returns from the critic. Both are one option away:
``gae_lambda < 1`` gives GAE(lambda) (Schulman et al., 2016) and
``n_step`` gives n-step returns; ``gae_lambda = 1`` gives back the
Monte-Carlo returns exactly. The policy
gradient weighs each step's log-probability by its advantage (return
minus a baseline); the critic regresses the returns; an entropy bonus
keeps the policy exploring; gradients are clipped. Steps after an
episode ends are masked out of every loss.

Losses are small functions returning ``(loss, info)``, as in Spinning
Up's ``vpg``. The baseline is the critic's per-step value, or (for an
ablation) the leave-one-out mean return of a group of episodes on the
same problem (Kool et al., 2019, "Buy 4 REINFORCE samples").
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import torch
import torch.nn as nn

from agentlib.agent.adam import Optimizer
from agentlib.agent.policy import Policy, device_of
from agentlib.errors import AgentlibError, check_choice, is_integer
from agentlib.tasks import Problems
from agentlib.tasks.machine import Machine

BASELINES = ("value", "loo")
Baseline = Literal["value", "loo"]
Batch = TypeVar("Batch")
"""A dataclass of (B, ...) tensors, such as problems or a rollout."""
Score = Callable[[Machine, Problems], torch.Tensor]
"""A state's worth: (B,) from the machine's state and the problems."""


@dataclass
class Rollout:
    """A batch of episodes; each field is (B, T) unless noted."""

    action: torch.Tensor
    log_prob: torch.Tensor
    entropy: torch.Tensor
    value: torch.Tensor
    reward: torch.Tensor
    mask: torch.Tensor
    """1.0 for steps taken while the episode was running, else 0.0."""
    correct: torch.Tensor
    """(B,) True where the episode answered the stated target."""


def rollout(
    model: Policy, problems: Problems, score: Score | None = None,
    greedy: bool = False, generator: torch.Generator | None = None,
) -> Rollout:
    """Run one episode per problem for the task's horizon, batched.

    Each step's reward is the change in ``score`` (a task's ``score``
    with a shaping), so an episode's return is the score of its last
    state. The default scores exact match alone; training passes the
    configured shaping (``train.make_score``). The machine is the
    policy's task's (``model.task``).
    """
    task = model.task
    score = score or task.score
    state = task.reset(problems)
    worth = score(state, problems)
    h = model.initial_state(problems)  # (B, d), or the policy's own
    action = model.start_action(len(problems), device_of(model))
    steps = []
    for _ in range(task.horizon(problems)):
        running = (~state.done).float()
        action, log_prob, entropy, value, h = model.get_action_and_value(
            h, action, greedy=greedy, generator=generator,
            obs=task.observe(state, problems),
        )
        state = task.step(state, problems, action)
        new_worth = score(state, problems)
        reward = new_worth - worth  # (B,) the step's change in score
        worth = new_worth
        steps.append((action, log_prob, entropy, value, reward, running))
    # one (B, T) tensor per field, steps along the second axis
    fields = [torch.stack(column, 1) for column in zip(*steps, strict=True)]
    return Rollout(*fields, correct=task.is_correct(state, problems))


def compute_returns(
    reward: torch.Tensor, mask: torch.Tensor, gamma: float = 1.0
) -> torch.Tensor:
    """(B, T) discounted reward still to come, zero after the end."""
    returns = torch.zeros_like(reward)
    running = torch.zeros_like(reward[:, 0])
    for t in reversed(range(reward.shape[1])):
        running = (reward[:, t] + gamma * running) * mask[:, t]
        returns[:, t] = running
    return returns


def lambda_returns(
    reward: torch.Tensor, value: torch.Tensor, mask: torch.Tensor,
    gamma: float = 1.0, lam: float = 1.0,
) -> torch.Tensor:
    """(B, T) lambda-returns: each step's reward, then the next state's
    value mixed with the next lambda-return, ``1 - lam`` to ``lam``.

    ``lam = 1`` adds nothing but ``reward + gamma * running``, the
    Monte-Carlo recursion of :func:`compute_returns`, so it gives the
    same tensor bit for bit; ``lam = 0`` is the one-step TD target.
    The value after an episode's last step is zero (``mask``).
    """
    value = value.detach()
    returns = torch.zeros_like(reward)
    running = torch.zeros_like(reward[:, 0])
    next_value = torch.zeros_like(reward[:, 0])
    for t in reversed(range(reward.shape[1])):
        ahead = running if lam == 1 else (
            (1 - lam) * next_value + lam * running)
        running = (reward[:, t] + gamma * ahead) * mask[:, t]
        returns[:, t] = running
        next_value = value[:, t] * mask[:, t]
    return returns


def n_step_returns(
    reward: torch.Tensor, value: torch.Tensor, mask: torch.Tensor,
    gamma: float = 1.0, n: int = 1,
) -> torch.Tensor:
    """(B, T) the next ``n`` rewards, then the value of the state
    ``n`` steps on (zero past the episode's end), as A2C bootstraps."""
    value = (value.detach() * mask)
    steps = reward.shape[1]
    returns = torch.zeros_like(reward)
    for t in range(steps):
        end = min(t + n, steps)
        running = value[:, end] if end < steps else torch.zeros_like(
            reward[:, 0])
        for k in reversed(range(t, end)):
            running = (reward[:, k] + gamma * running) * mask[:, k]
        returns[:, t] = running
    return returns


def bootstrapped_returns(
    batch: "Rollout", gamma: float = 1.0, gae_lambda: float = 1.0,
    n_step: int = 0,
) -> torch.Tensor:
    """(B, T) the returns the loss uses: Monte-Carlo (the default),
    n-step when ``n_step`` >= 1, else lambda-returns."""
    if n_step:
        return n_step_returns(batch.reward, batch.value, batch.mask,
                              gamma, n_step)
    if gae_lambda == 1:
        return compute_returns(batch.reward, batch.mask, gamma)
    return lambda_returns(batch.reward, batch.value, batch.mask, gamma,
                          gae_lambda)


def check_group_size(group_size: int, num: int) -> int:
    """Return ``group_size`` if it is an integer >= 2 that divides the
    ``num`` episodes of a batch into groups, else raise."""
    if not is_integer(group_size) or group_size < 2 or num % group_size:
        raise AgentlibError(
            f"baseline 'loo' needs a group_size >= 2 that divides the "
            f"batch of {num} episodes, got {group_size!r}"
        )
    return group_size


def leave_one_out_baseline(
    returns: torch.Tensor, group_size: int
) -> torch.Tensor:
    """(B, T) mean return of the other episodes of each group.

    Rows ``k*group_size`` to ``(k+1)*group_size - 1`` must share one
    problem, as :func:`repeat_problems` arranges.
    """
    num, steps = returns.shape
    check_group_size(group_size, num)
    grouped = returns.view(num // group_size, group_size, steps)
    others = grouped.sum(1, keepdim=True) - grouped  # (G, K, T)
    return (others / (group_size - 1)).view(num, steps)


def repeat_problems(problems: Problems, group_size: int) -> Problems:
    """Repeat each problem ``group_size`` times in consecutive rows."""
    rows = torch.arange(len(problems), device=problems.target.device)
    return take_rows(problems, rows.repeat_interleave(group_size))


def take_rows(batch: Batch, rows: torch.Tensor) -> Batch:
    """A batch (problems, a rollout: a dataclass of (B, ...) tensors)
    cut to ``rows``, (R,) indices or a (B,) mask, in that order."""
    return dataclasses.replace(batch, **{
        field.name: value[rows] for field in dataclasses.fields(batch)
        if torch.is_tensor(value := getattr(batch, field.name))})


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``x`` over the steps where ``mask`` is 1."""
    return (x * mask).sum() / mask.sum().clamp(min=1.0)


def pg_loss(
    log_prob: torch.Tensor, advantage: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, dict]:
    """Policy-gradient loss: minus log-prob times advantage, per step."""
    # critical: the advantage is a constant weight, not a path for grads
    loss = -masked_mean(log_prob * advantage.detach(), mask)
    return loss, {"pg_loss": loss.detach()}


def v_loss(
    value: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, dict]:
    """Critic loss: half the squared error to the returns, per step."""
    loss = 0.5 * masked_mean((value - returns) ** 2, mask)
    return loss, {"v_loss": loss.detach()}


def entropy_loss(
    entropy: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, dict]:
    """Minus the mean entropy: minimising it keeps the policy spread."""
    loss = -masked_mean(entropy, mask)
    return loss, {"entropy": -loss.detach()}


def compute_advantage(
    batch: Rollout, returns: torch.Tensor, baseline: Baseline = "value",
    group_size: int = 1,
) -> torch.Tensor:
    """(B, T) returns minus the chosen baseline."""
    if baseline == "value":
        return returns - batch.value.detach()
    check_choice("baseline", baseline, BASELINES)  # loo is left
    return returns - leave_one_out_baseline(returns, group_size)


def a2c_loss(
    batch: Rollout, gamma: float = 1.0, value_coef: float = 0.5,
    entropy_coef: float = 0.15, baseline: Baseline = "value",
    group_size: int = 1, gae_lambda: float = 1.0, n_step: int = 0,
) -> tuple[torch.Tensor, dict]:
    """The weighted sum of the three losses, and their info merged.

    The critic regresses the same returns whose advantage the policy
    uses: Monte-Carlo by default, else bootstrapped (``gae_lambda``,
    ``n_step``).
    """
    returns = bootstrapped_returns(batch, gamma=gamma,
                                   gae_lambda=gae_lambda, n_step=n_step)
    advantage = compute_advantage(batch, returns, baseline=baseline,
                                  group_size=group_size)
    pg_term, pg_info = pg_loss(batch.log_prob, advantage, batch.mask)
    v_term, v_info = v_loss(batch.value, returns, batch.mask)
    entropy_term, entropy_info = entropy_loss(batch.entropy, batch.mask)
    loss = pg_term + value_coef * v_term + entropy_coef * entropy_term
    info = {**pg_info, **v_info, **entropy_info, "loss": loss.detach()}
    return loss, info


def update(
    model: nn.Module, optimizer: Optimizer, loss: torch.Tensor,
    max_grad_norm: float = 1.0,
) -> torch.Tensor:
    """One gradient step with clipping; returns the norm before clipping."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    return grad_norm.detach()
