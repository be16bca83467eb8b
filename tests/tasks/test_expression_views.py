"""Tests for tasks.expression_views: what Part IV's agent reads."""

import torch

from agentlib.tasks import expression_views as views
from agentlib.tasks import expressions as ex


def test_observation_reads_the_operators_around_the_cursor():
    problems = ex.problems_from_expressions(["3+4*5"])
    state = ex.reset(problems)
    assert views.observe(state, problems).tolist() == [
        [views.LEFT_START, views.NUM_LEFT + ex.PLUS, 10, 12]]
    for tool in ("LOAD", "PUSH", "LOAD", "MUL"):
        state = ex.step(state, problems,
                        torch.tensor([ex.TOOLS.index(tool)]))
    assert views.observe(state, problems).tolist() == [
        [views.LEFT_END, views.NUM_LEFT + ex.NO_OP, 9, 11]]


def test_tokens_alternate_digits_and_operators():
    problems = ex.problems_from_expressions(["3-4"])
    tokens, real = views.token_ids(problems)
    assert tokens[0, :3].tolist() == [3, 10 + ex.MINUS, 4]
    assert real[0].tolist() == [True] * 3  # as wide as the batch
    wide = ex.problems_from_expressions(["3-4", "1+2*3"])
    assert views.token_ids(wide)[1].tolist() == [
        [True] * 3 + [False] * 2, [True] * 5]
