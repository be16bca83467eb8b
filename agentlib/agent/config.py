"""The training config: the book's defaults, checked once, when made.

:class:`TrainConfig` is flat and passed whole, as nanoGPT passes its
config; every field has a docstring. Making one checks every field
(:func:`check_config`), so nothing downstream checks it again. Names
stay names here (``task``, ``device``): a run turns them into objects
once (:func:`agentlib.agent.train.start_run`).
"""

from dataclasses import dataclass
from typing import Literal

from agentlib.agent import a2c, curriculum, evaluate, open_loop
from agentlib.agent.curriculum import Curriculum
from agentlib.agent.model import ActorCriticConfig
from agentlib.agent.reader import (
    READ_VIEWS,
    READER_DEFAULTS,
    Encoder,
    HeadStep,
    MoveFrom,
    ReaderConfig,
)
from agentlib.errors import (
    AgentlibError,
    check_choice,
    check_count,
    check_flag,
    check_fraction,
    check_positive,
    check_seed,
    is_integer,
)
from agentlib.tasks import TASKS, TaskName, get_task

PolicyName = Literal["gru", "digit-blind", "open-loop", "reader"]
Shaping = Literal["none", "answer", "progress", "terms", "terms-invariant"]
"""Every task's shapings; each task accepts its own (``task.shapings``)."""
StopRule = Literal["sampled", "greedy", "budget"]
STOP_RULES = ("sampled", "greedy", "budget")
"""When training ends (:attr:`TrainConfig.stop_rule`)."""

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
    policy: PolicyName = "gru"
    """``gru`` (the agent), or for ablations ``digit-blind`` (the GRU
    without the context's digits) or ``open-loop`` (a table of logits
    per stage and step, :mod:`agentlib.agent.open_loop`); ``reader``
    reads the expression once and moves a read head over it
    (:mod:`agentlib.agent.reader`)."""
    encoder: Encoder = "local"
    """The reader's encoder (:attr:`ReaderConfig.encoder`)."""
    move_from: MoveFrom = "read"
    """What chooses the reader's move (:attr:`ReaderConfig.move_from`)."""
    head_step: HeadStep = "token"
    """How far a step of the reader's head goes
    (:attr:`ReaderConfig.head_step`)."""
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
    entropy_final: float | None = None
    """The entropy bonus's weight at the end of the budget: it falls in
    a straight line from ``entropy_coef`` to this over ``max_episodes``
    (:meth:`entropy_weight`); None keeps it at ``entropy_coef``."""
    max_grad_norm: float = 1.0
    """Gradients are clipped to this global norm."""
    baseline: a2c.Baseline = "value"
    """``value`` (the critic) or ``loo`` (leave-one-out group mean)."""
    group_size: int = 4
    """Episodes per problem when ``baseline`` is ``loo``."""
    shaping: Shaping = "progress"
    """``none``, ``answer`` (the article's) or ``progress``."""
    progress_scale: float = 1.5
    """Weight of the progress potential (``progress`` shaping only),
    chosen so that storing a*b+c and loading d*e (a mean return of 1.51
    at stage 2) pays more than the trap's premature answer (1.20), as
    chapter 5 computes."""
    wrong_cost: float = 0.0
    """Cost of a wrong answer (``progress`` shaping only); an ablation."""
    curriculum: Curriculum = "mastery"
    """``mastery`` (promote on accuracy, replay), ``fixed`` (the
    article's), or for ablations ``fixed-replay`` (the article's with
    replay), ``mixed`` (all stages at once) or ``last`` (stage 2
    alone)."""
    promote_threshold: float = 0.98
    """Held-out greedy accuracy that promotes to the next stage."""
    replay: float = 0.25
    """Share of each batch drawn from earlier stages (mastery only)."""
    stop_rule: StopRule = "sampled"
    """When training ends, at the latest after ``max_episodes``:
    ``sampled``, at the first evaluation, once the last stage is
    reached, where the sampled policy scores ``sampled_threshold`` on
    every stage trained on; ``greedy``, where the greedy policy scores
    ``stop_threshold`` (the rule of the book's first edition, which
    stops before the sampled policy is good: chapter 5 measures every
    rule); ``budget``, never before ``max_episodes``."""
    sampled_threshold: float = 0.97
    """Validation exact match of the sampled policy that the ``sampled``
    rule waits for on every stage."""
    check_sampled: bool = True
    """Score the sampled policy at every check, beside the greedy one
    (the ``sampled`` rule needs it; it costs about a fifth more time)."""
    stop_threshold: float = 1.0
    """Validation accuracy the ``greedy`` rule waits for on every
    stage; above 1, never: train for the whole budget."""
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
    task: TaskName = "arithmetic"
    """What the agent learns (:mod:`agentlib.tasks`): ``arithmetic``,
    the first task, or ``expressions`` (``expressions-start`` reads the
    expression once instead of as it acts)."""

    def __post_init__(self):
        """Check every field once, as the config is made."""
        check_config(self)

    def model_config(self) -> ActorCriticConfig:
        """The network's part of this config."""
        return ActorCriticConfig(
            d_model=self.d_model, use_stage=self.use_stage,
            allow_digit_actions=self.allow_digit_actions, task=self.task,
            reads_digits=self.policy != "digit-blind",
        )

    def reader_config(self) -> ReaderConfig:
        """The reader's part of this config (``policy="reader"``)."""
        return ReaderConfig(d_model=self.d_model, task=self.task,
                            encoder=self.encoder, move_from=self.move_from,
                            head_step=self.head_step)

    def entropy_weight(self, episodes: int) -> float:
        """The entropy bonus's weight after ``episodes`` training
        episodes: ``entropy_coef``, falling to ``entropy_final``."""
        if self.entropy_final is None:
            return self.entropy_coef
        done = min(episodes / self.max_episodes, 1.0)
        return self.entropy_coef + (self.entropy_final
                                    - self.entropy_coef) * done

    @property
    def num_updates(self) -> int:
        """Updates the episode budget allows."""
        return self.max_episodes // self.batch_size

    @classmethod
    def for_task(cls, task: str, **changes) -> "TrainConfig":
        """The defaults of ``task`` (its ``defaults`` over the book's,
        and the policy's over those), with ``changes``."""
        policy = changes.get("policy", cls.policy)
        return cls(task=task, **{**get_task(task).defaults,
                                 **POLICY_DEFAULTS.get(policy, {}),
                                 **changes})


POLICIES = ("gru", "digit-blind", "open-loop", "reader")
POLICY_DEFAULTS = {"reader": READER_DEFAULTS}
"""Changes a policy makes to its task's defaults (the reader's)."""
FINAL_EVAL_SEED = 10_000
"""The final evaluation draws its problems from ``seed + 10_000``."""
CHECK_SEED = 5_000
"""The checks draw their sampled programs from ``seed + 5_000``."""
COUNTS = ("d_model", "batch_size", "max_episodes", "eval_every",
          "eval_size")
FRACTIONS = ("gamma", "gae_lambda", "replay", "promote_threshold")
FLAGS = ("use_stage", "allow_digit_actions", "cuda_graph", "check_sampled")
READER_FIELDS = ("encoder", "move_from", "head_step")
"""The reader's own fields of :class:`TrainConfig`."""


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
    check_positive("sampled_threshold", config.sampled_threshold)
    check_positive("max_grad_norm", config.max_grad_norm)
    for name in ("entropy_coef", "value_coef", "progress_scale",
                 "wrong_cost"):
        check_positive(name, getattr(config, name), or_zero=True)
    if config.entropy_final is not None:
        check_positive("entropy_final", config.entropy_final, or_zero=True)
        if config.cuda_graph:  # a graph replays the weight it captured
            raise AgentlibError(
                "entropy_final changes the entropy weight at every "
                "update, which a CUDA graph cannot; use one or the other")


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


def check_policy_task(config: TrainConfig) -> None:
    """Raise unless the policy can act in the task: a table needs a
    fixed horizon; the reader reads expressions through their read
    view, which is its alone."""
    if config.policy == "open-loop":
        open_loop.check_task(config.task)
    if config.policy == "reader":
        if config.task not in READ_VIEWS:
            raise AgentlibError(f"the reader reads "
                                f"{', '.join(READ_VIEWS)}, not {config.task}")
        config.reader_config()  # checks the reader's own fields
        return
    if any(getattr(config, name) != getattr(ReaderConfig, name)
           for name in READER_FIELDS):  # not the reader's defaults
        raise AgentlibError(
            f"{', '.join(READER_FIELDS)} shape the reader only; policy "
            f"{config.policy!r} takes none of them")
    if config.task in READ_VIEWS.values():
        raise AgentlibError(
            f"task {config.task} is the reader's view; use "
            f"policy='reader' with its task")


def check_config(config: TrainConfig) -> TrainConfig:
    """Return ``config`` if its choices and sizes make sense, else raise
    (:class:`TrainConfig` runs it when made)."""
    check_choice("task", config.task, tuple(TASKS))
    check_choice("curriculum", config.curriculum, curriculum.CURRICULA)
    check_choice("shaping", config.shaping, get_task(config.task).shapings)
    check_choice("baseline", config.baseline, a2c.BASELINES)
    check_choice("policy", config.policy, POLICIES)
    check_choice("stop_rule", config.stop_rule, STOP_RULES)
    if config.stop_rule == "sampled" and not config.check_sampled:
        raise AgentlibError(
            "stop_rule 'sampled' reads the sampled policy's checks; set "
            "check_sampled=True or choose another stop_rule")
    check_policy_task(config)
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
