"""Tests for agent.solve: a trained agent of either task as a command."""

import io
import json

import pytest
import torch

from agentlib import cli
from agentlib.agent import checkpoint, solve
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.tasks import expressions


@pytest.fixture
def agent_path(tmp_path):
    """An (untrained) expression agent saved as a checkpoint."""
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=8, use_stage=False,
                                          task="expressions"))
    return checkpoint.save(model, tmp_path / "agent.pt")


def test_each_expression_gets_one_json_line(agent_path, capsys):
    status = cli.main(["solve", "--checkpoint", str(agent_path),
                       "3*4+5-2*6", "1 + 2"])
    lines = [json.loads(line) for line in
             capsys.readouterr().out.splitlines()]
    assert status == 0
    assert [line["expression"] for line in lines] == ["3*4+5-2*6", "1+2"]
    assert [line["target"] for line in lines] == [5, 3]
    for line in lines:
        assert set(line) == {"expression", "program", "answer", "target"}
        # the answer is what the program computes on the expression
        assert line["answer"] == expressions.run_program(
            line["expression"], line["program"])


def test_a_bad_line_is_named_and_the_others_still_solved(
        agent_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("1+2\n3++4\n\n12*3\n5-6\n"))
    status = cli.main(["solve", "--checkpoint", str(agent_path)])
    captured = capsys.readouterr()
    assert status == 1
    assert len(captured.out.splitlines()) == 2
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("python -m agentlib solve: line 2: ")
    assert "line 4" in errors[1]


def test_the_answer_is_the_machine_s(agent_path):
    model = checkpoint.load(agent_path, "cpu")
    for record in solve.solve(model, ["3*4+5", "9-8*7"]):
        from agentlib.tasks import expressions as ex
        assert record["answer"] == ex.run_program(record["expression"],
                                                  record["program"])


def test_a_first_task_agent_reads_contexts(tmp_path, capsys):
    torch.manual_seed(0)
    path = checkpoint.save(ActorCritic(ActorCriticConfig(d_model=8)),
                           tmp_path / "first.pt")
    status = cli.main(["solve", "--checkpoint", str(path), "3 4 5 2 6",
                       "[1, 2, 3]", "1+2"])
    captured = capsys.readouterr()
    assert status == 1
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [(line["expression"], line["target"]) for line in lines] == [
        ("3*4+5-2*6", 5), ("1*2+3", 5)]
    assert captured.err.strip() == (
        "python -m agentlib solve: argument 3: not a context of digits "
        "such as 3 4 5 2 6: '1+2'")


def test_the_first_task_s_answer_is_the_machine_s(tmp_path):
    from agentlib.tasks import arithmetic

    torch.manual_seed(1)
    model = ActorCritic(ActorCriticConfig(d_model=8))
    records = solve.solve(model, ["3 4 5", "9 8 7 6", "1 2 3 4 5"])
    for record, context in zip(records, ([3, 4, 5], [9, 8, 7, 6],
                                         [1, 2, 3, 4, 5]), strict=True):
        assert record["answer"] == arithmetic.run_program(
            context, record["program"])


def test_a_file_not_ours_is_refused(tmp_path, capsys):
    path = tmp_path / "x.pt"
    path.write_text("not a checkpoint")
    assert cli.main(["solve", "--checkpoint", str(path), "1+2"]) == 2
    assert "not a torch checkpoint" in capsys.readouterr().err
