"""The second task: expressions with precedence, read as the agent acts.

A problem is an expression of ``n`` single digits joined by ``+``, ``-``
and ``*``, written as people write it (``3*4+5-2*6``), and its value
under the usual precedence (:mod:`agentlib.tasks.expression_text`). The
first task's three stages are three of its operator patterns
(``a*b+c``, ``a*b+c-d``, ``a*b+c-d*e``).

The machine has an accumulator ``acc``, one memory slot ``mem`` and a
cursor on the next operand; each tool that reads an operand moves it:

- ``LOAD``: ``acc = x[i]`` (``acc`` must be empty);
- ``MUL`` / ``ADD`` / ``SUB``: ``acc = acc */+/- x[i]``;
- ``PUSH``: ``mem = acc`` and ``acc`` is emptied (``mem`` must be empty);
- ``POP+`` / ``POP-``: ``acc = mem +/- acc`` and ``mem`` is emptied;
- ``ANS``: ends the episode and answers ``acc`` (nothing when empty).

A tool whose operand or registers are missing does nothing but uses its
step; an expression of ``n`` operands has ``2n + 1`` steps. Which
program is right depends on the operators: ``a*b+c`` is ``LOAD MUL ADD
ANS`` but ``a+b*c`` is ``LOAD PUSH LOAD MUL POP+ ANS``.

As in :mod:`agentlib.tasks.arithmetic`, a plain-Python interpreter to
read (:func:`~agentlib.tasks.expression_text.run_program`) has the same
rules as the batched torch machine here (:func:`step`); a test holds
them equal. The problems are in :mod:`agentlib.tasks.expression_problems`,
the rewards in :mod:`agentlib.tasks.expression_rewards`, what the agent
reads in :mod:`agentlib.tasks.expression_views`; the task object the
engine reaches, :class:`ExpressionTask`, is at the end.
"""

from collections.abc import Sequence

import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_choice
from agentlib.tasks.expression_problems import (
    Problems,
    default_test_size,
    draw_problems,
    make_problems,
    pattern_names,
    pattern_problems,
    problems_from_expressions,
    sample_problems,
    test_problems,
)
from agentlib.tasks.expression_rewards import (
    SHAPINGS,
    progress,
    score,
    term_progress,
)
from agentlib.tasks.expression_text import (
    ADD,
    ANS,
    LOAD,
    MIN_OPERANDS,
    MINUS,
    MUL,
    NO_OP,
    NUM_TOOLS,
    OPERATORS,
    PLUS,
    POP_ADD,
    POP_SUB,
    PUSH,
    SUB,
    TIMES,
    TOOLS,
    budget,
    check_length,
    parse,
    run_program,
    solution,
    value,
)
from agentlib.tasks.expression_views import (
    NUM_OBS,
    NUM_REGISTER_OBS,
    observe,
    registers,
    token_ids,
)
from agentlib.tasks.machine import Machine, is_correct, reset, run_steps
from agentlib.tasks.sampling import stage_by_stage

__all__ = [
    "ADD", "ANS", "LOAD", "MIN_OPERANDS", "MINUS", "MUL",
    "NO_OP", "OPERATORS", "PLUS", "POP_ADD", "POP_SUB", "PUSH", "SUB",
    "TIMES", "TOOLS", "Problems", "budget", "check_length", "make_problems",
    "parse", "pattern_names", "pattern_problems", "problems_from_expressions",
    "progress", "run_program", "sample_problems", "solution",
    "term_progress", "value",
]
"""Kept in the language's, problems', rewards' or shared module, and
read here by the chapters as ``expressions.<name>``: the task's one
face."""
TRAINED_LENGTHS = (2, 3, 4, 5)
HELD_OUT_LENGTHS = (6, 8, 16, 32, 64)
"""Lengths scored but never trained on, with the step view."""
START_HELD_OUT_LENGTHS = (6, 7, 8)
"""The same with the start view, which reads at most 8 operands."""
START_CONTEXT = 15
"""Tokens of 8 operands: the start view's position embeddings. The step
view reads no tokens but keeps a table of the same size, so that its
seeded weights draw what they always did."""

def operand_at(problems: Problems, index: torch.Tensor) -> torch.Tensor:
    """The (B,) operands at (B,) positions (0 past the end)."""
    safe = index.clamp(max=problems.digits.shape[1] - 1)[:, None]
    return problems.digits.gather(1, safe).squeeze(1)


def step(state: Machine, problems: Problems, action: torch.Tensor
         ) -> Machine:
    """Apply one (B,) action to every running episode; the new state."""
    live = ~state.done
    more = state.cursor < problems.length
    full = live & ~state.acc_empty  # what the tools but LOAD and ANS need
    x = operand_at(problems, state.cursor)
    load = live & (action == LOAD) & state.acc_empty & more
    reads = full & more  # MUL, ADD and SUB read acc and the next operand
    mul, add, sub = (reads & (action == tool) for tool in (MUL, ADD, SUB))
    push = full & (action == PUSH) & state.mem_empty
    pops = full & ~state.mem_empty  # POP+ and POP- need both registers
    pop_add, pop_sub = pops & (action == POP_ADD), pops & (action == POP_SUB)
    ans = live & (action == ANS)
    acc = torch.where(load, x, state.acc)
    acc = torch.where(mul, acc * x, acc)
    acc = torch.where(add, acc + x, acc)
    acc = torch.where(sub, acc - x, acc)
    acc = torch.where(pop_add, state.mem + acc, acc)
    acc = torch.where(pop_sub, state.mem - acc, acc)
    pop = pop_add | pop_sub
    steps = state.steps + live.long()
    return Machine(
        acc=torch.where(push, 0, acc),
        acc_empty=(state.acc_empty & ~load) | push,
        mem=torch.where(push, state.acc, torch.where(pop, 0, state.mem)),
        mem_empty=(state.mem_empty & ~push) | pop,
        cursor=state.cursor + (load | mul | add | sub).long(),
        steps=steps,
        done=state.done | ans | (steps >= 2 * problems.length + 1),
        answered=state.answered | (ans & full),
    )


def run_programs(problems: Problems, actions: torch.Tensor) -> Machine:
    """Run a (B, T) batch of action ids through the torch machine."""
    return run_steps(step, problems, actions)


VIEWS = ("step", "start", "read")
"""What the agent reads: ``step``, the operators around its cursor and
its registers at every step; ``start``, the whole expression once, in
its first state; ``read``, the whole expression once and, at every
step, only whether its registers are empty (the reader's view,
:mod:`agentlib.agent.reader`)."""
NAMES = {"step": "expressions", "start": "expressions-start",
         "read": "expressions-read"}
"""The task's name under each view."""


class ExpressionTask:
    """Expressions behind the engine's task interface,
    :class:`agentlib.tasks.interface.Task`, read as ``view`` says."""

    tools = TOOLS
    stages = tuple(n - MIN_OPERANDS for n in TRAINED_LENGTHS)
    shapings = SHAPINGS
    reset, step = staticmethod(reset), staticmethod(step)
    score, is_correct = staticmethod(score), staticmethod(is_correct)
    defaults = {"use_stage": False, "curriculum": "mixed",
                "shaping": "terms", "entropy_coef": 0.05,
                "progress_scale": 1.0, "promote_threshold": 0.99,
                "gamma": 0.99, "stop_rule": "budget",
                "check_sampled": False, "batch_size": 512,
                "max_episodes": 110_000, "entropy_final": 0.0}
    """Changes to the book's training defaults (see ``config``). The
    fixed budget trains past the first greedy success, which settles
    the choice between ``PUSH`` and ``POP`` that decides long
    expressions; the discount makes a step that does nothing cost
    something; the entropy weight falls to 0 over the budget, so the
    sampled policy ends nearly as sure as the greedy one; batches of
    512 need fewer updates, so a run takes less time (chapter 9
    measures each)."""

    def __init__(self, view: str = "step"):
        """The task with the agent reading as ``view`` says."""
        self.view = check_choice("view", view, VIEWS)
        self.name = NAMES[view]
        self.start_token = NUM_TOOLS + 13
        self.num_tokens = self.start_token + 1
        self.max_context = START_CONTEXT
        self.num_obs = {"step": NUM_OBS, "start": 0,
                        "read": NUM_REGISTER_OBS}[view]
        self.held_out_lengths = (
            START_HELD_OUT_LENGTHS if view == "start" else HELD_OUT_LENGTHS)
        self.held_out_stages = tuple(
            n - MIN_OPERANDS for n in self.held_out_lengths)

    def sample_problems(self, stage: torch.Tensor, num: int,
                        generator: torch.Generator | None,
                        device: torch.device) -> Problems:
        """Training problems of (num,) stages, none longer than trained
        (unchecked: the engine makes the stages)."""
        return draw_problems(stage, num, generator, device,
                             horizon=budget(max(TRAINED_LENGTHS)))

    def horizon(self, problems: Problems) -> int:
        """Steps a rollout of ``problems`` runs."""
        return problems.horizon

    def observe(self, state: Machine, problems: Problems
                ) -> torch.Tensor | None:
        """What the agent reads this step: (B, 4) ids with the step
        view, (B, 2) register ids with the read view, else None."""
        if self.view == "read":
            return registers(state)
        return observe(state, problems) if self.view == "step" else None

    def context_tokens(self, problems: Problems
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, L) tokens of the first state and where they are real
        (L = 0 with the step view: the first state is the same for all;
        any length with the read view, whose reader has no position
        table)."""
        tokens, real = token_ids(problems)
        tokens = tokens + NUM_TOOLS  # after the action ids
        if self.view == "step":
            return tokens[:, :0], real[:, :0]
        if self.view == "start" and tokens.shape[1] > self.max_context:
            raise AgentlibError(
                f"the start view reads at most {self.max_context} tokens "
                f"(8 operands), got {tokens.shape[1]}")
        return tokens, real

    def evaluation_problems(self, num: int, seed: int,
                            device: str | torch.device = "cpu"
                            ) -> Problems:
        """``num`` held-out problems of each trained stage, from ``seed``."""
        return stage_by_stage(self.sample_problems, len(self.stages), num,
                              seed, device)

    def test_batches(self, num: int, seed: int,
                     device: str | torch.device = "cpu",
                     held_out: bool = False) -> list[Problems]:
        """One batch per length, trained or held out, as
        :func:`~agentlib.tasks.expression_problems.test_problems` makes
        it (about ``num`` problems; when ``num`` is 0, 10,000 up to 8
        operands and 2,000 beyond), drawn in turn from a generator
        seeded with ``seed``."""
        generator = torch.Generator(resolve_device(device)).manual_seed(seed)
        lengths = self.held_out_lengths if held_out else TRAINED_LENGTHS
        return [test_problems(n, num or default_test_size(n), generator,
                              device) for n in lengths]

    def parse_line(self, line: str) -> str:
        """The expression on ``line`` without spaces, else a one-line
        error."""
        parse(line)
        return line.replace(" ", "")

    def problems_from_text(self, lines: Sequence[str],
                           device: str | torch.device = "cpu"
                           ) -> Problems:
        """Batch expressions written as text, such as ``3*4+5-2*6``."""
        return problems_from_expressions(lines, device)


