"""Tests for tasks.expressions: the expression task."""

import itertools
import random

import pytest
import torch

from agentlib.errors import AgentlibError
from agentlib.tasks import expressions as ex


@pytest.mark.parametrize("text, digits, operators", [
    ("3*4+5", [3, 4, 5], "*+"), (" 1 - 2 ", [1, 2], "-"),
    ("1+2+3+4+5+6+7+8", list(range(1, 9)), "+" * 7)])
def test_parse_reads_digits_and_operators(text, digits, operators):
    assert ex.parse(text) == (digits, operators)


@pytest.mark.parametrize("text, message", [
    ("3", "needs at least 2 operands, got 1"), ("12+3", "single digits"),
    ("3++4", "single digits"), ("3/4", "single digits"), ("", "single"),
    (7, "is a string")])
def test_parse_refuses_what_is_not_an_expression(text, message):
    with pytest.raises(AgentlibError, match=message):
        ex.parse(text)


@pytest.mark.parametrize("text, expected", [
    ("3*4+5-2*6", 5), ("3+4*5", 23), ("2-3*4*1+9", -1), ("9*9*9", 729),
    ("1-2-3", -4), ("0*5+7", 7)])
def test_value_follows_precedence(text, expected):
    assert ex.value(*ex.parse(text)) == expected


def test_the_first_tasks_stages_are_three_patterns():
    for operators, program in (
        ("*+", "LOAD MUL ADD ANS"), ("*+-", "LOAD MUL ADD SUB ANS"),
        ("*+-*", "LOAD MUL ADD PUSH LOAD MUL POP- ANS"),
    ):
        assert " ".join(ex.solution(operators)) == program


def test_the_program_depends_on_the_operators():
    assert ex.run_program("3*4+5", ex.solution("*+")) == 17
    assert ex.run_program("3+4*5", ex.solution("*+")) != 23
    assert ex.run_program("3+4*5", ex.solution("+*")) == 23


def test_run_program_skips_tools_that_cannot_act_and_stops_at_budget():
    assert ex.run_program("3+4", ["ADD", "PUSH", "ANS"]) is None
    assert ex.run_program("3+4", ["LOAD", "LOAD", "ADD", "ANS"]) == 7
    assert ex.run_program("3+4", ["LOAD"] + ["PUSH"] * 4 + ["ANS"]) is None


def random_expression(rng: random.Random, n: int) -> str:
    """A random expression of ``n`` operands."""
    parts = [str(rng.randrange(10))]
    for _ in range(n - 1):
        parts += [rng.choice("+-*"), str(rng.randrange(10))]
    return "".join(parts)


def test_the_torch_machine_equals_the_interpreter():
    rng = random.Random(0)
    texts = [random_expression(rng, rng.randint(2, 8)) for _ in range(300)]
    programs = [[rng.choice(ex.TOOLS) for _ in range(17)] for _ in texts]
    problems = ex.problems_from_expressions(texts)
    ids = torch.tensor([[ex.TOOLS.index(t) for t in p] for p in programs])
    state = ex.run_programs(problems, ids)
    for row, (text, program) in enumerate(zip(texts, programs, strict=True)):
        answer = ex.run_program(text, program)
        got = state.acc[row].item() if state.answered[row] else None
        assert got == answer, (text, program)


def test_targets_are_the_values_under_precedence():
    rng = random.Random(1)
    texts = [random_expression(rng, rng.randint(2, 8)) for _ in range(200)]
    problems = ex.problems_from_expressions(texts)
    expected = [ex.value(*ex.parse(text)) for text in texts]
    assert problems.target.tolist() == expected


def test_pattern_problems_cross_every_pattern_with_every_digit_row():
    digits = torch.tensor(list(itertools.product(range(10), repeat=2)))
    problems = ex.pattern_problems(3, torch.cat([digits[:, :1], digits], 1))
    assert len(problems) == 9 * 100 and problems.horizon == 7
    assert ex.pattern_names(3)[:4] == ["a+b+c", "a+b-c", "a+b*c", "a-b+c"]
    row = 2 * 100 + 34  # a+b*c on digits 3, 3, 4
    assert problems.target[row].item() == 3 + 3 * 4


def test_progress_counts_operands_while_registers_mean_something():
    problems = ex.problems_from_expressions(["3+4*5"] * 2)
    state = ex.reset(problems)
    seen = []
    for first, second in (("LOAD", "LOAD"), ("PUSH", "ADD"),
                          ("LOAD", "MUL"), ("MUL", "ANS")):
        action = torch.tensor([ex.TOOLS.index(first),
                               ex.TOOLS.index(second)])
        state = ex.step(state, problems, action)
        seen.append([round(p, 3) for p in ex.progress(state, problems)
                     .tolist()])
    assert seen == [[0.333, 0.333], [0.333, 0.667], [0.667, 0.0],
                    [1.0, 0.0]]


def test_the_right_answer_scores_most():
    problems = ex.problems_from_expressions(["3+4*5"])
    good = ex.run_programs(problems, torch.tensor(
        [[ex.TOOLS.index(t) for t in ex.solution("+*")]]))
    greedy = ex.run_programs(problems, torch.tensor(
        [[ex.TOOLS.index(t) for t in "LOAD ADD MUL ANS".split()]]))
    assert ex.score(good, problems, "progress").item() == 2.0
    assert ex.score(greedy, problems, "progress").item() == 0.0
    with pytest.raises(AgentlibError, match="unknown shaping"):
        ex.score(good, problems, "answer")


def test_test_batches_are_exhaustive_up_to_three_operands():
    task = ex.ExpressionTask()
    sizes = [len(p) for p in task.test_batches(1_000, seed=0)]
    # every digit tuple at 2 and 3 operands, then every pattern on fresh
    # digit tuples: 27 patterns x 38 and 81 x 13
    assert sizes == [300, 9_000, 27 * 38, 81 * 13]
    held_out = task.test_batches(1_000, seed=0, held_out=True)
    # every pattern where they are at most 1,000 (243 at 6), then random
    assert [len(p) for p in held_out] == [243 * 5, 1_000, 1_000, 1_000,
                                          1_000]
    assert [p.horizon for p in held_out] == [13, 17, 33, 65, 129]
    assert [p.digits.shape[1] for p in held_out] == [6, 8, 16, 32, 64]
    assert all((p.length == p.digits.shape[1]).all() for p in held_out)
    start = ex.ExpressionTask("start").test_batches(1_000, 0, held_out=True)
    assert [p.horizon for p in start] == [13, 15, 17]


def test_sampled_training_problems_stay_within_trained_lengths():
    task = ex.ExpressionTask()
    stages = torch.tensor([0, 1, 2, 3] * 8)
    problems = task.sample_problems(stages, 32, torch.Generator(),
                                     torch.device("cpu"))
    assert problems.length.tolist() == [2, 3, 4, 5] * 8
    assert problems.horizon == ex.budget(5)


def test_the_start_view_reads_the_whole_expression_once():
    start, step = ex.ExpressionTask("start"), ex.ExpressionTask("step")
    problems = ex.problems_from_expressions(["3+4*5"])
    tokens, real = start.context_tokens(problems)
    assert tokens[0, :5].tolist() == [ex.NUM_TOOLS + t
                                      for t in (3, 10, 4, 12, 5)]
    assert real[0].tolist() == [True] * 5  # as wide as the expression
    assert step.context_tokens(problems)[0].shape == (1, 0)
    assert start.observe(ex.reset(problems), problems) is None
    assert step.observe(ex.reset(problems), problems).shape == (1, 4)
    with pytest.raises(AgentlibError, match="unknown view .peek.; use one"):
        ex.ExpressionTask("peek")


def test_the_task_parses_a_line_into_a_problem():
    task = ex.ExpressionTask()
    assert task.parse_line("3 * 4 + 5") == "3*4+5"
    problems = task.problems_from_text(["3 * 4 + 5", "1-2*3"])
    assert problems.target.tolist() == [17, -5]
    with pytest.raises(AgentlibError, match="not an expression"):
        task.parse_line("3 4 5")


def test_a_long_expression_is_exact_in_int64():
    nines = "*".join(["9"] * 19)  # 9**19 < 2**62: exact
    problems = ex.problems_from_expressions([nines + "+1", "1-2"])
    assert problems.target.tolist() == [9 ** 19 + 1, -1]
    assert problems.digits.shape == (2, 20)


def test_an_expression_whose_values_leave_int64_is_refused():
    with pytest.raises(AgentlibError, match="beyond what int64 holds"):
        ex.problems_from_expressions(["*".join(["9"] * 20)])
    with pytest.raises(AgentlibError, match="beyond what int64 holds"):
        # the product on the way overflows, though the value is 0
        ex.problems_from_expressions(["*".join(["9"] * 20) + "*0"])


def test_expressions_of_64_operands_keep_their_value_and_solution():
    rng = random.Random(7)
    texts = []
    for _ in range(50):
        parts = [str(rng.randrange(10))]
        for _ in range(63):
            parts += [rng.choice("+-*"), str(rng.randrange(10))]
        texts.append("".join(parts))
    problems = ex.problems_from_expressions(texts)
    expected = [eval(text) for text in texts]  # a reference Python owns
    assert problems.target.tolist() == expected
    for text, target in zip(texts, expected, strict=True):
        program = ex.solution(text[1::2])
        assert len(program) <= ex.budget(64)
        assert ex.run_program(text, program) == target


def test_the_start_view_refuses_what_it_cannot_read():
    start = ex.ExpressionTask("start")
    long = ex.problems_from_expressions(["+".join("123456789")])
    with pytest.raises(AgentlibError, match="at most 15 tokens"):
        start.context_tokens(long)


def test_the_invariant_potential_is_zero_once_the_episode_ends():
    problems = ex.problems_from_expressions(["3+4*5"])
    state, worth = ex.reset(problems), {"terms": [], "terms-invariant": []}
    for tool in "LOAD PUSH LOAD MUL POP+ ANS".split():
        state = ex.step(state, problems, torch.tensor([ex.TOOLS.index(tool)]))
        for shaping, scores in worth.items():
            scores.append(round(ex.score(state, problems, shaping).item(), 4))
    # operands read / 3 while the registers hold the prefix's value
    steps = [0.3333, 0.3333, 0.6667, 1.0, 1.0]
    assert worth["terms"] == [*steps, 2.0]  # exact 1 + final potential 1
    assert worth["terms-invariant"] == [*steps, 1.0]  # exact 1 alone
