"""Tests for experiments.inspection: traces by hand, the agent's decisions."""

import math

import pytest
import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.errors import AgentlibError
from agentlib.experiments import inspection
from agentlib.tasks import arithmetic
from tests.agent.test_a2c import ActsAsScored, Oracle

STAGE_2 = ["MUL", "ADD", "STO", "MUL", "RCL", "ANS"]


def test_stage_2_trace_by_hand():
    rows = inspection.trace_program([3, 4, 5, 2, 6], STAGE_2)
    assert [(r["acc"], r["mem"], r["cursor"]) for r in rows] == [
        (None, None, 0), (12, None, 2), (17, None, 3), (None, 17, 3),
        (12, 17, 5), (5, 17, 5), (5, 17, 5),
    ]
    target = arithmetic.stated_target([3, 4, 5, 2, 6])
    assert inspection.answer_of(rows) == target


def test_trace_stops_at_the_answer_and_keeps_no_ops():
    rows = inspection.trace_program([3, 4, 5], ["RCL", "ANS", "MUL"])
    assert [r["tool"] for r in rows] == ["", "RCL", "ANS"]
    assert inspection.answer_of(rows) is None


def test_trace_rejects_unknown_tools():
    with pytest.raises(AgentlibError, match="unknown tool"):
        inspection.trace_program([3, 4, 5], ["MUL", "DIV"])


def biased_agent(tool: str) -> ActorCritic:
    """An agent that prefers ``tool`` three to one over each other tool,
    whatever it reads: a zero policy head with a bias of log 3 there."""
    model = uniform_agent()
    with torch.no_grad():
        model.policy_head.bias[arithmetic.TOOLS.index(tool)] = math.log(3)
    return model


def test_agent_trace_by_hand():
    # p(preferred) = 3 / (3 + 5) and 1/8 for each other tool
    others = [1 / 8] * 6
    rows = inspection.agent_trace(biased_agent("MUL"), [3, 4, 5, 2, 6])
    assert [r["tool"] for r in rows] == ["MUL"] * 6  # the budget
    assert [(r["acc"], r["cursor"]) for r in rows] == [
        (12, 2), (60, 3), (120, 4), (720, 5), (720, 5), (720, 5)]
    for row in rows:
        assert row["p"] == pytest.approx(3 / 8)
        assert row["probs"] == pytest.approx([3 / 8, *others[1:]])
    rows = inspection.agent_trace(biased_agent("ANS"), [3, 4, 5])
    assert [(r["tool"], r["acc"]) for r in rows] == [("ANS", None)]
    assert rows[0]["probs"] == pytest.approx([*others[:5], 3 / 8])


def uniform_agent(use_stage: bool = True) -> ActorCritic:
    """An agent whose policy is uniform: a zero policy head."""
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(use_stage=use_stage))
    with torch.no_grad():
        model.policy_head.weight.zero_()
        model.policy_head.bias.zero_()
    return model


def test_confidence_of_a_uniform_policy_is_one_sixth():
    problems = arithmetic.problems_from_contexts([[3, 4, 5], [1, 2, 3, 4, 5]])
    lowest, step = inspection.greedy_confidence(uniform_agent(), problems)
    assert lowest.tolist() == pytest.approx([1 / 6, 1 / 6])
    assert ((step >= 1) & (step <= arithmetic.MAX_STEPS)).all()


def test_confidence_is_the_lowest_chosen_probability_by_hand():
    contexts = [[3, 4, 5], [9, 0, 1, 2], [3, 4, 5, 2, 6]]
    problems = arithmetic.problems_from_contexts(contexts)
    lowest, step = inspection.greedy_confidence(ScriptedAgent(), problems)
    # CHOSEN's low values after each program's ANS are not decisions
    assert lowest.tolist() == pytest.approx([0.7, 0.6, 0.4])
    assert step.tolist() == [3, 2, 5]


def test_with_stage_changes_only_the_label():
    problems = arithmetic.problems_from_contexts([[3, 4, 5], [3, 4, 5, 2]])
    told = inspection.with_stage(problems, 2)
    assert told.stage.tolist() == [2, 2]
    assert told.context is problems.context
    assert told.target.tolist() == [17, 15]
    with pytest.raises(AgentlibError, match="stage must be"):
        inspection.with_stage(problems, 3)


SOLVERS = torch.tensor([  # each stage's program, as action ids
    [0, 1, 5, 5, 5, 5],  # MUL ADD ANS
    [0, 1, 2, 5, 5, 5],  # MUL ADD SUB ANS
    [0, 1, 3, 0, 4, 5],  # MUL ADD STO MUL RCL ANS
])
CHOSEN = torch.tensor([  # the probability it gives each chosen tool
    [0.9, 0.8, 0.7, 0.1, 0.1, 0.1],
    [0.9, 0.6, 0.95, 0.99, 0.1, 0.1],
    [0.5, 0.9, 0.9, 0.9, 0.4, 0.9],
])


class ScriptedAgent(ActsAsScored, ActorCritic):
    """Writes the solver of the stage it is told, whatever the digits;
    its state is (told stage, step)."""

    def __init__(self):
        super().__init__(ActorCriticConfig(d_model=2))

    def initial_state(self, problems: arithmetic.Problems) -> torch.Tensor:
        step = torch.zeros_like(problems.stage)
        return torch.stack([problems.stage, step], 1).float()  # (B, 2)

    def get_action_and_value(self, h, prev_action, action=None,
                             greedy=False, generator=None, obs=None):
        stage, step = h.long().unbind(1)
        zeros = torch.zeros(len(h))
        h = torch.stack([stage, step + 1], 1).float()
        log_prob = CHOSEN[stage, step].log()
        return SOLVERS[stage, step], log_prob, zeros, zeros, h


def test_stage_swap_by_hand_on_every_d_and_e():
    pairs = torch.cartesian_prod(torch.arange(10), torch.arange(10))
    digits = torch.cat([torch.tensor([[3, 4, 5]]).expand(100, 3), pairs], 1)
    stage = torch.arange(3).repeat_interleave(len(digits))
    problems = arithmetic.make_problems(digits.repeat(3, 1), stage)
    swap = inspection.stage_swap_accuracy(ScriptedAgent(), problems)
    # told 0 answers a*b+c: right at stage 1 iff d = 0, at stage 2 iff
    # d*e = 0; told 1's SUB is a no-op on three digits, and at stage 2
    # right iff d*e = d; told 2 needs five digits.
    expected = [[1.0, 1.0, 0.0], [0.1, 1.0, 0.0], [0.19, 0.19, 1.0]]
    for row, hand in zip(swap, expected, strict=True):
        assert row == pytest.approx(hand)


def test_without_a_stage_embedding_the_label_changes_nothing():
    problems = arithmetic.ArithmeticTask().evaluation_problems(50, seed=0)
    torch.manual_seed(1)
    blind = ActorCritic(ActorCriticConfig(use_stage=False))
    for row in inspection.stage_swap_accuracy(blind, problems):
        assert row == [row[0]] * 3  # the label reaches no weight


def test_programs_told_follow_the_label_not_the_digits():
    contexts = [[3, 4, 5], [3, 4, 5, 2, 6]]
    for told, program in enumerate(("MUL ADD ANS", "MUL ADD SUB ANS",
                                    "MUL ADD STO MUL RCL ANS")):
        scripted = inspection.programs_told(ScriptedAgent(), contexts, told)
        assert scripted == [program.split()] * 2


def test_trace_checks_the_whole_program_first():
    with pytest.raises(AgentlibError, match="list of tool names"):
        inspection.trace_program([3, 4, 5], "MUL ADD ANS")
    with pytest.raises(AgentlibError, match="unknown tool 'DIV'"):
        inspection.trace_program([3, 4, 5], ["MUL", "ANS", "DIV"])


def test_greedy_failures_list_each_missed_context():

    oracle = Oracle(("MUL ADD SUB ANS",) * 3)
    assert inspection.greedy_failures(oracle, 1) == []
    missed = inspection.greedy_failures(oracle, 2)
    assert len(missed) == 81_000  # all but the 19% where d*e == d
    first = missed[0]
    assert first["context"] == [0, 0, 0, 1, 0]
    assert first["target"] == 0 - 1 * 0
    assert first["answer"] == 0 - 1
    assert first["program"] == ["MUL", "ADD", "SUB", "ANS"]


def test_greedy_programs_stop_at_ans():
    contexts = [[3, 4, 5], [1, 2, 3, 4, 5]]
    assert inspection.greedy_programs(biased_agent("ANS"), contexts) == [
        ["ANS"], ["ANS"]]
    # a program that never answers runs the whole budget
    assert inspection.greedy_programs(biased_agent("SUB"), contexts) == [
        ["SUB"] * arithmetic.MAX_STEPS] * 2
    assert inspection.greedy_programs(Oracle(), [[3, 4, 5]]) == [
        ["MUL", "ADD", "ANS"]
    ]
