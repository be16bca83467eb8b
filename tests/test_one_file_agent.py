"""Tests for one_file_agent: its rules by hand and against agentlib's,
and one seeded run that reaches the book's result."""

import ast
import functools
import inspect
import random

import pytest
import torch
import torch.nn as nn

from agentlib import one_file_agent as one
from agentlib.agent import a2c
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.tasks import arithmetic

MAX_LINES = 150
"""The book's issue asks for a single file of at most about 150 lines."""
SOLUTION = ("MUL", "ADD", "STO", "MUL", "RCL", "ANS")
"""The shortest program of stage 2, as tool names."""


def ids(program: tuple[str, ...] | list[str]) -> list[int]:
    """Tool names as the file's action ids."""
    return [arithmetic.TOOLS.index(name) for name in program]


def problems(contexts: list[list[int]]) -> tuple[torch.Tensor, ...]:
    """Hand-written contexts as the file's (context, stage) pair."""
    rows = [row + [0] * (5 - len(row)) for row in contexts]
    return torch.tensor(rows), torch.tensor([len(r) - 3 for r in contexts])


class Scripted(nn.Module):
    """Plays one fixed program of six ids, whatever it reads."""

    def __init__(self, program: list[int]):
        super().__init__()
        self.program, self.played = program, 0

    def initial_state(self, context: torch.Tensor,
                      stage: torch.Tensor) -> torch.Tensor:
        """No state: the program is fixed."""
        return torch.zeros(len(stage), 1)

    def forward(self, h, action):
        """Logits that pick the program's next tool; value 0."""
        tool = self.program[self.played]
        self.played += 1
        logits = nn.functional.one_hot(torch.tensor(tool), 6) * 50.0
        return logits.expand(len(h), 6), torch.zeros(len(h)), h


def test_the_file_is_short_and_imports_nothing_from_agentlib():
    source = inspect.getsource(one)
    assert len(source.splitlines()) <= MAX_LINES
    names = [alias.name for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module for node in ast.walk(ast.parse(source))
              if isinstance(node, ast.ImportFrom)]
    assert sorted(names) == ["torch", "torch", "torch.distributions",
                             "torch.nn"]


def test_solving_program_scores_by_hand():
    # 3*4+5-2*1 = 15. Progress shares of the 5 digits: a*b holds 2,
    # a*b+c 3, then STO keeps those 3 and MUL adds d*e's 2: all 5.
    machine = one.Machine(*problems([[3, 4, 5, 2, 1]]))
    scores = [machine.score().item()]
    for action in ids(SOLUTION):
        machine.step(torch.tensor([action]))
        scores.append(machine.score().item())
    progress = [0, 2 / 5, 3 / 5, 3 / 5, 1, 1, 1]
    expected = [1.5 * share for share in progress[:-1]] + [1 + 1.5]
    assert scores == pytest.approx(expected)  # the last: exact match
    assert machine.correct().tolist() == [True]


def test_steps_after_ans_are_masked_and_earn_nothing():
    # stage 0: 3*4+5 = 17 in three steps, then three steps that the
    # finished episode ignores; they must not enter the loss either
    program = ids(("MUL", "ADD", "ANS", "MUL", "MUL", "MUL"))
    batch, correct = one.rollout(Scripted(program), *problems([[3, 4, 5]]),
                                 greedy=True)
    log_prob, entropy, value, reward, mask = batch
    # progress 2/3 then 3/3 of the digits, then 1 for the exact answer
    assert mask.tolist() == [[1, 1, 1, 0, 0, 0]]
    assert reward[0].tolist() == pytest.approx([1.0, 0.5, 1.0, 0, 0, 0])
    advantage, returns = one.gae(reward, value, mask)
    assert returns[0].tolist() == pytest.approx([2.5, 1.5, 1.0, 0, 0, 0])
    loss = one.a2c_loss(log_prob, entropy, value, reward, mask)
    # log_prob, entropy and value are ~0: the critic's half squared
    # error, weighted 0.5, averaged over the three steps taken
    assert loss.item() == pytest.approx(0.5 * 0.5 * 9.5 / 3, abs=1e-6)
    noise = torch.tensor([[0, 0, 0, 5.0, -3.0, 7.0]])
    assert one.a2c_loss(log_prob + noise, entropy + noise, value + noise,
                        reward, mask) == loss
    assert correct.tolist() == [True]


def test_gae_is_agentlibs_lambda_returns(monkeypatch):
    torch.manual_seed(0)
    reward, value = torch.randn(4, 6), torch.randn(4, 6)
    mask = torch.tensor([[1.0] * 6, [1, 1, 0, 0, 0, 0],
                         [1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]])
    for lam in (1.0, 0.9, 0.0):
        monkeypatch.setattr(one, "LAMBDA", lam)
        advantage, returns = one.gae(reward, value, mask)
        expected = a2c.lambda_returns(reward, value, mask, lam=lam)
        torch.testing.assert_close(returns, expected)
        torch.testing.assert_close(advantage, (expected - value) * mask)


def test_the_machine_and_score_are_agentlibs_on_random_programs():
    rng, contexts, programs = random.Random(0), [], []
    for _ in range(2_000):
        contexts.append([rng.randrange(10) for _ in range(rng.choice(
            (3, 4, 5)))])
        programs.append([rng.randrange(6) for _ in range(6)])
    actions = torch.tensor(programs)  # (B, 6)
    machine = one.Machine(*problems(contexts))
    theirs = arithmetic.problems_from_contexts(contexts)
    state = arithmetic.reset(theirs)
    score = functools.partial(arithmetic.score, shaping="progress")
    for step, action in enumerate(actions.unbind(1)):
        machine.step(action)
        state = arithmetic.step(state, theirs, action)
        torch.testing.assert_close(machine.score(),
                                   score(state, theirs).float())
        if step < 5:  # the budget ends every episode after the last
            assert torch.equal(machine.done, state.done)
    assert torch.equal(machine.correct(), arithmetic.is_correct(state,
                                                                theirs))


def test_the_network_is_agentlibs_with_the_same_first_weights():
    torch.manual_seed(0)
    ours = one.ActorCritic().state_dict()
    torch.manual_seed(0)
    theirs = ActorCritic(ActorCriticConfig()).state_dict()
    assert list(ours) == list(theirs)
    for name, weight in ours.items():
        assert torch.equal(weight, theirs[name]), name


def test_seed_0_reaches_the_books_result_in_the_budget():
    # the book's result: greedy exact match 99.5% or more and one sampled
    # program right 95% of the time, on every stage; measured on a
    # shared 2-core CPU, one thread: about 34 s, greedy 100/100/100%,
    # sampled 97.2/97.0/97.9% (agentlib's run of seed 0, the whole
    # budget: 100/100/100%, sampled 96.2/95.6/97.7%)
    scores = one.evaluate(one.train(seed=0))
    assert min(scores["greedy"]) >= 0.995
    assert min(scores["sampled"]) >= 0.95
