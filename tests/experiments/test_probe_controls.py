"""Tests for experiments.probe_controls: a random network and a causal
test for the sign probe."""

import pytest
import torch

from agentlib.agent.a2c import rollout
from agentlib.agent.model import ActorCritic
from agentlib.experiments import probe_controls, probes
from agentlib.tasks import expressions as ex
from agentlib.tasks.machine import run_steps
from tests.experiments.conftest import FOUR_OPERANDS


def test_random_like_is_the_same_shape_drawn_from_its_seed(imitator):
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    control = probe_controls.random_like(imitator, seed=5)
    assert torch.equal(torch.rand(3), expected_next)  # global RNG kept
    torch.manual_seed(5)
    reference = ActorCritic(imitator.config)
    assert control.config == imitator.config
    for name, value in reference.state_dict().items():
        assert torch.equal(control.state_dict()[name], value)
        assert not torch.equal(imitator.state_dict()[name], value)


def test_class_gap_by_hand():
    states = torch.tensor([[0.0, 5.0], [2.0, -5.0], [10.0, 1.0],
                           [12.0, 3.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # along x: means 1 and 11; each class's variance is 2
    gap, spread = probe_controls.class_gap(states, labels,
                                           torch.tensor([1.0, 0.0]))
    assert gap == pytest.approx(10.0)
    assert spread == pytest.approx(2 ** 0.5)


def test_the_probe_direction_points_from_plus_to_minus():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (200,), generator=generator)
    states = 0.1 * torch.randn(200, 3, generator=generator)
    states[:, 1] -= 2 * labels  # the '-' states sit lower on axis 1
    direction = probe_controls.probe_direction(states, labels)
    assert direction.norm().item() == pytest.approx(1.0)
    assert direction[1].item() < -0.99
    gap, _ = probe_controls.separation(states, labels)
    assert gap == pytest.approx(2.0, abs=0.1)


def test_random_directions_are_unit_and_differ_by_seed():
    first = probe_controls.random_direction(64, 0)
    assert first.norm().item() == pytest.approx(1.0)
    assert torch.equal(first, probe_controls.random_direction(64, 0))
    assert not torch.equal(first, probe_controls.random_direction(64, 1))


@pytest.mark.parametrize("text, index, turned", [
    ("3-4*5*6", 0, "3+4*5*6"),
    ("3*4+5*6", 1, "3*4-5*6"),
    ("3+4-5*6+7*8", 1, "3+4+5*6+7*8"),  # only the first pushed product
    ("3*4+5-6", -1, "3*4+5-6"),  # no product after a sign
    ("3-4", -1, "3-4"),
])
def test_the_first_pushed_sign_and_its_turn(text, index, turned):
    problems = ex.problems_from_expressions([text])
    found = probe_controls.first_pushed_sign(problems)
    assert found.tolist() == [index]
    digits, operators = ex.parse(turned)
    flipped = probe_controls.flip_sign(problems, found)
    assert flipped.target.tolist() == [ex.value(digits, operators)]


def test_a_push_flips_a_hand_built_heads_pop():
    # the head reads the sign on axis 0: POP- above 0, POP+ below
    head = torch.nn.Linear(2, ex.NUM_TOOLS, bias=False)
    with torch.no_grad():
        head.weight.zero_()
        head.weight[ex.POP_SUB] = torch.tensor([1.0, 0.0])
        head.weight[ex.POP_ADD] = torch.tensor([-1.0, 0.0])
    h = torch.tensor([[-0.5, 0.25], [0.5, -0.25], [-0.5, 0.25]])
    assert head(h).argmax(1).tolist() == [ex.POP_ADD, ex.POP_SUB,
                                          ex.POP_ADD]
    push = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]])
    where = torch.tensor([True, True, False])  # the third is not pushed
    after = probe_controls.nudge(h, where, push)
    assert after.tolist() == [[0.5, 0.25], [-0.5, -0.25], [-0.5, 0.25]]
    assert head(after).argmax(1).tolist() == [ex.POP_SUB, ex.POP_ADD,
                                              ex.POP_ADD]


def test_the_last_pushed_factor_is_the_step_before_the_pop():
    problems = ex.problems_from_expressions(["3-4*5*6", "3*4*5+6"])
    actions = probes.solution_actions(problems)
    state, marked = ex.reset(problems), []
    for action in actions.unbind(1):
        obs = ex.observe(state, problems)
        marked.append(probe_controls.last_pushed_factor(
            state, problems, obs, action))
        state = ex.step(state, problems, action)
    marked = torch.stack(marked, 1)
    # LOAD PUSH LOAD MUL MUL POP- ANS; the second pushes nothing
    assert marked[0].nonzero().flatten().tolist() == [4]
    assert not marked[1].any()


def test_flip_share_weighs_by_episodes():
    rates = {"+ to -": {"pop": 1.0, "answer": 0.5, "episodes": 3},
             "- to +": {"pop": 0.0, "answer": 1.0, "episodes": 1}}
    assert probe_controls.flip_share(rates) == 0.75
    assert probe_controls.flip_share(rates, "answer") == 0.625


def test_without_a_push_the_rollout_is_the_greedy_one(imitator):
    run = probe_controls.nudged_rollout(
        imitator, FOUR_OPERANDS, torch.zeros(1, 32))
    greedy = rollout(imitator, FOUR_OPERANDS, greedy=True)
    final = run_steps(ex.step, FOUR_OPERANDS, greedy.action)
    assert torch.equal(run["answered"], final.answered)
    assert torch.equal(run["answer"], final.acc)
    # the pop after the nudged step is the solution's, where there is one
    index = probe_controls.first_pushed_sign(FOUR_OPERANDS)
    sign = FOUR_OPERANDS.operators.gather(1, index.clamp(min=0)[:, None])
    expected = torch.where(sign[:, 0] == ex.PLUS, ex.POP_ADD, ex.POP_SUB)
    assert torch.equal(run["pop"], torch.where(index >= 0, expected, -1))


def test_a_push_along_the_probe_flips_the_imitators_pop(imitator):
    # end to end: probe the imitator's state at the product steps, then
    # push it towards the other sign before each first POP
    data = probes.sign_probe_data({"imitator": imitator}, FOUR_OPERANDS)
    # 14 situations by hand: a+-b*c then +, -, * or the end, a+-b*c*d,
    # and x?c+-d*e with x?c any of 3 first operators, each of 2 signs
    assert len(data["sign"]) == 14 and data["sign"].sum() == 7
    assert probes.probe_accuracy(data["imitator"], data["sign"]) == 1.0
    direction = probe_controls.probe_direction(data["imitator"],
                                               data["sign"])
    gap, _ = probe_controls.class_gap(data["imitator"], data["sign"],
                                      direction)
    flips = probe_controls.flip_rates(imitator, FOUR_OPERANDS, direction,
                                      1.5 * gap)
    # 12 patterns push a product: 6 after each sign; two digit tuples
    for row in flips.values():
        assert row == {"pop": 1.0, "answer": 1.0, "episodes": 12}
    for scale in (0.0, -1.5):  # none, or a push towards the same sign
        still = probe_controls.flip_rates(imitator, FOUR_OPERANDS,
                                          direction, scale * gap)
        assert probe_controls.flip_share(still) == 0.0
    controls = [probe_controls.flip_share(probe_controls.flip_rates(
        imitator, FOUR_OPERANDS, probe_controls.random_direction(32, seed),
        1.5 * gap)) for seed in range(5)]
    assert sum(controls) / len(controls) < 0.1
