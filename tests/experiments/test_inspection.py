"""Tests for experiments.inspection: traces by hand, the agent's decisions."""

import pytest
import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.errors import AgentlibError
from agentlib.experiments import inspection
from agentlib.tasks import arithmetic
from tests.agent.test_a2c import Oracle

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


def test_agent_trace_matches_a_greedy_rollout():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig())
    rows = inspection.agent_trace(model, [3, 4, 5, 2, 6])
    for row in rows:
        assert sum(row["probs"]) == pytest.approx(1.0, abs=1e-5)
        assert row["p"] == max(row["probs"])
    assert [r["tool"] for r in rows] == inspection.greedy_programs(
        model, [[3, 4, 5, 2, 6]]
    )[0]


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


def test_confidence_is_the_lowest_chosen_probability_of_the_trace():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig())
    contexts = [[3, 4, 5], [9, 0, 1, 2], [3, 4, 5, 2, 6]]
    problems = arithmetic.problems_from_contexts(contexts)
    lowest, step = inspection.greedy_confidence(model, problems)
    for context, p, at in zip(contexts, lowest, step, strict=True):
        rows = inspection.agent_trace(model, context)
        chosen = [row["p"] for row in rows]
        assert float(p) == pytest.approx(min(chosen), abs=1e-6)
        assert chosen[int(at) - 1] == pytest.approx(min(chosen), abs=1e-6)


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


class ScriptedAgent(ActorCritic):
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
        return SOLVERS[stage, step], zeros, zeros, zeros, h


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


def test_stage_swap_diagonal_is_the_accuracy_and_blind_rows_are_flat():
    from agentlib.agent.evaluate import greedy_accuracy

    problems = arithmetic.ArithmeticTask().evaluation_problems(50, seed=0)
    torch.manual_seed(1)
    model = ActorCritic(ActorCriticConfig())
    swap = inspection.stage_swap_accuracy(model, problems)
    diagonal = [swap[stage][stage] for stage in arithmetic.STAGES]
    assert diagonal == greedy_accuracy(model, problems)
    blind = ActorCritic(ActorCriticConfig(use_stage=False))
    for row in inspection.stage_swap_accuracy(blind, problems):
        assert row == [row[0]] * 3  # the label reaches no weight


def test_programs_told_follow_the_label_not_the_digits():
    contexts = [[3, 4, 5], [3, 4, 5, 2, 6]]
    scripted = inspection.programs_told(ScriptedAgent(), contexts, 1)
    assert scripted == [["MUL", "ADD", "SUB", "ANS"]] * 2
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig())
    contexts = [[3, 4, 5], [3, 4, 5, 2], [3, 4, 5, 2, 6]]
    for context, program in zip(
        contexts, inspection.greedy_programs(model, contexts), strict=True
    ):
        told = inspection.programs_told(model, [context], len(context) - 3)
        assert told == [program]


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
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=16))
    programs = inspection.greedy_programs(model, [[3, 4, 5], [1, 2, 3, 4, 5]])
    assert len(programs) == 2
    for program in programs:
        assert set(program) <= set(arithmetic.TOOLS)
        assert "ANS" not in program[:-1]
        assert len(program) <= arithmetic.MAX_STEPS
    assert inspection.greedy_programs(Oracle(), [[3, 4, 5]]) == [
        ["MUL", "ADD", "ANS"]
    ]
