"""Tests for tasks.arithmetic: the tool machine, problems and rewards."""

import random
import re
from collections import Counter

import pytest
import torch

from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic, arithmetic_problems, get_task
from agentlib.tasks import arithmetic_rewards as rewards
from tests.tasks import states

SOLUTIONS = {
    0: "MUL ADD ANS",
    1: "MUL ADD SUB ANS",
    2: "MUL ADD STO MUL RCL ANS",
}


def run(context: list[int], program: str) -> int | None:
    """The reference interpreter on a space-separated program."""
    return arithmetic.run_program(context, program.split())


def test_stated_targets_by_hand():
    assert arithmetic.stated_target([3, 4, 5]) == 3 * 4 + 5
    assert arithmetic.stated_target([3, 4, 5, 2]) == 3 * 4 + 5 - 2
    assert arithmetic.stated_target([3, 4, 5, 2, 6]) == 3 * 4 + 5 - 2 * 6


def test_shortest_programs_by_hand():
    assert run([3, 4, 5], SOLUTIONS[0]) == 17
    assert run([3, 4, 5, 2], SOLUTIONS[1]) == 15
    assert run([3, 4, 5, 2, 6], SOLUTIONS[2]) == 5  # 3*4+5-2*6


def test_shortest_programs_solve_every_problem():
    rng = random.Random(0)
    for stage, program in SOLUTIONS.items():
        for _ in range(200):
            context = [rng.randrange(10) for _ in range(3 + stage)]
            assert run(context, program) == arithmetic.stated_target(context)


def test_mul_loads_two_operands_then_multiplies_by_one():
    assert run([3, 4, 5], "MUL ANS") == 12
    assert run([3, 4, 5], "MUL MUL ANS") == 60


def test_tools_without_operands_do_nothing():
    assert run([3, 4, 5], "MUL ADD ADD ANS") == 17  # no digit left
    assert run([3, 4, 5], "MUL ADD MUL ANS") == 17
    assert run([3, 4, 5, 2], "MUL ADD SUB SUB ANS") == 15


def test_tools_without_registers_do_nothing():
    assert run([3, 4, 5], "ADD SUB MUL ANS") == 12  # acc empty at first
    assert run([3, 4, 5], "STO MUL ANS") == 12  # nothing to store
    assert run([3, 4, 5], "MUL RCL ANS") == 12  # memory empty


def test_sto_empties_acc_and_rcl_subtracts_acc_from_mem():
    assert run([2, 3, 1, 1, 1], "MUL STO ANS") is None
    assert run([2, 3, 4, 1, 1], "MUL STO MUL RCL ANS") == 6 - 4
    assert run([2, 3, 4, 1, 1], "MUL STO RCL ANS") is None  # acc empty


def test_no_answer_without_ans_or_after_the_budget():
    assert run([3, 4, 5], "ANS") is None
    assert run([3, 4, 5], "MUL ADD") is None
    assert run([3, 4, 5], "STO STO STO STO STO STO MUL ANS") is None
    assert run([3, 4, 5], "STO STO STO MUL ADD ANS") == 17


@pytest.mark.parametrize(
    "context",
    [[1, 2], [1, 2, 3, 4, 5, 6], [1, 2, 10], [1, -1, 2], "123", [1, 2, 3.0],
     [True, 1, 2], 123],
)
def test_malformed_contexts_raise(context):
    with pytest.raises(AgentlibError, match="context"):
        arithmetic.run_program(context, ["ANS"])


def test_unknown_tools_and_malformed_programs_raise():
    with pytest.raises(AgentlibError, match="unknown tool 'DIV'"):
        run([1, 2, 3], "MUL DIV ANS")
    with pytest.raises(AgentlibError, match="list of tool names"):
        arithmetic.run_program([1, 2, 3], "MUL ADD ANS")


@pytest.mark.parametrize("stage", [-1, 3, 1.5, "1", True])
def test_bad_stages_raise(stage):
    with pytest.raises(AgentlibError, match="stage"):
        arithmetic.sample_problems(stage, 4)


def test_sampled_problems_are_padded_and_state_their_targets():
    generator = torch.Generator().manual_seed(0)
    stages = torch.tensor([0, 1, 2, 2, 1, 0])
    problems = arithmetic.sample_problems(stages, 6, generator)
    assert problems.context.shape == (6, arithmetic.MAX_CONTEXT)
    assert problems.length.tolist() == [3, 4, 5, 5, 4, 3]
    for row, length, target in zip(
        problems.context.tolist(), problems.length.tolist(),
        problems.target.tolist(), strict=True,
    ):
        assert row[length:] == [0] * (arithmetic.MAX_CONTEXT - length)
        assert target == arithmetic.stated_target(row[:length])


def test_sampling_is_seeded():
    def draw(seed):
        generator = torch.Generator().manual_seed(seed)
        return arithmetic.sample_problems(2, 8, generator).context

    assert torch.equal(draw(1), draw(1))
    assert not torch.equal(draw(1), draw(2))


def test_problems_from_contexts():
    problems = arithmetic.problems_from_contexts([[3, 4, 5], [3, 4, 5, 2, 6]])
    assert problems.stage.tolist() == [0, 2]
    assert problems.target.tolist() == [17, 5]
    with pytest.raises(AgentlibError):
        arithmetic.problems_from_contexts([])


def state_of(problems, actions: list[list[int]]) -> list[dict]:
    """The whole state after each row of action ids (see ``states``)."""
    return states.state_of(arithmetic.run_programs, problems, actions)


def after(context: list[int], program: str) -> dict:
    """The batched machine's state after ``program`` on one context."""
    problems = arithmetic.problems_from_contexts([context])
    ids = [arithmetic.TOOLS.index(name) for name in program.split()]
    return state_of(problems, [ids])[0]


def machine(acc=None, mem=None, cursor=0, steps=0, done=False,
            answered=False) -> dict:
    """A state written by hand, in the form of :func:`state_of`."""
    return {"acc": acc, "mem": mem, "cursor": cursor, "steps": steps,
            "done": done, "answered": answered}


@pytest.mark.parametrize("context, program, expected", [
    # MUL on an empty acc reads two digits: 3*4
    ([3, 4, 5], "MUL", machine(acc=12, cursor=2, steps=1)),
    # MUL on a full acc multiplies by one digit: 12*5
    ([3, 4, 5], "MUL MUL", machine(acc=60, cursor=3, steps=2)),
    ([3, 4, 5], "MUL ADD", machine(acc=17, cursor=3, steps=2)),
    ([3, 4, 5, 2], "MUL ADD SUB", machine(acc=15, cursor=4, steps=3)),
    # STO moves acc to mem and empties acc
    ([3, 4, 5, 2, 6], "MUL ADD STO",
     machine(mem=17, cursor=3, steps=3)),
    # after STO, MUL reads two digits again: 2*6
    ([3, 4, 5, 2, 6], "MUL ADD STO MUL",
     machine(acc=12, mem=17, cursor=5, steps=4)),
    # RCL: acc = mem - acc, and mem keeps its value
    ([3, 4, 5, 2, 6], "MUL ADD STO MUL RCL",
     machine(acc=5, mem=17, cursor=5, steps=5)),
    ([3, 4, 5, 2, 6], "MUL ADD STO MUL RCL ANS",
     machine(acc=5, mem=17, cursor=5, steps=6, done=True,
             answered=True)),
    # ANS on an empty acc ends the episode without an answer
    ([3, 4, 5], "ANS", machine(steps=1, done=True)),
    ([3, 4, 5], "MUL STO ANS", machine(mem=12, cursor=2, steps=3,
                                       done=True)),
])
def test_each_tool_by_hand(context, program, expected):
    assert after(context, program) == expected


@pytest.mark.parametrize("context, program, expected", [
    # past the last digit, ADD, SUB and MUL read nothing and do nothing
    ([3, 4, 5], "MUL ADD ADD", machine(acc=17, cursor=3, steps=3)),
    ([3, 4, 5], "MUL ADD SUB", machine(acc=17, cursor=3, steps=3)),
    ([3, 4, 5], "MUL ADD MUL", machine(acc=17, cursor=3, steps=3)),
    # MUL on an empty acc needs two digits; one is left here
    ([3, 4, 5], "MUL STO MUL", machine(mem=12, cursor=2, steps=3)),
    ([3, 4, 5, 2], "MUL ADD STO MUL",
     machine(mem=17, cursor=3, steps=4)),
    # tools that need acc, or mem, do nothing without them
    ([3, 4, 5], "ADD", machine(steps=1)),
    ([3, 4, 5], "SUB", machine(steps=1)),
    ([3, 4, 5], "STO", machine(steps=1)),
    ([3, 4, 5], "RCL", machine(steps=1)),
    ([3, 4, 5], "MUL RCL", machine(acc=12, cursor=2, steps=2)),
    ([3, 4, 5], "MUL STO RCL", machine(mem=12, cursor=2, steps=3)),
    # a second STO overwrites mem
    ([3, 4, 5, 2, 6], "MUL STO MUL STO",
     machine(mem=10, cursor=4, steps=4)),
    # the sixth step ends the episode, answered or not
    ([3, 4, 5], "STO STO STO STO STO STO",
     machine(steps=6, done=True)),
    ([3, 4, 5], "STO STO STO STO STO STO MUL",
     machine(steps=6, done=True)),
])
def test_tools_that_cannot_act_only_use_a_step(context, program, expected):
    assert after(context, program) == expected


def reference(context: list[int], actions: list[int]
              ) -> tuple[dict, list[str]]:
    """The rules of the module docstring written out once more, apart
    from the code under test: the final state, in the form of
    :func:`state_of`, and which branch each step took."""
    x, state, branches = context, machine(), []
    for action in actions:
        if state["done"]:
            break
        tool = arithmetic.TOOLS[action] if action < len(
            arithmetic.TOOLS) else "none"
        acc, mem, i = state["acc"], state["mem"], state["cursor"]
        left = len(x) - i
        branch = tool
        if tool == "MUL" and acc is None and left >= 2:
            state.update(acc=x[i] * x[i + 1], cursor=i + 2)
            branch = "LOAD"
        elif tool in ("MUL", "ADD", "SUB") and acc is not None and left:
            state["acc"] = {"MUL": acc * x[i], "ADD": acc + x[i],
                            "SUB": acc - x[i]}[tool]
            state["cursor"] = i + 1
        elif tool == "STO" and acc is not None:
            state.update(mem=acc, acc=None)
        elif tool == "RCL" and acc is not None and mem is not None:
            state["acc"] = mem - acc
        elif tool == "ANS":
            state.update(done=True, answered=acc is not None)
            branch = "ANS" if acc is not None else "ANS empty"
        else:
            branch = f"{tool} no-op"
        branches.append(branch)
        state["steps"] += 1
        state["done"] = state["done"] or state["steps"] >= 6
    return state, branches


def random_program(rng: random.Random, stage: int) -> list[int]:
    """Action ids of up to nine steps: tools drawn with weights, ids
    past the tools, and sometimes the stage's solution spliced in, so
    that every tool acts, on every register, many times."""
    weights = [4, 3, 3, 3, 3, 1, 1]  # ..., RCL, ANS, no tool
    ids = rng.choices(range(len(weights)), weights, k=rng.randrange(10))
    if rng.random() < 0.5:
        solution = [arithmetic.TOOLS.index(name)
                    for name in SOLUTIONS[stage].split()]
        cut = rng.randrange(len(solution) + 1)
        at = rng.randrange(len(ids) + 1)
        ids[at:at] = solution[:cut] if rng.random() < 0.3 else solution
    return ids


def test_the_batched_machine_follows_the_rules_on_random_programs():
    rng = random.Random(0)
    contexts, programs = [], []
    for _ in range(4000):
        stage = rng.choice(arithmetic.STAGES)
        contexts.append([rng.randrange(10) for _ in range(3 + stage)])
        programs.append(random_program(rng, stage))
    width = max(map(len, programs))
    padded = [p + [arithmetic.NUM_TOOLS] * (width - len(p))
              for p in programs]
    got = state_of(arithmetic.problems_from_contexts(contexts), padded)
    seen, answered_after, interpreted = Counter(), Counter(), 0
    for context, program, row, state in zip(contexts, programs, padded,
                                            got, strict=True):
        expected, branches = reference(context, row)
        assert state == expected, (context, row)
        # where every id names a tool, the module's plain-Python
        # interpreter gives the same answer (the padding never answers)
        if all(a < arithmetic.NUM_TOOLS for a in program):
            names = [arithmetic.TOOLS[a] for a in program]
            answer = state["acc"] if state["answered"] else None
            assert arithmetic.run_program(context, names) == answer
            interpreted += 1
        seen.update(branches)
        if expected["answered"]:
            answered_after.update(set(branches))
    # every rule was exercised, and answered through, many times
    for branch in ("LOAD", "MUL", "ADD", "SUB", "STO", "RCL", "ANS",
                   "ANS empty", "none no-op", "MUL no-op", "ADD no-op",
                   "SUB no-op", "STO no-op", "RCL no-op"):
        assert seen[branch] >= 100, (branch, seen)
    for branch in ("LOAD", "MUL", "ADD", "SUB", "STO", "RCL"):
        assert answered_after[branch] >= 100, (branch, answered_after)
    assert interpreted >= 1000


def test_finished_episodes_do_not_change():
    problems = arithmetic.problems_from_contexts([[3, 4, 5]])
    program = torch.tensor([[arithmetic.MUL, arithmetic.ANS]])
    state = arithmetic.run_programs(problems, program)
    after = arithmetic.step(state, problems, torch.tensor([arithmetic.MUL]))
    assert all(
        torch.equal(getattr(after, name), getattr(state, name))
        for name in vars(state)
    )
    assert state.steps.item() == 2 and state.done.item()


def test_the_budget_ends_an_episode():
    problems = arithmetic.problems_from_contexts([[3, 4, 5]])
    no_ops = torch.full((1, arithmetic.MAX_STEPS), arithmetic.STO)
    state = arithmetic.run_programs(problems, no_ops)
    assert state.done.item() and not state.answered.item()


def states_along(context: list[int], program: str) -> list[arithmetic.Machine]:
    """The machine's states after each tool of ``program``."""
    problems = arithmetic.problems_from_contexts([context])
    state, states = arithmetic.reset(problems), []
    for name in program.split():
        action = torch.tensor([arithmetic.TOOLS.index(name)])
        state = arithmetic.step(state, problems, action)
        states.append(state)
    return problems, states


def test_progress_by_hand():
    problems, states = states_along([3, 4, 5, 2, 6], SOLUTIONS[2])
    values = [arithmetic.progress(s, problems).item() for s in states]
    assert values == pytest.approx([0.4, 0.6, 0.6, 1.0, 1.0, 1.0])
    problems, states = states_along([3, 4, 5, 2, 6], "MUL ADD SUB")
    assert arithmetic.progress(states[-1], problems).item() == 0.0


def test_scores_by_hand():
    problems, states = states_along([3, 4, 5, 2, 6], "MUL ADD ANS")
    last = states[-1]  # answered 17, the target is 5
    assert arithmetic.score(last, problems, "none").item() == 0.0
    # the article's credit for answering a*b+c at stage 2 is 0.4
    answer = arithmetic.score(last, problems, "answer").item()
    assert answer == pytest.approx(0.08)
    progress = arithmetic.score(last, problems, "progress").item()
    assert progress == pytest.approx(1.5 * 0.6)
    costly = arithmetic.score(last, problems, "progress", 1.5, 0.5).item()
    assert costly == pytest.approx(-0.5 + 1.5 * 0.6)
    problems, states = states_along([3, 4, 5, 2, 6], SOLUTIONS[2])
    assert arithmetic.score(states[-1], problems, "none").item() == 1.0
    assert arithmetic.score(states[-1], problems, "progress").item() == 2.5
    with pytest.raises(AgentlibError, match="unknown shaping"):
        arithmetic.score(states[-1], problems, "dense")


def final(context: list[int], program: str):
    """The batched machine's state after ``program``, and the problems."""
    problems = arithmetic.problems_from_contexts([context])
    ids = [arithmetic.TOOLS.index(name) for name in program.split()]
    actions = torch.tensor([ids], dtype=torch.long).view(1, -1)
    return arithmetic.run_programs(problems, actions), problems


@pytest.mark.parametrize("context, program, expected", [
    ([3, 4, 5], "", 0.0),
    ([3, 4, 5], "MUL", 2 / 3),  # a*b: two of three digits
    ([3, 4, 5], "MUL ADD", 1.0),
    ([3, 4, 5], "MUL MUL", 0.0),  # 60 is no goal
    ([3, 4, 5, 2], "MUL ADD", 3 / 4),
    ([3, 4, 5, 2], "MUL ADD SUB", 1.0),
    # d*e counts at stage 2 only, where it is part of the target
    ([3, 4, 5, 2, 7], "MUL ADD STO MUL", 1.0),
    ([3, 4, 5, 2, 7], "MUL ADD STO", 3 / 5),
    # a*b+c-d is no part of stage 2's target
    ([3, 4, 5, 2, 7], "MUL ADD SUB", 0.0),
    # a register holding 0 counts; an empty one, which reads 0, not
    ([0, 5, 3], "", 0.0),
    ([0, 5, 3], "MUL", 2 / 3),
])
def test_progress_by_hand_on_every_stage(context, program, expected):
    state, problems = final(context, program)
    assert arithmetic.progress(state, problems).item() == pytest.approx(
        expected)


@pytest.mark.parametrize("context, program, credit", [
    ([3, 4, 5], "MUL ANS", 0.25),  # a*b at stage 0
    ([3, 4, 5], "MUL ADD ANS", 0.5),
    ([3, 4, 5], "MUL", 0.0),  # not answered: no credit
    ([3, 4, 5, 2], "MUL ADD ANS", 0.5),
    ([3, 4, 5, 2], "MUL ADD SUB ANS", 0.75),
    ([3, 4, 5, 2, 7], "MUL ANS", 0.2),
    ([3, 4, 5, 2, 7], "MUL ADD SUB ANS", 0.0),  # no goal at stage 2
    ([3, 4, 5, 2, 7], "MUL ADD STO MUL ANS", 0.6),  # d*e = 14
    ([3, 4, 5, 2, 7], "MUL ADD STO MUL RCL ANS", 0.6),
])
def test_the_articles_credit_by_hand_on_every_stage(context, program,
                                                    credit):
    state, problems = final(context, program)
    exact = float(state.acc.item() == arithmetic.stated_target(context)
                  and state.answered.item())
    answer = arithmetic.score(state, problems, "answer").item()
    assert answer == pytest.approx(exact + 0.2 * credit)


@pytest.mark.parametrize("device", ["gpu", "tpu"])
def test_unknown_devices_are_a_clear_error(device):
    with pytest.raises(AgentlibError, match="unknown device"):
        arithmetic.sample_problems(0, 4, device=device)
    with pytest.raises(AgentlibError, match="unknown device"):
        arithmetic.problems_from_contexts([[3, 4, 5]], device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(AgentlibError, match="no CUDA GPU"):
        arithmetic.sample_problems(0, 4, device="cuda")


def test_devices_given_as_torch_devices_still_work():
    problems = arithmetic.sample_problems(0, 4, device=torch.device("cpu"))
    assert problems.context.device.type == "cpu"


@pytest.mark.parametrize(
    "stages, message",
    [(torch.tensor([0, 1, 3, 2]), "stage must be 0-2, got 3"),
     (torch.tensor([0, -1, 1, 2]), "stage must be 0-2, got -1"),
     (torch.tensor([0.0, 0.5, 1.0, 2.0]), "stage must hold integers"),
     (torch.tensor([0, 1, 2]), r"shape \(4,\), got \(3,\)")],
)
def test_bad_stage_tensors_raise(stages, message):
    with pytest.raises(AgentlibError, match=message):
        arithmetic.sample_problems(stages, 4)


@pytest.mark.parametrize(
    "digits, stage, message",
    [(torch.zeros(4, 3, dtype=torch.long), torch.zeros(4, dtype=torch.long),
      r"digits must be a \(B, 5\) tensor, got \(4, 3\)"),
     (torch.full((1, 5), 12), torch.tensor([0]), "digits must be 0-9, got 12"),
     (torch.zeros(4, 5, dtype=torch.long), 0,
      r"stage must be a \(4,\) tensor, got int"),
     (torch.zeros(2, 5, dtype=torch.long), torch.tensor([0, 3]),
      "stage must be 0-2, got 3")],
)
def test_make_problems_checks_digits_and_stages(digits, stage, message):
    with pytest.raises(AgentlibError, match=message):
        arithmetic.make_problems(digits, stage)


@pytest.mark.parametrize(
    "actions", [torch.tensor([0, 1, 5]), torch.tensor([[0, 1, 5]] * 2)]
)
def test_run_programs_needs_one_row_of_actions_per_problem(actions):
    problems = arithmetic.problems_from_contexts([[3, 4, 5]] * 3)
    with pytest.raises(AgentlibError, match=r"actions must be a \(3, T\)"):
        arithmetic.run_programs(problems, actions)


def test_small_integer_digits_do_not_wrap():
    digits = torch.tensor([[0, 0, 0, 9, 9]], dtype=torch.uint8)
    problems = arithmetic.make_problems(digits, torch.tensor([2]))
    assert problems.target.tolist() == [-81]  # uint8 arithmetic gave 175
    program = [arithmetic.TOOLS.index(tool)
               for tool in "MUL ADD STO MUL RCL ANS".split()]
    final = arithmetic.run_programs(problems, torch.tensor([program]))
    assert arithmetic.is_correct(final, problems).tolist() == [True]


@pytest.mark.parametrize("which", ["digits", "stage"])
def test_bool_digits_or_stages_are_refused(which):
    digits = torch.zeros(1, 5, dtype=torch.long)
    stage = torch.tensor([1])
    if which == "digits":
        digits = digits.bool()
    else:
        stage = stage.bool()  # was read as stage 1
    with pytest.raises(AgentlibError, match=f"{which} must hold integers"):
        arithmetic.make_problems(digits, stage)


@pytest.mark.parametrize(
    "actions, message",
    [(torch.tensor([[0.0, 5.0]]), "integer action ids"),
     (torch.tensor([[0, -1]]), "action ids must be >= 0, got -1"),
     (torch.tensor([[True, False]]), "integer action ids")],
)
def test_run_programs_refuses_ids_that_are_not_actions(actions, message):
    problems = arithmetic.problems_from_contexts([[3, 4, 5]])
    with pytest.raises(AgentlibError, match=message):
        arithmetic.run_programs(problems, actions)


@pytest.mark.parametrize("stage", arithmetic.STAGES)
def test_every_problem_lists_each_context_once(stage):
    problems = arithmetic.every_problem(stage)
    length = 3 + stage
    assert len(problems) == 10 ** length
    rows = {tuple(row[:length]) for row in problems.context.tolist()}
    assert len(rows) == 10 ** length
    assert (problems.context[:, length:] == 0).all()
    assert (problems.stage == stage).all()


def test_every_problem_states_the_targets():
    problems = arithmetic.every_problem(2)
    # 12,345 is the context 1 2 3 4 5: 1*2+3 - 4*5
    assert problems.context[12_345].tolist() == [1, 2, 3, 4, 5]
    assert problems.target[12_345].item() == 1 * 2 + 3 - 4 * 5


def test_the_test_batches_are_every_context_or_a_sample():
    task = get_task("arithmetic")
    every = task.test_batches(0, seed=0)
    assert [len(batch) for batch in every] == [1_000, 10_000, 100_000]
    sampled = task.test_batches(50, seed=0)
    assert [len(batch) for batch in sampled] == [150]
    assert task.test_batches(0, seed=0, held_out=True) == []


def test_the_recall_hook_changes_only_the_plain_interpreter_rule():
    solver = "MUL ADD STO MUL RCL ANS".split()
    assert arithmetic.run_program([3, 4, 5, 2, 6], solver) == 5
    swapped = arithmetic.run_program([3, 4, 5, 2, 6], solver,
                                     recall=lambda mem, acc: acc - mem)
    assert swapped == -5


def test_a_context_written_as_text_states_its_expression():
    task = arithmetic.ArithmeticTask()
    assert task.parse_line("3 4 5 2 6") == "3*4+5-2*6"
    assert task.parse_line("[3, 4, 5, 2]") == "3*4+5-2"
    assert task.parse_line("3,4,5") == "3*4+5"
    problems = task.problems_from_text(["3 4 5 2 6", "1 2 3"])
    assert problems.target.tolist() == [3 * 4 + 5 - 2 * 6, 1 * 2 + 3]
    assert problems.stage.tolist() == [2, 0]
    for line, message in (("3 4", "3, 4 or 5 digits"),
                          ("3*4+5", "not a context"),
                          ("3 4 5 2 6 7", "3, 4 or 5 digits")):
        with pytest.raises(AgentlibError, match=message):
            task.parse_line(line)


TASK = arithmetic.ArithmeticTask()


def test_evaluation_problems_are_seeded_and_stage_by_stage():
    problems = TASK.evaluation_problems(4, seed=3)
    assert problems.stage.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    again = TASK.evaluation_problems(4, seed=3)
    assert torch.equal(problems.context, again.context)


def test_evaluation_problems_name_a_bad_device_or_size():
    with pytest.raises(AgentlibError, match="unknown device 'gpu'"):
        TASK.evaluation_problems(4, seed=3, device="gpu")
    with pytest.raises(AgentlibError, match="num must be an integer >= 1"):
        TASK.evaluation_problems(-1, seed=3)
    cpu = TASK.evaluation_problems(4, seed=3, device=torch.device("cpu"))
    assert torch.equal(cpu.context,
                       TASK.evaluation_problems(4, seed=3).context)


def exactly(message: str) -> str:
    """A ``match`` pattern for ``message`` whole, nothing around it."""
    return f"^{re.escape(message)}$"


META = torch.zeros(2, dtype=torch.long, device="meta")
"""A tensor on a device other than the CPU, without a GPU."""


@pytest.mark.parametrize("call, message", [
    (lambda: arithmetic.check_stage(5), "stage must be 0, 1 or 2, got 5"),
    (lambda: arithmetic.check_context("345"),
     "context must be a list of digits: '345'"),
    (lambda: arithmetic.check_context([1, 2]),
     "context must have 3, 4 or 5 digits, got 2"),
    (lambda: arithmetic.check_context([1, 2, 10]),
     "context digits must be 0-9, got 10"),
    (lambda: arithmetic.make_problems(torch.zeros(4, 3), torch.zeros(4)),
     "digits must be a (B, 5) tensor, got (4, 3)"),
    (lambda: arithmetic.make_problems(torch.zeros(4, 5, dtype=int), 0),
     "stage must be a (4,) tensor, got int"),
    (lambda: arithmetic.make_problems(torch.zeros(2, 5, dtype=int), META),
     "digits are on cpu but stage on meta"),
    (lambda: arithmetic.sample_problems(torch.tensor([0, 1, 2]), 4),
     "stage tensor must have shape (4,), got (3,)"),
    (lambda: arithmetic.parse_context("3*4"),
     "not a context of digits such as 3 4 5 2 6: '3*4'"),
    (lambda: arithmetic.problems_from_contexts([]),
     "give at least one context"),
])
def test_each_refusal_says_exactly_what_is_wrong(call, message):
    with pytest.raises(AgentlibError, match=exactly(message)):
        call()


def test_digits_and_stages_on_another_device_are_not_read():
    # only CPU tensors are checked: reading a GPU's would wait for it
    digits = torch.full((2, 5), 12, device="meta")
    arithmetic_problems.check_batch(digits, META)  # no error, no read


def test_every_tensor_is_made_on_the_device_asked_for():
    # torch's default device is another one here: a tensor made without
    # the device asked for would land there and fail the checks
    stages = torch.tensor([0, 2])
    cpu = torch.device("cpu")
    with states.default_device("meta"):
        one = arithmetic.sample_problems(1, 2, torch.Generator(), "cpu")
        mixed = arithmetic.sample_problems(stages, 2, torch.Generator(),
                                           cpu)
        every = arithmetic.every_problem(0, "cpu")
        written = arithmetic.problems_from_contexts([[3, 4, 5, 2]], cpu)
        text = TASK.problems_from_text(["3 4 5"], "cpu")
        drawn = TASK.sample_problems(stages, 2, torch.Generator(), cpu)
        tokens, real = TASK.context_tokens(written)
        [sample] = TASK.test_batches(3, seed=0, device="cpu")
        all_of_them = TASK.test_batches(0, seed=0, device="cpu")
        state = arithmetic.run_programs(written, torch.tensor(
            [[arithmetic.MUL, arithmetic.ADD, arithmetic.ANS]],
            device=cpu))
        scores = [arithmetic.score(state, written, shaping)
                  for shaping in arithmetic.SHAPINGS]
    made = [one.target, mixed.target, every.target, written.target,
            text.target, drawn.target, tokens, real, sample.target,
            *(batch.target for batch in all_of_them), *scores]
    assert all(t.device.type == "cpu" for t in made)
    assert written.target.tolist() == [15] and text.target.tolist() == [17]
    assert every.context[345].tolist() == [3, 4, 5, 0, 0]
    assert real.tolist() == [[True] * 4 + [False]]
    # answered 17 at stage 1: the credit for a*b+c, progress 3 of 4
    assert [s.item() for s in scores] == pytest.approx(
        [0.0, 0.2 * 0.5, 1.5 * 3 / 4])


def test_the_stage_tables_are_made_once_per_device(monkeypatch):
    monkeypatch.setattr(rewards, "STAGE_TABLES", {})
    meta, cpu = torch.device("meta"), torch.device("cpu")
    on_meta = rewards.stage_table(rewards.PART_SIZES, meta)
    on_cpu = rewards.stage_table(rewards.PART_SIZES, cpu)
    assert on_meta.device == meta and on_cpu.device == cpu
    assert rewards.stage_table(rewards.PART_SIZES, cpu) is on_cpu
    assert on_cpu.tolist() == [list(row) for row in rewards.PART_SIZES]


def test_sampling_draws_every_digit_from_its_own_generator():
    problems = arithmetic.sample_problems(2, 500,
                                          torch.Generator().manual_seed(4))
    assert set(problems.context.flatten().tolist()) == set(range(10))
    torch.manual_seed(0)  # the global generator plays no part
    again = TASK.sample_problems(torch.full((500,), 2), 500,
                                 torch.Generator().manual_seed(4),
                                 torch.device("cpu"))
    assert torch.equal(again.context, problems.context)


def test_a_non_tensor_digits_argument_is_refused():
    with pytest.raises(AgentlibError, match=exactly(
            "digits must be a (B, 5) tensor, got list")):
        arithmetic.make_problems([[1, 2, 3, 4, 5]], torch.tensor([0]))


def test_progress_of_each_row_of_a_batch_is_its_own():
    problems = arithmetic.problems_from_contexts([[3, 4, 5],
                                                  [3, 4, 5, 2, 6]])
    ids = [[arithmetic.TOOLS.index(tool) for tool in program]
           for program in (("MUL", "ADD"), ("MUL", "RCL"))]
    state = arithmetic.run_programs(problems, torch.tensor(ids))
    # 17 is a*b+c, 3 of 3 digits; 12 is a*b (RCL did nothing), 2 of 5
    assert arithmetic.progress(state, problems).tolist() == pytest.approx(
        [1.0, 0.4])


def test_a_right_answer_pays_no_cost():
    state, problems = final([3, 4, 5, 2, 6], SOLUTIONS[2])
    score = arithmetic.score(state, problems, "progress", 1.5, 0.5)
    assert score.item() == pytest.approx(1.0 + 1.5 * 1.0)


def test_scores_are_computed_where_the_problems_are():
    meta = torch.device("meta")
    problems = arithmetic.make_problems(
        torch.zeros(2, 5, dtype=torch.long, device=meta),
        torch.zeros(2, dtype=torch.long, device=meta))
    state = arithmetic.reset(problems)
    for shaping in arithmetic.SHAPINGS:
        assert arithmetic.score(state, problems, shaping).device == meta


def test_stage_tensors_of_any_integer_type_and_a_named_count():
    for dtype in (torch.int32, torch.uint8):
        problems = arithmetic.sample_problems(
            torch.tensor([2, 0], dtype=dtype), 2, torch.Generator())
        assert problems.stage.dtype == torch.long
        assert problems.length.tolist() == [5, 3]
    with pytest.raises(AgentlibError, match=exactly(
            "num must be an integer >= 1, got 0")):
        arithmetic.sample_problems(0, 0)
