"""Training end to end: curriculum, rollouts, updates, evaluation.

:func:`train` runs the book's defaults (:class:`TrainConfig`) and
returns the trained model, its greedy exact-match accuracy per stage on
every one of the first task's contexts (the sampled policy's beside
it), and a per-update history for learning curves.
``python -m agentlib train`` runs it from the command line. The task
(:mod:`agentlib.tasks`) is a config field; nothing here names one.
"""

import argparse
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from agentlib.agent import a2c, checkpoint, curriculum, evaluate, open_loop
from agentlib.agent.graphs import GraphedUpdate
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.devices import device_arg, resolve_device
from agentlib.errors import (
    AgentlibError,
    check_count,
    check_flag,
    check_fraction,
    check_positive,
    check_seed,
    is_integer,
)
from agentlib.progress import LiveProgress, describe_record
from agentlib.tasks import TASKS, arithmetic, get_task
from agentlib.threads import cpu_threads


@dataclass
class TrainConfig:
    """The book's defaults; every field can be changed for an ablation."""

    seed: int = 0
    """Seeds the weights, the problems and the sampled actions."""
    device: str = "auto"
    """``cpu``, ``cuda`` or ``auto`` (CUDA when present)."""
    d_model: int = 64
    """Width of the GRU agent (see :class:`ActorCriticConfig`)."""
    use_stage: bool = True
    """Give the agent a stage embedding; False infers it from length."""
    allow_digit_actions: bool = False
    """Let the policy emit digits as no-op actions (an ablation)."""
    policy: str = "gru"
    """``gru`` (the agent), or for ablations ``digit-blind`` (the GRU
    without the context's digits) or ``open-loop`` (a table of logits
    per stage and step, :mod:`agentlib.agent.open_loop`)."""
    batch_size: int = 256
    """Episodes per update."""
    lr: float = 3e-3
    """Adam's learning rate."""
    gamma: float = 1.0
    """Discount; episodes are at most six steps, so none is needed."""
    gae_lambda: float = 1.0
    """GAE's lambda: 1 gives Monte-Carlo returns (REINFORCE with the
    critic as baseline); below 1 the returns bootstrap from the critic
    (:func:`agentlib.agent.a2c.lambda_returns`)."""
    n_step: int = 0
    """0 for whole-episode returns; n >= 1 bootstraps from the critic
    n steps on, as A2C does (:func:`agentlib.agent.a2c.n_step_returns`).
    """
    value_coef: float = 0.5
    """Weight of the critic's loss."""
    entropy_coef: float = 0.15
    """Weight of the entropy bonus. High on purpose: at 0.01 the stage-2
    choice after ``MUL ADD`` collapses before ``STO`` is ever tried."""
    max_grad_norm: float = 1.0
    """Gradients are clipped to this global norm."""
    baseline: str = "value"
    """``value`` (the critic) or ``loo`` (leave-one-out group mean)."""
    group_size: int = 4
    """Episodes per problem when ``baseline`` is ``loo``."""
    shaping: str = "progress"
    """``none``, ``answer`` (the article's) or ``progress``."""
    progress_scale: float = 1.5
    """Weight of the progress potential (``progress`` shaping only),
    chosen so that storing a*b+c and loading d*e (a mean return of 1.51
    at stage 2) pays more than the trap's premature answer (1.20), as
    chapter 5 computes."""
    wrong_cost: float = 0.0
    """Cost of a wrong answer (``progress`` shaping only); an ablation."""
    curriculum: str = "mastery"
    """``mastery`` (promote on accuracy, replay), ``fixed`` (the
    article's), or for ablations ``fixed-replay`` (the article's with
    replay), ``mixed`` (all stages at once) or ``last`` (stage 2
    alone)."""
    promote_threshold: float = 0.98
    """Held-out greedy accuracy that promotes to the next stage."""
    replay: float = 0.25
    """Share of each batch drawn from earlier stages (mastery only)."""
    stop_threshold: float = 1.0
    """Stop once every stage's held-out accuracy reaches this; above 1,
    never: train for the whole budget."""
    max_episodes: int = 300_000
    """Training budget in episodes."""
    eval_every: int = 10
    """Updates between held-out evaluations."""
    eval_size: int = 1_000
    """Held-out problems per stage for those evaluations."""
    final_eval_size: int = evaluate.EVERY
    """Problems per stage for the final accuracy: 0 for every problem
    where the task can list them (the first task's 111,000 contexts),
    else that many fresh ones (quicker, for tests)."""
    cuda_graph: bool = False
    """Replay each update from a CUDA graph (CUDA only; see
    :mod:`agentlib.agent.graphs`). Its random numbers come from
    CUDA's default generator, so its runs differ from eager ones of the
    same seed."""
    task: str = "arithmetic"
    """What the agent learns (:mod:`agentlib.tasks`): ``arithmetic``,
    the first task, or ``expressions`` (``expressions-start`` reads the
    expression once instead of as it acts)."""

    def model_config(self) -> ActorCriticConfig:
        """The network's part of this config."""
        return ActorCriticConfig(
            self.d_model, self.use_stage, self.allow_digit_actions,
            self.task, reads_digits=self.policy != "digit-blind",
        )

    @property
    def num_updates(self) -> int:
        """Updates the episode budget allows."""
        return self.max_episodes // self.batch_size

    @classmethod
    def for_task(cls, task: str, **changes) -> "TrainConfig":
        """The defaults of ``task`` (its ``defaults`` over the book's),
        with ``changes``."""
        return cls(task=task, **{**get_task(task).defaults, **changes})


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    model: ActorCritic
    accuracy: list[float]
    """Final greedy exact-match per trained stage on fresh problems."""
    episodes: int
    updates: int
    seconds: float
    device: str
    config: TrainConfig
    history: list[dict] = field(default_factory=list)
    """One record per update: ``update`` (from 1), ``episodes`` so far,
    ``stage`` (the curriculum's), ``stage_mix`` (share of each stage in
    the batch), ``reward`` (mean return), ``exact`` (sampled exact
    match), the losses and ``grad_norm``; every ``eval_every``-th also
    has ``accuracy``, greedy exact match per stage on held-out problems.
    """
    held_out_accuracy: list[float] = field(default_factory=list)
    """The same on the stages never trained on (none in the first
    task)."""
    sampled_accuracy: list[float] = field(default_factory=list)
    """Exact match per trained stage of one program sampled from the
    policy per problem, on the same problems as ``accuracy``."""

    def summary(self) -> dict:
        """The JSON-ready numbers: accuracy, budget used, device, seed."""
        return {
            **self.scores(), "sampled": [
                round(a, 6) for a in self.sampled_accuracy],
            "episodes": self.episodes,
            "updates": self.updates, "seconds": round(self.seconds, 3),
            "device": self.device, "seed": self.config.seed,
            "shaping": self.config.shaping,
            "curriculum": self.config.curriculum,
            "cuda_graph": self.config.cuda_graph,
        }

    def scores(self) -> dict:
        """The accuracies; by number of operands in the expression
        task, with the held-out lengths as ``generalization``."""
        task = get_task(self.config.task)
        if not task.held_out_stages:
            return {"accuracy": self.accuracy}
        return {"task": task.name, "accuracy": by_length(
            task.stages, self.accuracy), "generalization": by_length(
            task.held_out_stages, self.held_out_accuracy)}


def by_length(stages: tuple[int, ...], accuracy: list[float]) -> dict:
    """Accuracies keyed by the number of operands (stage + 2)."""
    return {str(stage + 2): round(value, 6)
            for stage, value in zip(stages, accuracy, strict=True)}


def check_choice(name: str, value: str, choices: tuple) -> str:
    """Return ``value`` if it is one of ``choices``, else raise."""
    if value not in choices:
        raise AgentlibError(
            f"unknown {name} {value!r}; use one of {', '.join(choices)}"
        )
    return value


POLICIES = ("gru", "digit-blind", "open-loop")
FINAL_EVAL_SEED = 10_000
"""The final evaluation draws its problems from ``seed + 10_000``."""
COUNTS = ("d_model", "batch_size", "max_episodes", "eval_every",
          "eval_size")
FRACTIONS = ("gamma", "gae_lambda", "replay", "promote_threshold")
FLAGS = ("use_stage", "allow_digit_actions", "cuda_graph")


def check_numbers(config: TrainConfig) -> None:
    """Raise unless sizes are positive integers and weights in range."""
    for name in COUNTS:
        check_count(name, getattr(config, name))
    for name in FLAGS:
        check_flag(name, getattr(config, name))
    for name in FRACTIONS:
        check_fraction(name, getattr(config, name))
    check_positive("lr", config.lr)
    check_n_step(config)
    if config.final_eval_size != evaluate.EVERY:
        check_count("final_eval_size", config.final_eval_size)
    check_positive("stop_threshold", config.stop_threshold)
    check_positive("max_grad_norm", config.max_grad_norm)
    for name in ("entropy_coef", "value_coef", "progress_scale",
                 "wrong_cost"):
        check_positive(name, getattr(config, name), or_zero=True)


def check_n_step(config: TrainConfig) -> None:
    """Raise unless ``n_step`` is an integer >= 0, and not combined
    with a ``gae_lambda`` below 1 (one bootstrap at a time)."""
    if not is_integer(config.n_step) or config.n_step < 0:
        raise AgentlibError(
            f"n_step must be an integer >= 0, got {config.n_step!r}")
    if config.n_step and config.gae_lambda != 1:
        raise AgentlibError(
            f"n_step {config.n_step} and gae_lambda {config.gae_lambda} "
            f"both bootstrap; set one of them (n_step=0 or gae_lambda=1)")


def check_budget(config: TrainConfig) -> None:
    """Raise unless the budget allows at least one held-out evaluation."""
    if config.num_updates < config.eval_every:
        raise AgentlibError(
            f"max_episodes {config.max_episodes} gives "
            f"{config.num_updates} updates of batch_size "
            f"{config.batch_size}; at least one update and one evaluation "
            f"(every {config.eval_every} updates) are needed"
        )


def check_config(config: TrainConfig) -> TrainConfig:
    """Return ``config`` if its choices and sizes make sense, else raise."""
    check_choice("task", config.task, tuple(TASKS))
    check_choice("curriculum", config.curriculum, curriculum.CURRICULA)
    check_choice("shaping", config.shaping, get_task(config.task).shapings)
    check_choice("baseline", config.baseline, a2c.BASELINES)
    check_choice("policy", config.policy, POLICIES)
    if config.policy == "open-loop":
        open_loop.check_task(config.task)
    check_seed(config.seed, room=FINAL_EVAL_SEED)
    if config.use_stage and get_task(config.task).held_out_stages:
        raise AgentlibError(
            f"task {config.task} scores stages it never trains on, which "
            f"a stage embedding cannot read; use use_stage=False (as "
            f"TrainConfig.for_task({config.task!r}) does)"
        )
    check_numbers(config)
    check_budget(config)
    if config.baseline == "loo":
        a2c.check_group_size(config.group_size, config.batch_size)
    return config


def make_score(config: TrainConfig) -> a2c.Score:
    """The score function of the configured reward shaping."""
    return functools.partial(
        get_task(config.task).score, shaping=config.shaping,
        progress_scale=config.progress_scale, wrong_cost=config.wrong_cost,
    )


def sample_batch(
    config: TrainConfig, stage: int, generator: torch.Generator,
    device: torch.device,
) -> arithmetic.Problems:
    """The next batch of problems, grouped when the baseline needs it."""
    task = get_task(config.task)
    group = config.group_size if config.baseline == "loo" else 1
    num = config.batch_size // group
    stages = curriculum.batch_stages(
        config.curriculum, stage, num, config.replay, generator, device,
        task.stages,
    )
    problems = task.sample_problems(stages, num, generator, device)
    return a2c.repeat_problems(problems, group) if group > 1 else problems


def train_step(
    model: ActorCritic, optimizer: torch.optim.Optimizer,
    config: TrainConfig, problems: arithmetic.Problems,
    generator: torch.Generator,
) -> dict:
    """Roll out one batch, take one update; return tensor metrics."""
    batch = a2c.rollout(
        model, problems, make_score(config), generator=generator
    )
    loss, info = a2c.a2c_loss(
        batch, config.gamma, config.value_coef, config.entropy_coef,
        config.baseline, config.group_size, config.gae_lambda,
        config.n_step,
    )
    info["grad_norm"] = a2c.update(model, optimizer, loss,
                                   config.max_grad_norm)
    info["reward"] = batch.reward.sum(1).mean()  # mean return
    info["exact"] = batch.correct.float().mean()
    info["stage_mix"] = evaluate.stage_one_hot(
        problems.stage, len(model.task.stages)).mean(0)
    return info


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


@dataclass
class Run:
    """Everything one training run changes as it goes."""

    config: TrainConfig
    model: ActorCritic
    optimizer: torch.optim.Optimizer
    generator: torch.Generator
    held_out: object
    """The held-out problems of the curriculum's checks."""
    stage: int = 0
    mastered: bool = False
    history: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)
    """Records whose tensors are not yet copied to the host."""
    graphs: dict[int, GraphedUpdate] = field(default_factory=dict)
    """One captured update per stage, with ``cuda_graph``."""


def make_agent(
    config: TrainConfig, device: torch.device
) -> tuple[ActorCritic, torch.optim.Optimizer]:
    """A model seeded by ``config.seed`` on ``device``, and its Adam."""
    torch.manual_seed(config.seed)
    if config.policy == "open-loop":
        model = open_loop.OpenLoopPolicy(
            open_loop.OpenLoopConfig(config.task)).to(device)
    else:
        model = ActorCritic(config.model_config()).to(device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=config.lr, capturable=config.cuda_graph
    )
    return model, optimizer


def start_run(config: TrainConfig) -> Run:
    """Seed everything and build the model, optimiser and held-out set."""
    device = resolve_device(config.device)
    if config.cuda_graph and device.type != "cuda":
        raise AgentlibError(
            f"cuda_graph needs a CUDA device; this run is on {device}"
        )
    model, optimizer = make_agent(config, device)
    generator = torch.Generator(device).manual_seed(config.seed)
    held_out = evaluate.evaluation_problems(
        config.eval_size, config.seed + 1, device, config.task
    )
    stages = model.task.stages
    return Run(config, model, optimizer, generator, held_out,
               stage=curriculum.first_stage(config.curriculum, stages))


def run_update(run: Run, update: int) -> None:
    """Take update number ``update`` (from 1) and keep its record."""
    config = run.config
    if config.curriculum in curriculum.SCHEDULED:
        run.stage = curriculum.fixed_stage(update - 1, config.num_updates)
    info = take_update(run)
    episodes = update * config.batch_size
    run.pending.append(
        {"update": update, "episodes": episodes, "stage": run.stage, **info}
    )


def update_at_stage(
    run: Run, stage: int, generator: torch.Generator | None
) -> dict:
    """Sample a batch at ``stage`` and take one update; its metrics."""
    device = run.held_out.stage.device
    problems = sample_batch(run.config, stage, generator, device)
    return train_step(run.model, run.optimizer, run.config, problems,
                      generator)


def take_update(run: Run) -> dict:
    """One update at the run's stage: eager, or replayed from a CUDA
    graph captured on the stage's first updates."""
    if not run.config.cuda_graph:
        return update_at_stage(run, run.stage, run.generator)
    if run.stage not in run.graphs:
        # None: graphs draw from CUDA's default generator
        update = functools.partial(update_at_stage, run, run.stage, None)
        run.graphs[run.stage] = GraphedUpdate(update, run.optimizer)
    return run.graphs[run.stage]()


def run_evaluation(run: Run) -> dict:
    """Score the held-out set, promote or stop; return the last record."""
    accuracy = evaluate.greedy_accuracy(run.model, run.held_out)
    run.pending[-1]["accuracy"] = accuracy
    run.history += to_python(run.pending)
    run.pending = []
    stages = run.model.task.stages
    trained = curriculum.trained_stages(run.config.curriculum, stages)
    run.mastered = run.stage == max(stages) and min(
        accuracy[stage] for stage in trained
    ) >= run.config.stop_threshold
    if run.config.curriculum == "mastery":
        run.stage = curriculum.promote(
            run.stage, accuracy[run.stage], run.config.promote_threshold,
            stages,
        )
    return run.history[-1]


def train_until(run: Run, update: int, stop: Callable[[dict], bool]
                ) -> tuple[int, dict | None]:
    """Take updates after number ``update`` until an evaluation's record
    satisfies ``stop`` or the budget ends; the last update and record."""
    config, record = run.config, None
    while update < config.num_updates:
        update += 1
        run_update(run, update)
        if update % config.eval_every == 0:
            record = run_evaluation(run)
            if stop(record):
                break
    return update, record


def train(
    config: TrainConfig | None = None,
    callback: Callable[[dict], None] | None = None,
) -> TrainResult:
    """Train the agent; call ``callback`` with each evaluated record
    (every ``eval_every`` updates), for live progress."""
    config = check_config(config or TrainConfig())
    with cpu_threads():
        return train_checked(config, callback)


def train_checked(
    config: TrainConfig, callback: Callable[[dict], None] | None
) -> TrainResult:
    """:func:`train` on a checked config, under the thread policy."""
    start = time.perf_counter()
    run = start_run(config)

    def stop(record: dict) -> bool:
        if callback is not None:
            callback(record)
        return run.mastered

    train_until(run, 0, stop)
    run.history += to_python(run.pending)
    seed = FINAL_EVAL_SEED + config.seed
    accuracy = evaluate.test_accuracy(run.model, config.final_eval_size,
                                      seed)
    held_out = evaluate.test_accuracy(run.model, config.final_eval_size,
                                      seed, held_out=True)
    sampled = evaluate.test_accuracy(run.model, config.final_eval_size,
                                     seed, sampled=True)
    device = str(run.held_out.stage.device)
    return TrainResult(
        run.model, accuracy, len(run.history) * config.batch_size,
        len(run.history), time.perf_counter() - start, device, config,
        run.history, held_out, sampled,
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


def final_problems(result: TrainResult) -> str:
    """What the final accuracy was measured on, in words."""
    size = result.config.final_eval_size
    return "every context" if size == evaluate.EVERY else (
        f"{size:,} fresh problems")


def print_summary(result: TrainResult) -> None:
    """Print the final accuracies and the budget used, for people."""
    accuracy = " / ".join(f"{a:.2%}" for a in result.accuracy)
    sampled = " / ".join(f"{a:.2%}" for a in result.sampled_accuracy)
    if not get_task(result.config.task).held_out_stages:
        print(f"greedy exact match on {final_problems(result)} per "
              f"stage: {accuracy}\nsampled policy's exact match: "
              f"{sampled}")
    else:
        scores = result.scores()
        for key in ("accuracy", "generalization"):
            print(f"greedy exact match ({key}), by operands: " + ", ".join(
                f"{n}: {a:.2%}" for n, a in scores[key].items()))
    print(
        f"{result.episodes:,} episodes, {result.updates} updates, "
        f"{result.seconds:.1f} s on {result.device}, seed "
        f"{result.config.seed}, shaping {result.config.shaping}, "
        f"curriculum {result.config.curriculum}"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib train``."""
    parser.add_argument("--task", default=TrainConfig.task,
                        choices=tuple(TASKS),
                        help="what to learn (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of weights, problems and actions")
    parser.add_argument("--device", default="auto", type=device_arg,
                        help="where to train (default: auto)")
    shapings = dict.fromkeys(s for t in TASKS.values() for s in t.shapings)
    parser.add_argument("--shaping", choices=tuple(shapings),
                        help="reward shaping (default: the task's, "
                        "progress for arithmetic, terms for expressions)")
    parser.add_argument("--curriculum", choices=curriculum.CURRICULA,
                        help="stage schedule (default: the task's, "
                        "mastery for arithmetic, mixed for expressions)")
    parser.add_argument("--batch-size", type=int,
                        default=TrainConfig.batch_size,
                        help="episodes per update (default: %(default)s)")
    parser.add_argument("--max-episodes", type=int,
                        default=TrainConfig.max_episodes,
                        help="training budget (default: %(default)s)")
    parser.add_argument("--cuda-graph", action="store_true",
                        help="replay each update from a CUDA graph")
    parser.add_argument("--save", metavar="PATH",
                        help="save the trained agent there (checked first)")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON: the summary")


def command(args: argparse.Namespace) -> int:
    """Train with the parsed flags and report the accuracies."""
    chosen = {"shaping": args.shaping, "curriculum": args.curriculum}
    config = TrainConfig.for_task(
        args.task, seed=args.seed, device=args.device,
        max_episodes=args.max_episodes, batch_size=args.batch_size,
        cuda_graph=args.cuda_graph,
        **{k: v for k, v in chosen.items() if v is not None},
    )
    check_config(config)
    if args.save:
        checkpoint.check_save_path(args.save)
    progress = LiveProgress(every_seconds=1.0)
    result = train(config, callback=progress)
    progress.close()
    print_summary(result)
    if args.json:
        print(json.dumps(result.summary()))
    if args.save:
        checkpoint.save(result.model, args.save)
    return 0
