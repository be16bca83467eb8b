"""Evaluation: greedy exact-match accuracy per stage, batched.

The one number the book reports: the share of problems whose greedy
program answers exactly the stated target, no partial credit. The
final score of the first task runs every one of its 111,000 contexts
(:func:`test_accuracy` with ``EVERY``); the sampled policy's exact
match is reported beside it. Curriculum checks use fresh samples. The
problems come from the policy's task (``model.task``).
"""

from collections.abc import Sequence

import torch

from agentlib.agent.a2c import Rollout, take_rows
from agentlib.agent.model import NUM_DIGITS
from agentlib.agent.policy import Policy, device_of
from agentlib.errors import check_count, check_seed
from agentlib.tasks import Problems
from agentlib.tasks.machine import Machine

NUM_EVAL = 10_000
"""Held-out problems per stage where a caller samples them."""
EVERY = 0
"""``num`` that asks a task for its every problem where it can list
them (the first task: all 111,000 contexts), else its default sample."""


@torch.inference_mode()  # no_grad, and no autograd bookkeeping at all
def play(model: Policy, problems: Problems, greedy: bool = False,
         generator: torch.Generator | None = None,
         until_done: bool = False) -> torch.Tensor:
    """(B,) True where the episode answered the stated target.

    The episodes of :func:`~agentlib.agent.a2c.rollout`, action for
    action, with nothing scored on the way: no reward, log-probability,
    entropy or value (:meth:`Policy.act`), which a score never needs.
    With ``until_done`` it ends once :func:`all_done`, since later steps
    change no state; greedy only, as a sampled step draws numbers.
    """
    task = model.task
    state = task.reset(problems)
    h = model.initial_state(problems)
    action = model.start_action(len(problems), device_of(model))
    for _ in range(task.horizon(problems)):
        action, h = model.act(h, action, greedy, generator,
                              task.observe(state, problems))
        state = task.step(state, problems, action)
        if until_done and all_done(state):
            break
    return task.is_correct(state, problems)


def all_done(state: Machine) -> bool:
    """True once every episode has ended. Critical: read on a CPU only,
    where it costs nothing; reading a GPU's flags would make Python
    wait for the device, which the engine never does."""
    return state.done.device.type == "cpu" and bool(state.done.all())


def greedy_correct(model: Policy, problems: Problems
                   ) -> torch.Tensor:
    """(B,) True where the greedy program answers the stated target."""
    return play(model, problems, greedy=True, until_done=True)


def sampled_correct(model: Policy, problems: Problems,
                    generator: torch.Generator) -> torch.Tensor:
    """(B,) True where one program drawn from the policy is exact."""
    return play(model, problems, generator=generator)


def stage_one_hot(stage: torch.Tensor, num_stages: int) -> torch.Tensor:
    """(B, S) float rows, 1.0 in each problem's stage column."""
    stages = torch.arange(num_stages, device=stage.device)
    return (stage[:, None] == stages).double()


def accuracy_by_stage(
    correct: torch.Tensor, stage: torch.Tensor, num_stages: int,
) -> list[float | None]:
    """Mean of (B,) ``correct`` for each stage; None for a stage with no
    problems, which has no accuracy (not 0%)."""
    one_hot = stage_one_hot(stage, num_stages)  # (B, S)
    hits = (one_hot * correct[:, None]).sum(0)
    counts = one_hot.sum(0)
    rates = hits / counts.clamp(min=1)
    # one host sync for all stages
    return [rate if count else None
            for rate, count in zip(rates.tolist(), counts.tolist(),
                                   strict=True)]


def greedy_accuracy(model: Policy, problems: Problems) -> list[float]:
    """Greedy exact-match per trained stage on the given problems.

    On a CPU each stage is played as a batch of its own: a batch ends
    once its episodes have (:func:`all_done`), so short problems no
    longer wait for the longest stage's. A row's arithmetic does not
    depend on the rows beside it, so the scores are the same (a test
    holds them equal); a GPU plays the one batch, which never ends
    early.
    """
    num_stages = len(model.task.stages)
    if problems.stage.device.type != "cpu":
        return accuracy_by_stage(greedy_correct(model, problems),
                                 problems.stage, num_stages)
    correct = torch.zeros_like(problems.stage, dtype=torch.bool)
    for stage in problems.stage.unique().tolist():
        rows = (problems.stage == stage).nonzero().squeeze(1)
        correct[rows] = greedy_correct(model, take_rows(problems, rows))
    return accuracy_by_stage(correct, problems.stage, num_stages)


def test_accuracy(model: Policy, num: int = EVERY,
                  seed: int = 12_345, held_out: bool = False,
                  sampled: bool = False) -> list[float]:
    """Exact match per stage on the task's test batches (``num`` per
    stage, or with ``EVERY`` all of them): its trained stages, or with
    ``held_out`` the stages never trained on. Greedy, or with
    ``sampled`` one episode drawn from the policy per problem."""
    batches, stages = test_set(model, num, seed, held_out)
    return batch_accuracy(model, batches, stages,
                          check_seed(seed) if sampled else None)


def test_scores(model: Policy, num: int = EVERY, seed: int = 12_345,
                held_out: bool = False
                ) -> tuple[list[float], list[float]]:
    """:func:`test_accuracy` greedy and sampled, on test batches drawn
    once for both."""
    batches, stages = test_set(model, num, seed, held_out)
    return (batch_accuracy(model, batches, stages),
            batch_accuracy(model, batches, stages, check_seed(seed)))


def test_set(model: Policy, num: int, seed: int, held_out: bool
             ) -> tuple[list[Problems], tuple[int, ...]]:
    """The task's test batches for ``num`` and ``seed`` (checked), and
    the stages they score."""
    if isinstance(num, bool) or num != EVERY:
        check_count("num", num)
    task = model.task
    stages = task.held_out_stages if held_out else task.stages
    return task.test_batches(num, check_seed(seed), device_of(model),
                             held_out), stages


def batch_accuracy(model: Policy, batches: list[Problems],
                   stages: tuple[int, ...], sample_seed: int | None = None
                   ) -> list[float]:
    """Exact match per stage of ``stages`` over ``batches``: greedy, or
    with ``sample_seed`` one episode per problem, drawn in turn from a
    generator seeded with it."""
    generator = None if sample_seed is None else torch.Generator(
        device_of(model)).manual_seed(sample_seed)
    correct, index = [], []
    for problems in batches:
        correct.append(greedy_correct(model, problems) if generator is None
                       else sampled_correct(model, problems, generator))
        index.append(stage_index(problems.stage, stages))
    return accuracy_by_stage(torch.cat(correct), torch.cat(index),
                             len(stages)) if correct else []


def stage_index(stage: torch.Tensor, stages: tuple[int, ...]
                ) -> torch.Tensor:
    """(B,) the position of each problem's stage in ``stages``, which
    need not be consecutive (held-out lengths 6, 8, 16, ...)."""
    lookup = torch.zeros(max(stages) + 1, dtype=torch.long,
                         device=stage.device)
    lookup[list(stages)] = torch.arange(len(stages), device=stage.device)
    return lookup[stage]


def accuracy_per_stage(
    model: Policy, num: int = NUM_EVAL, seed: int = 12_345
) -> list[float]:
    """Greedy exact-match on ``num`` fresh problems of each stage
    (``EVERY``: on all of them)."""
    return test_accuracy(model, num, seed)


def decode_programs(batch: Rollout, tools: Sequence[str]
                    ) -> list[list[str]]:
    """Each episode's actions as names, up to and including ANS (digit
    actions, an ablation, follow the ``tools`` as ``0`` to ``9``)."""
    names = (*tools, *map(str, range(NUM_DIGITS)))
    return [
        [names[a] for a, taken in zip(actions, mask, strict=True)
         if taken]
        for actions, mask in zip(
            batch.action.tolist(), batch.mask.tolist(), strict=True
        )
    ]
