"""Tests for tasks.expressions: the expression task."""

import itertools
import random
import re
from collections import Counter

import pytest
import torch

from agentlib.errors import AgentlibError
from agentlib.tasks import expressions as ex
from tests.tasks import states


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


def state_of(problems, actions: list[list[int]]) -> list[dict]:
    """The whole state after each row of action ids (see ``states``)."""
    return states.state_of(ex.run_programs, problems, actions)


def after(expression: str, program: str) -> dict:
    """The batched machine's state after ``program`` on ``expression``."""
    problems = ex.problems_from_expressions([expression])
    return state_of(problems, [ids_of(program.split())])[0]


def ids_of(program: list[str]) -> list[int]:
    """Action ids of tool names."""
    return [ex.TOOLS.index(name) for name in program]


def machine(acc=None, mem=None, cursor=0, steps=0, done=False,
            answered=False) -> dict:
    """A state written by hand, in the form of :func:`state_of`."""
    return {"acc": acc, "mem": mem, "cursor": cursor, "steps": steps,
            "done": done, "answered": answered}


@pytest.mark.parametrize("expression, program, expected", [
    ("3+4*5", "LOAD", machine(acc=3, cursor=1, steps=1)),
    ("3*4+5", "LOAD MUL", machine(acc=12, cursor=2, steps=2)),
    ("3*4+5", "LOAD MUL ADD", machine(acc=17, cursor=3, steps=3)),
    ("3-4", "LOAD SUB", machine(acc=-1, cursor=2, steps=2)),
    # PUSH moves acc to mem and empties acc
    ("3+4*5", "LOAD PUSH", machine(mem=3, cursor=1, steps=2)),
    ("3+4*5", "LOAD PUSH LOAD MUL",
     machine(acc=20, mem=3, cursor=3, steps=4)),
    # POP+ and POP-: acc = mem +/- acc, and mem is emptied
    ("3+4*5", "LOAD PUSH LOAD MUL POP+",
     machine(acc=23, cursor=3, steps=5)),
    ("3-4*5", "LOAD PUSH LOAD MUL POP-",
     machine(acc=-17, cursor=3, steps=5)),
    ("3-4*5", "LOAD PUSH LOAD MUL POP- ANS",
     machine(acc=-17, cursor=3, steps=6, done=True, answered=True)),
    ("3+4", "ANS", machine(steps=1, done=True)),
])
def test_each_tool_by_hand(expression, program, expected):
    assert after(expression, program) == expected


@pytest.mark.parametrize("expression, program, expected", [
    # past the last operand, LOAD, MUL, ADD and SUB do nothing
    ("3+4", "LOAD ADD ADD", machine(acc=7, cursor=2, steps=3)),
    ("3+4", "LOAD ADD SUB MUL", machine(acc=7, cursor=2, steps=4)),
    ("3+4", "LOAD ADD PUSH LOAD", machine(mem=7, cursor=2, steps=4)),
    # LOAD needs an empty acc
    ("3+4", "LOAD LOAD", machine(acc=3, cursor=1, steps=2)),
    # PUSH on a full memory, or an empty acc, does nothing
    ("1+2+3", "LOAD PUSH LOAD PUSH",
     machine(acc=2, mem=1, cursor=2, steps=4)),
    ("1+2", "PUSH", machine(steps=1)),
    # POP needs both registers
    ("3+4", "LOAD POP+", machine(acc=3, cursor=1, steps=2)),
    ("3+4", "LOAD POP-", machine(acc=3, cursor=1, steps=2)),
    ("3+4", "LOAD PUSH POP- POP+", machine(mem=3, cursor=1, steps=4)),
    ("3+4", "MUL ADD SUB", machine(steps=3)),
    # 2n + 1 steps: the fifth ends a two-operand episode
    ("3+4", "PUSH PUSH PUSH PUSH PUSH", machine(steps=5, done=True)),
    ("3+4", "PUSH PUSH PUSH PUSH PUSH LOAD",
     machine(steps=5, done=True)),
])
def test_tools_that_cannot_act_only_use_a_step(expression, program,
                                               expected):
    assert after(expression, program) == expected


def reference(digits: list[int], actions: list[int]
              ) -> tuple[dict, list[str]]:
    """The rules of the module docstring written out once more, apart
    from the code under test: the final state, in the form of
    :func:`state_of`, and which branch each step took."""
    state, branches = machine(), []
    for action in actions:
        if state["done"]:
            break
        tool = ex.TOOLS[action] if action < len(ex.TOOLS) else "none"
        acc, mem, i = state["acc"], state["mem"], state["cursor"]
        more, full = i < len(digits), None not in (acc, mem)
        branch = tool
        if tool == "LOAD" and acc is None and more:
            state.update(acc=digits[i], cursor=i + 1)
        elif tool in ("MUL", "ADD", "SUB") and acc is not None and more:
            state["acc"] = {"MUL": acc * digits[i], "ADD": acc + digits[i],
                            "SUB": acc - digits[i]}[tool]
            state["cursor"] = i + 1
        elif tool == "PUSH" and acc is not None and mem is None:
            state.update(mem=acc, acc=None)
        elif tool == "POP+" and full:
            state.update(acc=mem + acc, mem=None)
        elif tool == "POP-" and full:
            state.update(acc=mem - acc, mem=None)
        elif tool == "ANS":
            state.update(done=True, answered=acc is not None)
            branch = "ANS" if acc is not None else "ANS empty"
        else:
            branch = f"{tool} no-op"
        branches.append(branch)
        state["steps"] += 1
        state["done"] = state["done"] or state["steps"] >= ex.budget(
            len(digits))
    return state, branches


def random_program(rng: random.Random, operators: str) -> list[int]:
    """Action ids of up to 20 steps: tools drawn with weights, ids past
    the tools, and often the expression's solution spliced in (whole or
    cut), so that every tool acts, and is answered through, many times."""
    weights = [4, 2, 2, 2, 3, 2, 2, 1, 1]  # LOAD, ..., ANS, no tool
    ids = rng.choices(range(len(weights)), weights, k=rng.randrange(12))
    if rng.random() < 0.7:
        solution = ids_of(ex.solution(operators))
        cut = rng.randrange(len(solution) + 1)
        at = rng.randrange(len(ids) + 1)
        ids[at:at] = solution[:cut] if rng.random() < 0.3 else solution
    return ids


def test_the_batched_machine_follows_the_rules_on_random_programs():
    rng = random.Random(0)
    texts = [random_expression(rng, rng.randint(2, 8)) for _ in range(4000)]
    parsed = [ex.parse(text) for text in texts]
    programs = [random_program(rng, operators) for _, operators in parsed]
    width = max(map(len, programs))
    padded = [p + [ex.NUM_TOOLS] * (width - len(p)) for p in programs]
    got = state_of(ex.problems_from_expressions(texts), padded)
    seen, answered_after, interpreted = Counter(), Counter(), 0
    for (digits, _), text, program, row, state in zip(
            parsed, texts, programs, padded, got, strict=True):
        expected, branches = reference(digits, row)
        assert state == expected, (text, row)
        # where every id names a tool, the module's plain-Python
        # interpreter gives the same answer (the padding never answers)
        if all(a < ex.NUM_TOOLS for a in program):
            answer = state["acc"] if state["answered"] else None
            names = [ex.TOOLS[a] for a in program]
            assert ex.run_program(text, names) == answer, (text, names)
            interpreted += 1
        seen.update(branches)
        if expected["answered"]:
            answered_after.update(set(branches))
    for tool in ex.TOOLS:
        assert seen[tool] >= 100, (tool, seen)
        assert seen[f"{tool} no-op"] >= 100 or tool == "ANS", (tool, seen)
        if tool != "ANS":
            assert answered_after[tool] >= 100, (tool, answered_after)
    assert seen["ANS empty"] >= 100 and seen["none no-op"] >= 100
    assert interpreted >= 1000


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


def final(expression: str, program: str):
    """The batched machine's state after ``program``, and the problems."""
    problems = ex.problems_from_expressions([expression])
    ids = torch.tensor([ids_of(program.split())], dtype=torch.long)
    return ex.run_programs(problems, ids.view(1, -1)), problems


@pytest.mark.parametrize("expression, program, progress, terms", [
    ("3+4*5", "", 0.0, 0.0),
    ("3+4*5", "LOAD", 1 / 3, 1 / 3),
    # 7 is the value of 3+4, but a * follows: 7 is a dead end, which
    # terms sees one step before progress does
    ("3+4*5", "LOAD ADD", 2 / 3, 0.0),
    ("3+4*5", "LOAD ADD MUL", 0.0, 0.0),
    ("3+4*5", "LOAD PUSH", 1 / 3, 1 / 3),
    # mem + acc = 3 + 4 and acc holds the product being read, 4
    ("3+4*5", "LOAD PUSH LOAD", 2 / 3, 2 / 3),
    ("3+4*5", "LOAD PUSH LOAD MUL", 1.0, 1.0),
    ("3+4*5", "LOAD PUSH LOAD MUL POP+", 1.0, 1.0),
    # a pending minus: mem - acc = 3 - 4 is the prefix's value
    ("3-4*5", "LOAD PUSH LOAD", 2 / 3, 2 / 3),
    ("3*4+5", "LOAD", 1 / 3, 1 / 3),
    ("3*4+5", "LOAD MUL", 2 / 3, 2 / 3),
    # mem - acc counts only when both registers hold a value
    ("0-3", "LOAD ADD", 0.0, 0.0),
    # a product being read must wait in acc, not in mem
    ("0*4", "LOAD PUSH", 1 / 2, 0.0),
])
def test_potentials_by_hand(expression, program, progress, terms):
    state, problems = final(expression, program)
    assert ex.progress(state, problems).item() == pytest.approx(progress)
    assert ex.term_progress(state, problems).item() == pytest.approx(terms)


def test_empty_registers_hold_no_prefix_even_a_zero_one():
    problems = ex.problems_from_expressions(["0+5"])
    state = ex.reset(problems)
    state.cursor = torch.tensor([1])  # as if 0 had been read
    assert ex.progress(state, problems).item() == 0.0


@pytest.mark.parametrize("program, none, progress, terms, invariant", [
    # done: the invariant potential is 0 at the end, the others keep it
    ("LOAD PUSH LOAD MUL POP+ ANS", 1.0, 2.0, 2.0, 1.0),
    ("LOAD ADD", 0.0, 2 / 3, 0.0, 0.0),
    ("LOAD PUSH LOAD", 0.0, 2 / 3, 2 / 3, 2 / 3),
    ("LOAD ADD MUL ANS", 0.0, 0.0, 0.0, 0.0),  # answers 35, not 23
])
def test_each_shaping_scores_by_hand(program, none, progress, terms,
                                     invariant):
    state, problems = final("3+4*5", program)
    scores = {shaping: ex.score(state, problems, shaping).item()
              for shaping in ex.SHAPINGS}
    assert scores == pytest.approx(
        {"none": none, "progress": progress, "terms": terms,
         "terms-invariant": invariant})


def test_the_scale_weighs_the_potential_and_a_cost_the_wrong_answer():
    right, problems = final("3+4*5", "LOAD PUSH LOAD MUL POP+ ANS")
    wrong, _ = final("3+4*5", "LOAD ADD MUL ANS")
    halfway, _ = final("3+4*5", "LOAD PUSH LOAD")
    for shaping in ("progress", "terms"):
        scores = [ex.score(state, problems, shaping, progress_scale=1.5,
                           wrong_cost=0.5).item()
                  for state in (right, wrong, halfway)]
        assert scores == pytest.approx([1 + 1.5 * 1.0, -0.5, 1.5 * 2 / 3])
    # exact match alone knows neither
    assert ex.score(wrong, problems, "none", 1.5, 0.5).item() == 0.0
    assert ex.score(halfway, problems, "none", 1.5, 0.5).item() == 0.0


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


def test_the_int64_limit_is_refused_at_two_to_the_62nd():
    # 4**31 == 2**62 exactly: the first value the check refuses
    with pytest.raises(AgentlibError, match="reaches 4.61e"):
        ex.problems_from_expressions(["*".join(["4"] * 31)])
    below = ex.problems_from_expressions(["*".join(["4"] * 30)])
    assert below.target.item() == 4 ** 30


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
    eight = ex.problems_from_expressions(["+".join("12345678")])
    assert start.context_tokens(eight)[0].shape == (1, 15)  # just fits


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


@pytest.mark.parametrize("call, message", [
    (lambda: ex.check_length(1),
     "an expression needs at least 2 operands, got 1"),
    (lambda: ex.check_length(True),
     "an expression needs at least 2 operands, got True"),
    (lambda: ex.parse(7), "an expression is a string, got 7"),
    (lambda: ex.parse("3/4"),
     "not an expression of single digits and + - *: '3/4'"),
    (lambda: ex.problems_from_expressions([]),
     "give at least one expression"),
])
def test_each_refusal_says_exactly_what_is_wrong(call, message):
    with pytest.raises(AgentlibError, match=f"^{re.escape(message)}$"):
        call()


def test_short_and_long_lengths_are_allowed():
    assert ex.check_length(2) == 2 and ex.check_length(64) == 64
    assert ex.budget(2) == 5 and ex.budget(64) == 129


def test_term_progress_after_the_eighth_operand():
    # a bug fixed: the operator table had no column after operand 8, so
    # scoring an 8-operand expression read to its end raised IndexError
    text = "1+2+3+4+5+6+7*8"
    state, problems = final(text, " ".join(ex.solution("++++++*")))
    assert state.cursor.item() == 8 and state.answered.item()
    assert ex.term_progress(state, problems).item() == 1.0
    assert ex.score(state, problems, "terms").item() == 2.0


def check_problems(problems, lengths: list[int], horizon: int) -> None:
    """Every field of ``problems`` by the rules, row by row."""
    assert problems.length.tolist() == lengths
    assert problems.stage.tolist() == [n - 2 for n in lengths]
    assert problems.horizon == horizon
    for row, n in enumerate(lengths):
        digits = problems.digits[row].tolist()
        operators = problems.operators[row].tolist()
        width = problems.digits.shape[1]  # the longest expression's
        assert digits[n:] == [0] * (width - n)  # zero after the length
        assert operators[n - 1:] == [ex.NO_OP] * (width - n)
        text = "".join(str(d) + ex.OPERATORS[o] for d, o in zip(
            digits[:n - 1], operators, strict=False)) + str(digits[n - 1])
        assert problems.target[row].item() == ex.value(*ex.parse(text))


GLOBAL_SEEDS = itertools.count(100)
"""A new seed of torch's global generator for each draw."""


def draw(stage, seed: int, **options):
    """Sampled problems from a generator seeded with ``seed``, after
    reseeding torch's global generator anew, which they must not use."""
    torch.manual_seed(next(GLOBAL_SEEDS))
    generator = torch.Generator().manual_seed(seed)
    num = len(stage) if isinstance(stage, torch.Tensor) else 300
    return ex.sample_problems(stage, num, generator, **options)


def test_sampled_problems_of_one_stage():
    problems = draw(1, seed=0)
    check_problems(problems, [3] * 300, ex.budget(3))
    # every digit and operator is drawn, and nothing else
    assert set(problems.digits[:, :3].flatten().tolist()) == set(range(10))
    assert set(problems.operators[:, :2].flatten().tolist()) == {0, 1, 2}
    again = draw(1, seed=0)
    assert torch.equal(again.digits, problems.digits)
    assert torch.equal(again.operators, problems.operators)
    assert not torch.equal(draw(1, seed=1).digits, problems.digits)


def test_sampled_problems_of_a_stage_tensor():
    stages = torch.tensor([0, 6, 3, 1] * 50)
    lengths = [2, 8, 5, 3] * 50
    check_problems(draw(stages, seed=0), lengths, ex.budget(8))
    check_problems(draw(stages, seed=0, horizon=19), lengths, 19)
    check_problems(draw(stages, seed=0, horizon=17), lengths, 17)  # exact
    with pytest.raises(AgentlibError, match=re.escape(
            "horizon 9 is too short for 8 operands (their budget is 17)")):
        draw(stages, seed=0, horizon=9)
    assert torch.equal(draw(stages, seed=2).operators,
                       draw(stages, seed=2).operators)
    with pytest.raises(AgentlibError, match=re.escape(
            "num must be an integer >= 1, got 0")):
        ex.sample_problems(0, 0)
    with pytest.raises(AgentlibError, match="at least 2 operands, got 1"):
        ex.sample_problems(-1, 4)


def test_the_task_s_attributes_by_hand():
    step, start = ex.ExpressionTask("step"), ex.ExpressionTask("start")
    assert (step.name, start.name) == ("expressions", "expressions-start")
    # tokens: 8 action ids, 10 digits, 3 operators, then the start token
    for task in (step, start):
        assert (task.start_token, task.num_tokens) == (21, 22)
        assert task.max_context == 15  # 8 digits and 7 operators
        assert task.stages == (0, 1, 2, 3)
    # held out: 6, 8, 16, 32 and 64 operands; 6 to 8 for the start view,
    # whose position embeddings stop at 8 operands
    assert step.held_out_stages == (4, 6, 14, 30, 62)
    assert start.held_out_stages == (4, 5, 6)
    # left and right operator (5 and 4 ids), acc and mem empty or not
    assert (step.num_obs, start.num_obs) == (13, 0)


def test_evaluation_problems_are_seeded_and_stage_by_stage():
    task = ex.ExpressionTask()
    problems = task.evaluation_problems(50, seed=3)
    check_problems(problems, [2] * 50 + [3] * 50 + [4] * 50 + [5] * 50,
                   ex.budget(5))
    torch.manual_seed(7)  # the global generator plays no part
    again = task.evaluation_problems(50, seed=3, device="cpu")
    assert torch.equal(again.digits, problems.digits)
    assert not torch.equal(task.evaluation_problems(50, seed=4).digits,
                           problems.digits)


def test_test_problems_list_every_problem_or_draw_enough():
    generator = torch.Generator().manual_seed(0)
    every = ex.test_problems(2, 10, generator)  # 3 patterns x 100 tuples
    assert len(every) == 300 and every.digits[:100].tolist() == [
        [a, b] for a in range(10) for b in range(10)]
    # 81 patterns of five operands: ceil(1000 / 81) = 13 digit rows each
    assert len(ex.test_problems(5, 1000, generator)) == 81 * 13
    # 3**15 patterns of 16 operands are more than asked for: random ones
    long = ex.test_problems(16, 1000, torch.Generator().manual_seed(1))
    assert len(long) == 1000 and (long.length == 16).all()
    torch.manual_seed(3)
    again = ex.test_problems(16, 1000, torch.Generator().manual_seed(1))
    assert torch.equal(again.digits, long.digits)
    with pytest.raises(AgentlibError, match=re.escape(
            "num must be an integer >= 1, got 0")):
        ex.test_problems(6, 0, generator)


def test_the_held_out_batches_are_seeded():
    task = ex.ExpressionTask()
    first = task.test_batches(500, seed=5, held_out=True)
    torch.manual_seed(11)
    again = task.test_batches(500, seed=5, held_out=True)
    other = task.test_batches(500, seed=6, held_out=True)
    for a, b, c in zip(first, again, other, strict=True):
        assert torch.equal(a.digits, b.digits)
        assert not torch.equal(a.digits, c.digits)


def test_pattern_problems_and_names_by_hand():
    assert ex.pattern_names(2) == ["a+b", "a-b", "a*b"]
    assert ex.pattern_names(3) == [
        "a+b+c", "a+b-c", "a+b*c", "a-b+c", "a-b-c", "a-b*c", "a*b+c",
        "a*b-c", "a*b*c"]
    assert len(ex.pattern_names(5)) == 81
    problems = ex.pattern_problems(3, torch.tensor([[3, 4, 5], [1, 0, 2]]))
    assert problems.operators[:, :2].tolist() == [
        [p, q] for p in range(3) for q in range(3) for _ in range(2)]
    assert problems.target.tolist()[:6] == [12, 3, 2, -1, 23, 1]
    assert problems.digits.dtype == torch.long
    check_problems(problems, [3] * 18, ex.budget(3))


def test_make_problems_cuts_each_row_to_its_length():
    digits = torch.arange(1, 9).repeat(2, 1)  # 1 to 8, twice
    operators = torch.zeros(2, 7, dtype=torch.long)  # every + given
    problems = ex.make_problems(digits, operators, torch.tensor([3, 8]), 17)
    check_problems(problems, [3, 8], 17)
    assert problems.target.tolist() == [6, 36]


def test_every_tensor_is_made_on_the_device_asked_for():
    # torch's default device is another one here: a tensor made without
    # the device asked for would land there and fail the checks
    stages = torch.tensor([0, 3])
    state, problems = final("3+4*5", "LOAD PUSH LOAD")
    task = ex.ExpressionTask("start")
    with states.default_device("meta"):
        sampled = ex.sample_problems(stages, 2, torch.Generator(), "cpu")
        sampled_one = ex.sample_problems(1, 2, torch.Generator(), "cpu")
        written = ex.problems_from_expressions(["3+4*5"], "cpu")
        tokens, real = task.context_tokens(written)
        text = task.problems_from_text(["1-2"], "cpu")
        held = task.evaluation_problems(2, seed=0, device="cpu")
        batches = task.test_batches(10, seed=0, device="cpu")
        trained = task.sample_problems(stages, 2, torch.Generator(),
                                       torch.device("cpu"))
        terms = ex.term_progress(state, problems)
    made = [sampled.digits, sampled.target, sampled_one.length,
            written.target, tokens, real, text.target, held.target,
            trained.target, terms, *(b.target for b in batches)]
    assert all(t.device.type == "cpu" for t in made)
    assert written.target.tolist() == [23] and text.target.tolist() == [-1]
    assert terms.item() == pytest.approx(2 / 3)
    # all at 2 and 3 operands; more patterns than 10 at 4 and 5: random
    assert [len(b) for b in batches] == [300, 9_000, 10, 10]


def test_the_step_view_starts_from_no_tokens():
    tokens, real = ex.ExpressionTask("step").context_tokens(
        ex.problems_from_expressions(["3+4*5"]))
    assert tokens.shape == real.shape == (1, 0)


def test_value_refuses_operators_that_do_not_fit_the_digits():
    with pytest.raises(ValueError):
        ex.value([1, 2, 3], "+")
    with pytest.raises(ValueError):
        ex.value([1, 2], "+-")


def test_a_stage_tensor_of_any_integer_type():
    for dtype in (torch.int32, torch.uint8):
        problems = ex.sample_problems(torch.tensor([3, 0], dtype=dtype), 2,
                                      torch.Generator())
        check_problems(problems, [5, 2], ex.budget(8))


def test_random_draws_stay_eight_wide_so_seeded_runs_stay_as_they_were():
    stages = torch.tensor([0, 3, 1, 2])  # 2 to 5 operands: 5 wide
    problems = ex.sample_problems(stages, 4, torch.Generator().manual_seed(5),
                                  horizon=ex.budget(5))
    generator = torch.Generator().manual_seed(5)
    digits = torch.randint(0, 10, (4, 8), generator=generator)
    operators = torch.randint(0, 3, (4, 7), generator=generator)
    assert problems.digits.shape == (4, 5)
    for row, n in enumerate([2, 5, 3, 4]):
        assert problems.digits[row, :n].tolist() == digits[row, :n].tolist()
        assert problems.operators[row, :n - 1].tolist() == (
            operators[row, :n - 1].tolist())


def test_as_many_patterns_as_problems_asked_gives_each_pattern_once():
    problems = ex.test_problems(4, 27, torch.Generator().manual_seed(0))
    patterns = {tuple(row) for row in problems.operators.tolist()}
    assert len(problems) == 27 and len(patterns) == 27


def test_the_default_sizes_of_the_final_scores():
    task = ex.ExpressionTask()
    held = task.test_batches(0, seed=0, held_out=True)
    # every pattern on 42 and 5 fresh digit tuples, then 2,000 random
    assert [len(p) for p in held] == [243 * 42, 2187 * 5, 2000, 2000, 2000]


def test_patterns_are_named_up_to_26_operands():
    with pytest.raises(AgentlibError, match=re.escape(
            "patterns are named up to 26 operands, got 27")):
        ex.pattern_names(27)
