"""Tests for agentlib.inspection: traces by hand, the agent's decisions."""

import pytest
import torch

from agentlib import env, inspection
from agentlib.errors import AgentlibError
from agentlib.model import ActorCritic, ActorCriticConfig

STAGE_2 = ["MUL", "ADD", "STO", "MUL", "RCL", "ANS"]


def test_stage_2_trace_by_hand():
    rows = inspection.trace_program([3, 4, 5, 2, 6], STAGE_2)
    assert [(r["acc"], r["mem"], r["cursor"]) for r in rows] == [
        (None, None, 0), (12, None, 2), (17, None, 3), (None, 17, 3),
        (12, 17, 5), (5, 17, 5), (5, 17, 5),
    ]
    assert inspection.answer_of(rows) == env.stated_target([3, 4, 5, 2, 6])


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
    from agentlib.evaluate import greedy_programs
    assert [r["tool"] for r in rows] == greedy_programs(
        model, [[3, 4, 5, 2, 6]]
    )[0]
