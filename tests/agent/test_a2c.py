"""Tests for agent.a2c: rollouts, returns, masked losses, update."""

import functools

import pytest
import torch
import torch.nn as nn

from agentlib.agent import a2c
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic, get_task
from agentlib.tasks import expression_views as views
from agentlib.tasks import expressions as ex

SOLUTIONS = ("MUL ADD ANS", "MUL ADD SUB ANS", "MUL ADD STO MUL RCL ANS")


class ActsAsScored:
    """A fake policy's ``act``: the action and next state its
    ``get_action_and_value`` returns."""

    def act(self, h, prev_action, greedy=False, generator=None, obs=None):
        """The action and next state of ``get_action_and_value``."""
        action, *_, h = self.get_action_and_value(
            h, prev_action, greedy=greedy, generator=generator, obs=obs)
        return action, h


class Oracle(ActsAsScored, nn.Module):
    """Plays a fixed program per stage (STO, a no-op here, after it)."""

    task = get_task("arithmetic")

    def __init__(self, programs: tuple[str, ...] = SOLUTIONS):
        super().__init__()
        tools = arithmetic.TOOLS
        rows = [[tools.index(n) for n in p.split()] for p in programs]
        steps = arithmetic.MAX_STEPS
        rows = [row + [arithmetic.STO] * (steps - len(row)) for row in rows]
        self.table = torch.tensor(rows)  # (3, MAX_STEPS)
        self.bias = nn.Parameter(torch.zeros(()))

    def initial_state(self, problems: arithmetic.Problems) -> torch.Tensor:
        """Column 0: the stage; column 1: the step."""
        return torch.stack([problems.stage, 0 * problems.stage], 1)

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """Unused by the oracle."""
        return torch.zeros(num, dtype=torch.long, device=device)

    def get_action_and_value(self, h, prev_action, action=None,
                             greedy=False, generator=None, obs=None):
        """The scripted action, log-prob and value ``bias``, entropy 1."""
        action = self.table[h[:, 0], h[:, 1]]
        ones = torch.ones(len(h))
        h = h + torch.tensor([0, 1])
        return action, self.bias * ones, ones, self.bias * ones, h


def test_oracle_rollout_masks_after_ans_and_rewards_once():
    problems = arithmetic.problems_from_contexts([[3, 4, 5], [3, 4, 5, 2, 6]])
    batch = a2c.rollout(Oracle(), problems)
    assert batch.mask.tolist() == [[1, 1, 1, 0, 0, 0], [1] * 6]
    assert batch.reward.tolist() == [[0, 0, 1, 0, 0, 0], [0] * 5 + [1]]
    assert batch.correct.tolist() == [True, True]


def test_shaped_rewards_sum_to_the_final_score():
    problems = arithmetic.problems_from_contexts([[3, 4, 5, 2, 6]])
    score = functools.partial(arithmetic.score, shaping="progress")
    batch = a2c.rollout(Oracle(), problems, score)
    assert batch.reward[0].tolist() == pytest.approx(
        [0.6, 0.3, 0.0, 0.6, 0.0, 1.0]  # 1.5 * progress steps, then +1
    )
    assert batch.reward.sum().item() == pytest.approx(2.5)


def test_compute_returns_by_hand():
    reward = torch.tensor([[0.0, 0.5, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    returns = a2c.compute_returns(reward, mask)
    assert returns.tolist() == [[1.5, 1.5, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]
    discounted = a2c.compute_returns(reward, mask, gamma=0.5)
    assert discounted[0].tolist() == [0.5, 1.0, 1.0, 0.0]


def test_losses_by_hand():
    mask = torch.tensor([[1.0, 0.0]])
    log_prob = torch.tensor([[-1.0, -2.0]])
    loss, info = a2c.pg_loss(log_prob, torch.tensor([[2.0, 5.0]]), mask)
    assert loss.item() == 2.0 and info["pg_loss"].item() == 2.0
    value, returns = torch.tensor([[1.0, 9.0]]), torch.tensor([[3.0, 0.0]])
    assert a2c.v_loss(value, returns, mask)[0].item() == 0.5 * 2.0**2
    entropy = torch.tensor([[0.7, 3.0]])
    loss, info = a2c.entropy_loss(entropy, mask)
    assert loss.item() == pytest.approx(-0.7)
    assert info["entropy"].item() == pytest.approx(0.7)


def rollout_with_leaves() -> a2c.Rollout:
    """A rollout whose log-probs, entropies and values are leaves."""
    torch.manual_seed(0)
    leaf = lambda: torch.randn(3, 4).requires_grad_()  # noqa: E731
    mask = torch.tensor([[1.0, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]])
    return a2c.Rollout(
        action=torch.zeros(3, 4, dtype=torch.long), log_prob=leaf(),
        entropy=leaf(), value=leaf(), reward=torch.randn(3, 4) * mask,
        mask=mask, correct=torch.zeros(3, dtype=torch.bool),
    )


@pytest.mark.parametrize("baseline", ["value", "loo"])
def test_steps_after_the_end_get_no_gradient(baseline):
    batch = rollout_with_leaves()
    group = 3 if baseline == "loo" else 1
    loss, _ = a2c.a2c_loss(batch, baseline=baseline, group_size=group)
    loss.backward()
    for tensor in (batch.log_prob, batch.entropy, batch.value):
        assert (tensor.grad[batch.mask == 0] == 0).all()
        assert (tensor.grad[batch.mask == 1] != 0).all()


def test_values_after_the_end_do_not_change_the_loss():
    batch = rollout_with_leaves()
    loss, _ = a2c.a2c_loss(batch)
    with torch.no_grad():
        for tensor in (batch.log_prob, batch.entropy, batch.value):
            tensor[batch.mask == 0] = 1e6
    assert a2c.a2c_loss(batch)[0].item() == pytest.approx(loss.item())


def test_leave_one_out_baseline_by_hand():
    returns = torch.tensor([[1.0], [3.0], [10.0], [20.0]])
    baseline = a2c.leave_one_out_baseline(returns, group_size=2)
    assert baseline.tolist() == [[3.0], [1.0], [20.0], [10.0]]


def test_repeat_problems_keeps_groups_together():
    problems = arithmetic.problems_from_contexts([[1, 2, 3], [4, 5, 6, 7]])
    grouped = a2c.repeat_problems(problems, 3)
    assert grouped.stage.tolist() == [0, 0, 0, 1, 1, 1]
    assert grouped.target.tolist() == [5] * 3 + [4 * 5 + 6 - 7] * 3


def test_take_rows_keeps_the_chosen_problems_in_order():
    problems = ex.problems_from_expressions(["3+4*5", "2*3", "9-1-1"])
    taken = a2c.take_rows(problems, torch.tensor([2, 0]))
    assert taken.target.tolist() == [7, 23]
    assert taken.horizon == problems.horizon


def test_take_rows_cuts_every_field_of_a_rollout_by_a_mask():
    problems = arithmetic.problems_from_contexts([[1, 2, 3], [4, 5, 6]])
    batch = a2c.rollout(Oracle(), problems, greedy=True)
    kept = a2c.take_rows(batch, torch.tensor([False, True]))
    assert kept.action.tolist() == batch.action[1:].tolist()
    assert kept.correct.tolist() == [True]


def test_unknown_baseline_raises():
    with pytest.raises(AgentlibError, match="unknown baseline"):
        a2c.a2c_loss(rollout_with_leaves(), baseline="mean")


def test_update_changes_the_model_and_clips():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=16))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(0)
    problems = arithmetic.sample_problems(0, 32, generator)
    before = [p.detach().clone() for p in model.parameters()]
    batch = a2c.rollout(model, problems)
    loss, info = a2c.a2c_loss(batch)
    assert set(info) == {"pg_loss", "v_loss", "entropy", "loss"}
    grad_norm = a2c.update(model, optimizer, loss, max_grad_norm=1e-3)
    assert grad_norm.item() > 1e-3
    total = torch.cat([p.grad.flatten() for p in model.parameters()])
    assert total.norm().item() == pytest.approx(1e-3, rel=1e-3)
    after = list(model.parameters())
    assert any(not torch.equal(b, a) for b, a in zip(before, after,
                                                      strict=True))


@pytest.mark.parametrize("group_size", [1, 3, 0, 2.0])
def test_leave_one_out_needs_groups_that_divide_the_batch(group_size):
    with pytest.raises(AgentlibError, match="group_size >= 2 that divides"):
        a2c.leave_one_out_baseline(torch.ones(8, 6), group_size)


def test_the_group_baseline_needs_a_group_size():
    with pytest.raises(AgentlibError, match="got 1"):
        a2c.a2c_loss(rollout_with_leaves(), baseline="loo")


def returns_case() -> tuple[torch.Tensor, ...]:
    """Two episodes of three steps; the second ends after two."""
    reward = torch.tensor([[0.5, 0.0, 1.0], [0.25, 2.0, 0.0]])
    value = torch.tensor([[0.4, 0.8, 0.6], [1.0, 0.5, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    return reward, value, mask


def test_lambda_1_gives_the_monte_carlo_returns_bit_for_bit():
    torch.manual_seed(0)
    reward, value = torch.randn(64, 6), torch.randn(64, 6)
    mask = (torch.rand(64, 6) < 0.8).float().cummin(1).values
    for gamma in (1.0, 0.9):
        assert torch.equal(
            a2c.lambda_returns(reward, value, mask, gamma, lam=1.0),
            a2c.compute_returns(reward, mask, gamma))


def test_lambda_0_is_the_one_step_target_by_hand():
    reward, value, mask = returns_case()
    returns = a2c.lambda_returns(reward, value, mask, lam=0.0)
    # r_t + V(s_{t+1}); the value after the last step is zero
    expected = [[0.5 + 0.8, 0.0 + 0.6, 1.0], [0.25 + 0.5, 2.0, 0.0]]
    assert torch.allclose(returns, torch.tensor(expected))
    assert torch.equal(
        returns, a2c.n_step_returns(reward, value, mask, n=1))


def test_lambda_half_mixes_by_hand():
    reward, value, mask = returns_case()
    returns = a2c.lambda_returns(reward, value, mask, lam=0.5)
    last = 1.0
    middle = 0.0 + 0.5 * 0.6 + 0.5 * last
    first = 0.5 + 0.5 * 0.8 + 0.5 * middle
    assert returns[0].tolist() == pytest.approx([first, middle, last])


def test_n_step_returns_by_hand():
    reward, value, mask = returns_case()
    returns = a2c.n_step_returns(reward, value, mask, n=2)
    expected = [[0.5 + 0.0 + 0.6, 0.0 + 1.0, 1.0], [0.25 + 2.0, 2.0, 0.0]]
    assert torch.allclose(returns, torch.tensor(expected))
    whole = a2c.n_step_returns(reward, value, mask, n=3)
    assert torch.equal(whole, a2c.compute_returns(reward, mask))


def test_bootstrapped_returns_choose_the_configured_kind():
    reward, value, mask = returns_case()
    batch = a2c.Rollout(reward, reward, reward, value, reward, mask,
                        torch.zeros(2, dtype=torch.bool))
    assert torch.equal(a2c.bootstrapped_returns(batch),
                       a2c.compute_returns(reward, mask))
    assert torch.equal(a2c.bootstrapped_returns(batch, n_step=1),
                       a2c.n_step_returns(reward, value, mask, n=1))
    assert torch.equal(a2c.bootstrapped_returns(batch, gae_lambda=0.5),
                       a2c.lambda_returns(reward, value, mask, lam=0.5))


def test_a_bootstrapped_advantage_passes_no_gradient_to_the_critic():
    reward, value, mask = returns_case()
    value = value.clone().requires_grad_()
    returns = a2c.lambda_returns(reward, value, mask, lam=0.5)
    assert not returns.requires_grad


def tiny_rollout() -> a2c.Rollout:
    """One episode of two steps, a third step after its end (masked), with
    every per-step number written by hand; log-probs, entropies and
    values are leaves, so their gradients can be read."""
    leaf = lambda *x: torch.tensor([x]).requires_grad_()  # noqa: E731
    return a2c.Rollout(
        action=torch.zeros(1, 3, dtype=torch.long),
        log_prob=leaf(-1.0, -2.0, -7.0), entropy=leaf(1.0, 0.5, 3.0),
        value=leaf(0.5, 0.25, 9.0), reward=torch.tensor([[0.0, 1.0, 0.0]]),
        mask=torch.tensor([[1.0, 1.0, 0.0]]),
        correct=torch.tensor([True]),
    )


def test_returns_advantage_and_each_loss_by_hand():
    batch = tiny_rollout()
    returns = a2c.bootstrapped_returns(batch)
    assert returns.tolist() == [[1.0, 1.0, 0.0]]
    assert a2c.bootstrapped_returns(batch, gamma=0.5).tolist() == [
        [0.5, 1.0, 0.0]]
    # advantage = return - value: 1 - 0.5, 1 - 0.25 (masked later)
    advantage = a2c.compute_advantage(batch, returns)
    assert advantage.tolist() == [[0.5, 0.75, -9.0]]
    assert not advantage.requires_grad
    loss, info = a2c.a2c_loss(batch, value_coef=0.5, entropy_coef=0.15)
    # pg: -(-1 * 0.5 + -2 * 0.75) / 2 = +1.0
    assert info["pg_loss"].item() == pytest.approx(1.0)
    # v: 0.5 * ((0.5 - 1)^2 + (0.25 - 1)^2) / 2 = 0.203125
    assert info["v_loss"].item() == pytest.approx(0.203125)
    # the entropy reported is the mean entropy, +0.75; its loss is -0.75
    assert info["entropy"].item() == pytest.approx(0.75)
    # 1.0 + 0.5 * 0.203125 - 0.15 * 0.75
    assert loss.item() == pytest.approx(0.9890625)
    assert info["loss"].item() == pytest.approx(0.9890625)


def test_the_gradients_of_the_loss_by_hand_and_their_signs():
    batch = tiny_rollout()
    loss, _ = a2c.a2c_loss(batch, value_coef=0.5, entropy_coef=0.15)
    loss.backward()
    # minimising raises the log-prob of a step with positive advantage:
    # d loss / d log_prob = -advantage / 2 steps
    assert batch.log_prob.grad[0].tolist() == pytest.approx(
        [-0.25, -0.375, 0.0])
    # the critic moves toward the return: 0.5 * (value - return) / 2
    assert batch.value.grad[0].tolist() == pytest.approx(
        [-0.125, -0.1875, 0.0])
    # the bonus raises the entropy: -0.15 / 2 per step taken
    assert batch.entropy.grad[0].tolist() == pytest.approx(
        [-0.075, -0.075, 0.0])


def test_the_leave_one_out_advantage_by_hand():
    batch = tiny_rollout()
    returns = torch.tensor([[1.0], [3.0], [10.0], [20.0]])
    batch.value = torch.full((4, 1), 100.0)  # unused by this baseline
    advantage = a2c.compute_advantage(batch, returns, "loo", group_size=2)
    assert advantage.tolist() == [[-2.0], [2.0], [-10.0], [10.0]]


def test_an_empty_mask_gives_a_zero_loss_not_nan():
    assert a2c.masked_mean(torch.ones(2, 3), torch.zeros(2, 3)).item() == 0
    # the mean is over the steps taken, not over all steps
    x, mask = torch.tensor([[2.0, 4.0, 9.0]]), torch.tensor([[1.0, 1, 0]])
    assert a2c.masked_mean(x, mask).item() == 3.0


class Bandit(nn.Module):
    """A one-step policy over three actions with learnable logits and a
    fixed value; it plays the actions it is given."""

    task = get_task("arithmetic")

    def __init__(self, logits: list[float]):
        super().__init__()
        self.logits = nn.Parameter(torch.tensor(logits))

    def probs(self) -> list[float]:
        """The policy's probability of each action."""
        return torch.softmax(self.logits, 0).tolist()

    def batch(self, actions: list[int], rewards: list[float]
              ) -> a2c.Rollout:
        """A one-step rollout of ``actions`` with ``rewards``."""
        dist = torch.distributions.Categorical(logits=self.logits)
        action = torch.tensor(actions)
        num = len(actions)
        return a2c.Rollout(
            action=action[:, None], log_prob=dist.log_prob(action)[:, None],
            entropy=dist.entropy().expand(num)[:, None],
            value=torch.zeros(num, 1), reward=torch.tensor(rewards)[:, None],
            mask=torch.ones(num, 1), correct=torch.zeros(num, dtype=bool),
        )


def test_one_update_raises_a_rewarded_action_and_lowers_a_punished_one():
    policy = Bandit([0.0, 0.0, 0.0])
    optimizer = torch.optim.SGD(policy.parameters(), lr=0.5)
    # action 0 returns +1, action 1 returns -1, against a value of 0
    loss, _ = a2c.a2c_loss(policy.batch([0, 1], [1.0, -1.0]),
                           entropy_coef=0.0)
    a2c.update(policy, optimizer, loss)
    up, down, other = policy.probs()
    assert up > 1 / 3 > other > down
    # by hand: the logits move by lr * (1[a] - p) * advantage / 2
    assert policy.logits.tolist() == pytest.approx(
        [0.5 * (2 / 3 + 1 / 3) / 2, -0.5 * (2 / 3 + 1 / 3) / 2, 0.0])


def test_the_entropy_bonus_alone_flattens_the_policy():
    policy = Bandit([2.0, 0.0, 0.0])
    optimizer = torch.optim.SGD(policy.parameters(), lr=0.1)
    before = policy.probs()
    loss, _ = a2c.a2c_loss(policy.batch([0, 1], [0.0, 0.0]),
                           entropy_coef=1.0)  # no advantage at all
    a2c.update(policy, optimizer, loss)
    after = policy.probs()
    assert after[0] < before[0] and after[1] > before[1]


class Recorder(ActsAsScored, nn.Module):
    """Plays a fixed program on every problem and records what the
    rollout hands it: the observation and the generator at each step."""

    def __init__(self, task, program: list[str]):
        super().__init__()
        self.task = task
        self.program = [task.tools.index(name) for name in program]
        self.bias = nn.Parameter(torch.zeros(()))
        self.seen = []

    def initial_state(self, problems) -> torch.Tensor:
        """The step, as the state."""
        return torch.zeros(len(problems), 1, dtype=torch.long)

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """A token id on ``device``."""
        self.seen.append(("start", device))
        return torch.zeros(num, dtype=torch.long, device=device)

    def get_action_and_value(self, h, prev_action, action=None,
                             greedy=False, generator=None, obs=None):
        """The program's next tool; log-prob and value 0, entropy 1."""
        self.seen.append((obs, generator))
        step = int(h[0, 0])
        tool = self.program[step] if step < len(self.program) else 0
        ones = torch.ones(len(h))
        return (torch.full((len(h),), tool), 0 * ones, ones, 0 * ones,
                h + 1)


def test_a_rollout_hands_the_policy_each_observation_and_generator():
    task = get_task("expressions")
    problems = ex.problems_from_expressions(["3+4*5", "1-2"])
    policy = Recorder(task, ex.solution("+*"))
    generator = torch.Generator()
    batch = a2c.rollout(policy, problems, generator=generator)
    # the expressions' horizon, 7 steps for three operands
    assert batch.action.shape == (2, 7)
    assert policy.seen[0] == ("start", torch.device("cpu"))
    steps = policy.seen[1:]
    assert len(steps) == 7 and all(g is generator for _, g in steps)
    # at the start: no operator before, "+" after, acc and mem empty
    assert steps[0][0][0].tolist() == [
        views.LEFT_START, views.NUM_LEFT + ex.PLUS, 10, 12]
    # after LOAD PUSH LOAD MUL: every operand read, acc full, mem full
    assert steps[4][0][0].tolist() == [
        views.LEFT_END, views.NUM_LEFT + ex.NO_OP, 9, 11]
    assert batch.correct.tolist() == [True, False]


def test_a_seeded_rollout_does_not_use_torch_s_global_generator():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=8))
    problems = arithmetic.sample_problems(2, 64,
                                          torch.Generator().manual_seed(0))
    actions = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        with torch.no_grad():
            actions.append(a2c.rollout(
                model, problems, generator=torch.Generator().manual_seed(3)
            ).action)
    assert torch.equal(*actions)


def test_the_returns_of_one_step_episodes():
    reward, value, mask = (torch.tensor([[2.0], [0.5]]),
                           torch.tensor([[9.0], [9.0]]),
                           torch.tensor([[1.0], [0.0]]))
    expected = [[2.0], [0.0]]  # nothing after the last step
    assert a2c.compute_returns(reward, mask).tolist() == expected
    assert a2c.lambda_returns(reward, value, mask, lam=0.5).tolist() == (
        expected)
    assert a2c.n_step_returns(reward, value, mask, n=1).tolist() == expected


def test_the_default_lambda_and_n_by_hand():
    reward, value, mask = returns_case()
    # lambda 1 by default: the Monte-Carlo returns
    assert torch.equal(a2c.lambda_returns(reward, value, mask),
                       a2c.compute_returns(reward, mask))
    # n = 1 by default: one reward, then the next state's value
    assert torch.allclose(a2c.n_step_returns(reward, value, mask),
                          torch.tensor([[0.5 + 0.8, 0.0 + 0.6, 1.0],
                                        [0.25 + 0.5, 2.0, 0.0]]))


def test_discounted_n_step_returns_through_the_loss_by_hand():
    reward, value, mask = returns_case()
    batch = a2c.Rollout(reward, reward, reward, value, reward, mask,
                        torch.zeros(2, dtype=torch.bool))
    # two steps of reward, then the value, discounted by 0.5 a step
    returns = a2c.bootstrapped_returns(batch, gamma=0.5, n_step=2)
    assert returns[0].tolist() == pytest.approx(
        [0.5 + 0.5 * 0.0 + 0.25 * 0.6, 0.0 + 0.5 * 1.0, 1.0])
    lam = a2c.bootstrapped_returns(batch, gamma=0.5, gae_lambda=0.0)
    assert lam[0].tolist() == pytest.approx([0.5 + 0.5 * 0.8,
                                             0.0 + 0.5 * 0.6, 1.0])


def test_the_loss_uses_its_gamma_lambda_and_n_step():
    def v_loss(**options):
        batch = tiny_rollout()
        return a2c.a2c_loss(batch, **options)[1]["v_loss"].item()

    # values 0.5, 0.25 against returns by hand: 0.5 * mean squared error
    def by_hand(first, second):
        return 0.5 * ((0.5 - first) ** 2 + (0.25 - second) ** 2) / 2

    assert v_loss(gamma=0.5) == pytest.approx(by_hand(0.5, 1.0))
    # lambda 0: reward + next value (0.25), then reward + 0 after the end
    assert v_loss(gae_lambda=0.0) == pytest.approx(by_hand(0.25, 1.0))
    assert v_loss(n_step=1) == pytest.approx(by_hand(0.25, 1.0))


def test_the_default_coefficients_of_the_loss():
    loss, _ = a2c.a2c_loss(tiny_rollout())
    # 1.0 + 0.5 * 0.203125 - 0.15 * 0.75, as by hand above
    assert loss.item() == pytest.approx(0.9890625)


def test_leave_one_out_in_groups_of_three_by_hand():
    returns = torch.tensor([[1.0], [2.0], [6.0]])
    baseline = a2c.leave_one_out_baseline(returns, group_size=3)
    assert baseline.tolist() == [[4.0], [3.5], [1.5]]
    with pytest.raises(AgentlibError, match="got 1"):
        a2c.compute_advantage(tiny_rollout(), returns, "loo")


def test_an_update_clips_to_a_norm_of_one_by_default():
    policy = Bandit([0.0, 0.0, 0.0])
    optimizer = torch.optim.SGD(policy.parameters(), lr=1.0)
    loss = (policy.logits * torch.tensor([30.0, 40.0, 0.0])).sum()
    norm = a2c.update(policy, optimizer, loss)
    assert norm.item() == pytest.approx(50.0)  # before clipping
    assert policy.logits.grad.tolist() == pytest.approx([0.6, 0.8, 0.0])
    assert policy.logits.tolist() == pytest.approx([-0.6, -0.8, 0.0])

