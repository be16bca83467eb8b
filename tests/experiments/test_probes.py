"""Tests for experiments.probes: linear probes of the agent's state."""

import pytest
import torch

from agentlib.agent.a2c import rollout
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.experiments import probes
from agentlib.tasks import expressions as ex
from tests.experiments.conftest import FOUR_OPERANDS

LOAD, MUL, ADD, PUSH = ex.LOAD, ex.MUL, ex.ADD, ex.PUSH
POP_ADD, POP_SUB, ANS = ex.POP_ADD, ex.POP_SUB, ex.ANS


def tiny_model(seed: int = 0) -> ActorCritic:
    """A small random network for the expression task."""
    torch.manual_seed(seed)
    return ActorCritic(ActorCriticConfig(d_model=8, use_stage=False,
                                         task="expressions")).eval()


def test_a_probe_reads_a_linear_feature_and_not_noise():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (400,), generator=generator)
    features = 0.1 * torch.randn(400, 5, generator=generator)
    features[:, 2] += 4 * labels - 2  # one direction carries the label
    assert probes.probe_accuracy(features, labels) == 1.0
    noise = torch.randint(0, 2, (400,), generator=generator)
    assert probes.probe_accuracy(features, noise) < 0.65


def test_fit_probe_by_hand():
    # x = -1, -1, 1, 1 with labels 0, 0, 1, 1: the normal equations are
    # diag(4, 4) w = (4, 0), plus ridge * 4 on the diagonal
    features = torch.tensor([[-1.0], [-1.0], [1.0], [1.0]])
    labels = torch.tensor([0, 0, 1, 1])
    weights = probes.fit_probe(features, labels, ridge=0.5)
    assert weights.tolist() == pytest.approx([4 / 6, 0.0])


def test_pending_sign_rows_line_up():
    model = tiny_model()
    problems = ex.sample_problems(torch.full((64,), 3), 64,
                                  torch.Generator().manual_seed(1),
                                  horizon=ex.budget(5))
    data = probes.pending_sign_data(model, problems)
    rows = len(data["sign"])
    assert data["h"].shape == (rows, 8) and data["obs"].shape == (rows, 4)
    assert set(data["sign"].tolist()) <= {0, 1}
    assert probes.one_hot_obs(data["obs"]).sum(1).tolist() == [4.0] * rows


def test_collinear_one_hot_features_give_one_fit():
    # two one-hot groups: each group's columns sum to the bias column,
    # so plain least squares has many solutions; the ridge picks one
    generator = torch.Generator().manual_seed(0)
    first = torch.randint(0, 3, (300,), generator=generator)
    second = torch.randint(0, 3, (300,), generator=generator)
    features = torch.cat([torch.nn.functional.one_hot(first, 3),
                          torch.nn.functional.one_hot(second, 3)], 1)
    labels = (first == 1).long()
    assert probes.probe_accuracy(features.float(), labels) == 1.0
    doubled = torch.cat([features, features], 1).float()  # exact copies
    assert probes.probe_accuracy(doubled, labels) == 1.0


def test_solution_actions_are_the_programs_padded_with_ans():
    problems = ex.problems_from_expressions(["3-4*5*6", "3*4+5"])
    assert probes.solution_actions(problems).tolist() == [
        [LOAD, PUSH, LOAD, MUL, MUL, POP_SUB, ANS, ANS, ANS],
        [LOAD, MUL, ADD, ANS, ANS, ANS, ANS, ANS, ANS]]


def test_the_trace_of_a_pushed_product_by_hand():
    # 3-4*5*6: LOAD PUSH LOAD MUL MUL POP- ANS, then two steps past ANS
    problems = ex.problems_from_expressions(["3-4*5*6"])
    actions = probes.solution_actions(problems)
    trace = probes.machine_trace(problems, actions)
    assert trace["live"][0].tolist() == [True] * 7 + [False] * 2
    assert trace["mem_full"][0].tolist() == [False, False, True, True,
                                             True, True, False, False, False]
    assert trace["cursor"][0].tolist() == [0, 1, 1, 2, 3, 4, 4, 4, 4]
    # the '-' (id 1) waits from the LOAD of 4 until the POP
    assert trace["sign"][0].tolist() == [-1, -1, -1, 1, 1, 1, -1, -1, -1]
    # at the first MUL: left '*', right '*', acc full, mem full
    assert trace["obs"][0, 3].tolist() == [2, 5 + 2, 9, 11]
    assert trace["obs"][0, 4].tolist() == [2, 5 + 3, 9, 11]  # end next


@pytest.mark.parametrize("text, steps", [
    ("3-4*5*6", [3, 4]),  # both MULs of the pushed product
    ("3*4+5*6", [4]),  # not the MUL of 3*4: nothing waits in mem
    ("3+4*5-6*7", [3, 7]),
    ("3*4+5-6", []),  # nothing is ever pushed
])
def test_product_steps_are_the_muls_while_a_sum_waits(text, steps):
    problems = ex.problems_from_expressions([text])
    actions = probes.solution_actions(problems)
    mask = probes.product_steps(actions, probes.machine_trace(problems,
                                                              actions))
    assert mask[0].nonzero().flatten().tolist() == steps


def test_muls_in_a_row_by_hand():
    actions = torch.tensor([[MUL, MUL, LOAD, MUL, ANS, MUL]])
    assert probes.muls_in_a_row(actions).tolist() == [[1, 2, 0, 1, 0, 1]]


def test_distinct_steps_keep_the_first_of_each_situation():
    # the second expression has the first's operators: the same inputs
    # at every step, so its rows are dropped; the third differs at its
    # MUL by what follows the product
    problems = ex.problems_from_expressions(["3-4*5*6", "9-1*2*3",
                                             "3-4*5+6"])
    actions = probes.solution_actions(problems)
    trace = probes.machine_trace(problems, actions)
    mask = probes.product_steps(actions, trace)
    episodes, steps = probes.distinct_steps(problems, trace["cursor"], mask)
    assert episodes.tolist() == [0, 0, 2] and steps.tolist() == [3, 4, 3]


def test_read_features_are_the_observation_and_the_previous_action():
    features = probes.read_features(torch.tensor([[2, 7, 9, 11]]),
                                    torch.tensor([MUL]), num_tokens=10)
    assert features.shape == (1, ex.NUM_OBS + 10)
    hot = features[0].nonzero().flatten().tolist()
    assert hot == [2, 7, 9, 11, ex.NUM_OBS + MUL]


def test_product_problems_draw_long_products_without_zeros():
    problems = probes.product_problems(2_000, 11, 0.6,
                                       torch.Generator().manual_seed(0))
    assert problems.length.tolist() == [11] * 2_000
    assert problems.digits.min() >= 1 and problems.digits.max() <= 9
    operators = problems.operators.flatten()
    shares = [(operators == op).float().mean().item()
              for op in (ex.PLUS, ex.MINUS, ex.TIMES)]
    assert shares == pytest.approx([0.2, 0.2, 0.6], abs=0.01)
    assert problems.horizon == ex.budget(11)


def test_states_along_the_greedy_actions_are_the_greedy_states(imitator):
    # pending_sign_data keeps the greedy rollout's own states: feeding
    # the same actions back must give the same states at those steps
    problems = FOUR_OPERANDS
    actions = rollout(imitator, problems, greedy=True).action
    trace = probes.machine_trace(problems, actions)
    states = probes.states_along(imitator, problems, actions, trace["obs"])
    pending = trace["live"] & trace["mem_full"] & (trace["sign"] >= 0)
    expected = probes.pending_sign_data(imitator, problems)  # step-major
    assert len(expected["h"]) > 0
    assert torch.equal(states.transpose(0, 1)[pending.T], expected["h"])
    signs = trace["sign"].T[pending.T]
    assert torch.equal((signs == ex.MINUS).long(), expected["sign"])


def test_the_imitator_solves_its_patterns(imitator):
    # the fixture the probes' tests lean on: the solution on all of them
    actions = rollout(imitator, FOUR_OPERANDS, greedy=True).action
    solutions = probes.solution_actions(FOUR_OPERANDS)
    live = probes.machine_trace(FOUR_OPERANDS, solutions)["live"]
    assert torch.equal(actions[live], solutions[live])


def test_sign_probe_data_lines_up_for_every_network():
    problems = ex.problems_from_expressions(["3-4*5*6", "9-1*2*3",
                                             "3+4*5"])
    model, other = tiny_model(0), tiny_model(1)
    data = probes.sign_probe_data({"a": model, "b": other}, problems)
    assert data["sign"].tolist() == [1, 1, 0]  # -, -, +
    assert data["muls"].tolist() == [1, 2, 1]
    actions = probes.solution_actions(problems)
    obs = probes.machine_trace(problems, actions)["obs"]
    for name, network in (("a", model), ("b", other)):
        states = probes.states_along(network, problems, actions, obs)
        assert torch.equal(data[name], states[[0, 0, 2], [3, 4, 3]])
    assert not torch.equal(data["a"], data["b"])
    assert data["input"][:, ex.NUM_OBS + LOAD].tolist() == [1.0, 0.0, 1.0]
