"""Training end to end: sample, roll out, update, evaluate, promote, stop.

:func:`train` runs a :class:`~agentlib.agent.config.TrainConfig` (the
book's defaults unless told otherwise) and returns a
:class:`~agentlib.agent.result.TrainResult`: the trained agent, its
exact match per stage, greedy and sampled, and a per-update history for
learning curves. It reads top to bottom as CleanRL's scripts do; the
CUDA-graph path (:func:`replay_update`) and an experiment's early stop
(``stop``) are helpers it calls. Nothing here names a task: the task
comes from the agent (``model.task``).
"""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from agentlib.agent import a2c, curriculum, evaluate, open_loop, reader
from agentlib.agent.adam import Adam, Optimizer
from agentlib.agent.config import CHECK_SEED, FINAL_EVAL_SEED, TrainConfig
from agentlib.agent.graphs import GraphedUpdate
from agentlib.agent.model import ActorCritic
from agentlib.agent.policy import Policy
from agentlib.agent.result import TrainResult
from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError
from agentlib.progress import LiveProgress, describe_record
from agentlib.tasks import Problems, Task
from agentlib.threads import cpu_threads

__all__ = ["FINAL_EVAL_SEED", "Run", "TrainConfig", "TrainResult",
           "make_agent", "make_score", "sample_batch", "start_run",
           "train", "train_live", "train_step"]


@dataclass
class Run:
    """One training run's objects, resolved once, and its stage."""

    config: TrainConfig
    task: Task
    device: torch.device
    model: Policy
    optimizer: Optimizer
    generator: torch.Generator
    held_out: Problems
    """The curriculum's checks: ``eval_size`` validation problems per
    stage, drawn afresh but from the same contexts as training."""
    checks: torch.Generator
    """Draws the sampled policy's programs at the checks, apart from the
    training generator, so that checking changes no training run."""
    stage: int
    """The curriculum's current stage."""
    graphs: dict[int, GraphedUpdate] = field(default_factory=dict)
    """One captured update per stage, with ``cuda_graph``."""


Stop = Callable[[Run, dict], bool]
"""An experiment's early stop: called with the run and each evaluated
record; True ends training there."""


def train(config: TrainConfig | None = None,
          callback: Callable[[dict], None] | None = None,
          stop: Stop | None = None) -> TrainResult:
    """Train the agent; call ``callback`` with each evaluated record
    (every ``eval_every`` updates), for live progress."""
    config, start = config or TrainConfig(), time.perf_counter()
    with cpu_threads():
        run = start_run(config)
        history, pending = [], []
        for update in range(1, config.num_updates + 1):
            run.stage = scheduled_stage(run, update)
            if config.cuda_graph:  # the two steps below, replayed
                info = replay_update(run)
            else:
                problems = sample_batch(config, run.task, run.stage,
                                        run.generator, run.device)
                info = train_step(run.model, run.optimizer, config,
                                  problems, run.generator,
                                  episodes=(update - 1) * config.batch_size)
            pending.append({"update": update,
                            "episodes": update * config.batch_size,
                            "stage": run.stage, **info})
            if update % config.eval_every:
                continue
            pending[-1].update(check(run))
            history, pending = history + to_python(pending), []
            if callback is not None:
                callback(history[-1])
            done = mastered(run, history[-1])
            run.stage = promoted_stage(run, history[-1]["accuracy"])
            # the stop hook sees every evaluation, the last one too
            if (stop is not None and stop(run, history[-1])) or done:
                break
        history += to_python(pending)
        return final_result(run, history, start)


def make_agent(
    config: TrainConfig, device: torch.device
) -> tuple[Policy, Optimizer]:
    """A model seeded by ``config.seed`` on ``device``, and its Adam
    (:mod:`agentlib.agent.adam`'s, or torch's for a CUDA graph)."""
    torch.manual_seed(config.seed)
    if config.policy == "open-loop":
        model = open_loop.OpenLoopPolicy(
            open_loop.OpenLoopConfig(config.task)).to(device)
    elif config.policy == "reader":
        model = reader.Reader(config.reader_config()).to(device)
    else:
        model = ActorCritic(config.model_config()).to(device)
    if config.cuda_graph:  # a graph records torch's capturable step
        return model, torch.optim.Adam(model.parameters(), lr=config.lr,
                                       capturable=True)
    return model, Adam(model.parameters(), lr=config.lr)


def start_run(config: TrainConfig) -> Run:
    """Resolve the device, build the agent (which resolves its task),
    seed the generator and draw the curriculum's held-out problems."""
    device = resolve_device(config.device)
    if config.cuda_graph and device.type != "cuda":
        raise AgentlibError(
            f"cuda_graph needs a CUDA device; this run is on {device}"
        )
    model, optimizer = make_agent(config, device)
    task = model.task
    generator = torch.Generator(device).manual_seed(config.seed)
    held_out = task.evaluation_problems(config.eval_size, config.seed + 1,
                                        device)
    stage = curriculum.first_stage(config.curriculum, task.stages)
    checks = torch.Generator(device).manual_seed(config.seed + CHECK_SEED)
    return Run(config, task, device, model, optimizer, generator, held_out,
               checks, stage)


def scheduled_stage(run: Run, update: int) -> int:
    """The stage of update ``update`` (from 1): the article's schedule,
    or the stage the curriculum has reached."""
    config = run.config
    if config.curriculum in curriculum.SCHEDULED:
        return curriculum.fixed_stage(update - 1, config.num_updates)
    return run.stage


def sample_batch(
    config: TrainConfig, task: Task, stage: int,
    generator: torch.Generator | None, device: torch.device,
) -> Problems:
    """The next batch of problems, grouped when the baseline needs it."""
    group = config.group_size if config.baseline == "loo" else 1
    num = config.batch_size // group
    stages = curriculum.batch_stages(
        config.curriculum, stage, num, config.replay, generator, device,
        stages=task.stages,
    )
    problems = task.sample_problems(stages, num, generator, device)
    return a2c.repeat_problems(problems, group) if group > 1 else problems


def make_score(config: TrainConfig, task: Task) -> a2c.Score:
    """The score function of the configured reward shaping."""
    return functools.partial(
        task.score, shaping=config.shaping,
        progress_scale=config.progress_scale, wrong_cost=config.wrong_cost,
    )


def train_step(
    model: Policy, optimizer: Optimizer,
    config: TrainConfig, problems: Problems,
    generator: torch.Generator | None, episodes: int = 0,
) -> dict:
    """Roll out one batch, take one update; return tensor metrics."""
    batch = a2c.rollout(
        model, problems, make_score(config, model.task),
        generator=generator,
    )
    loss, info = a2c.a2c_loss(
        batch, gamma=config.gamma, value_coef=config.value_coef,
        entropy_coef=config.entropy_weight(episodes), baseline=config.baseline,
        group_size=config.group_size, gae_lambda=config.gae_lambda,
        n_step=config.n_step,
    )
    info["grad_norm"] = a2c.update(model, optimizer, loss,
                                   config.max_grad_norm)
    info["reward"] = batch.reward.sum(1).mean()  # mean return
    info["exact"] = batch.correct.float().mean()
    info["stage_mix"] = evaluate.stage_one_hot(
        problems.stage, len(model.task.stages)).mean(0)
    return info


def replay_update(run: Run) -> dict:
    """One update at the run's stage, replayed from a CUDA graph
    captured on the stage's first updates. Its random numbers come from
    CUDA's default generator (``None`` below), not the run's."""
    stage = run.stage
    if stage not in run.graphs:

        def update() -> dict:
            problems = sample_batch(run.config, run.task, stage, None,
                                    run.device)
            return train_step(run.model, run.optimizer, run.config,
                              problems, None)

        run.graphs[stage] = GraphedUpdate(update, run.optimizer)
    return run.graphs[stage]()


def to_python(records: list[dict]) -> list[dict]:
    """Replace tensor values by floats or lists, one host sync for all."""
    if not records:
        return []
    keys = [k for k, v in records[0].items() if torch.is_tensor(v)]
    flat = torch.stack([
        torch.cat([record[k].float().flatten() for k in keys])
        for record in records
    ])  # (num_records, num_numbers)
    out = []
    for record, row in zip(records, flat.tolist(), strict=True):
        record = dict(record)
        for k in keys:
            size = record[k].numel()
            value, row = row[:size], row[size:]
            record[k] = value[0] if record[k].dim() == 0 else value
        out.append(record)
    return out


def check(run: Run) -> dict:
    """Exact match per stage on the validation problems: ``accuracy``
    of the greedy policy and, with ``check_sampled``, ``sampled`` of
    one program drawn from it."""
    problems = run.held_out
    record = {"accuracy": evaluate.greedy_accuracy(run.model, problems)}
    if run.config.check_sampled:
        sampled = evaluate.sampled_correct(run.model, problems, run.checks)
        record["sampled"] = evaluate.accuracy_by_stage(
            sampled, problems.stage, len(run.task.stages))
    return record


def mastered(run: Run, record: dict) -> bool:
    """True once the last stage is reached and every stage trained on
    meets the stop rule at this check: the sampled policy's exact match
    at least ``sampled_threshold`` (``sampled``), or the greedy
    policy's at least ``stop_threshold`` (``greedy``)."""
    config = run.config
    if config.stop_rule == "budget":
        return False
    if config.stop_rule == "sampled":
        return meets(run, record, "sampled", config.sampled_threshold)
    return meets(run, record, "accuracy", config.stop_threshold)


def meets(run: Run, record: dict, key: str, level: float) -> bool:
    """True once the last stage is reached and every stage trained on
    scores at least ``level`` on the check ``record[key]`` (``accuracy``
    greedy, ``sampled`` sampled)."""
    stages = run.task.stages
    if run.stage != max(stages):
        return False
    trained = curriculum.trained_stages(run.config.curriculum, stages)
    return min(record[key][stage] for stage in trained) >= level


def promoted_stage(run: Run, accuracy: list[float]) -> int:
    """The stage after an evaluation: promoted under ``mastery`` when
    the current stage's accuracy passes the threshold."""
    if run.config.curriculum != "mastery":
        return run.stage
    return curriculum.promote(run.stage, accuracy[run.stage],
                              run.config.promote_threshold, run.task.stages)


def final_result(run: Run, history: list[dict], start: float
                 ) -> TrainResult:
    """Score the trained agent on the task's test batches, greedy and
    sampled, and the held-out stages; wrap up the run begun at
    ``start`` (a ``time.perf_counter()``)."""
    config, trained = run.config, time.perf_counter() - start
    seed, num = FINAL_EVAL_SEED + config.seed, config.final_eval_size
    # each sampled score draws from its own generator, seeded with seed
    accuracy, sampled = evaluate.test_scores(run.model, num, seed)
    held_out, held_out_sampled = evaluate.test_scores(
        run.model, num, seed, held_out=True)
    return TrainResult(
        model=run.model, episodes=len(history) * config.batch_size,
        updates=len(history), device=str(run.held_out.stage.device),
        config=config, seconds=time.perf_counter() - start,
        train_seconds=trained, history=history, accuracy=accuracy,
        held_out_accuracy=held_out, sampled_accuracy=sampled,
        held_out_sampled=held_out_sampled,
    )


def train_live(label: str = "", task: str = "arithmetic",
               **changes) -> TrainResult:
    """Train ``task``'s defaults with ``changes``, showing live progress
    (one updating line in a notebook) that starts with ``label``."""
    prefix = f"{label}: " if label else ""
    progress = LiveProgress(lambda record: prefix + describe_record(record))
    result = train(TrainConfig.for_task(task, **changes), callback=progress)
    progress.close()
    return result
