"""What a training run returns, and how it is reported to people."""

from dataclasses import dataclass, field

from agentlib.agent import evaluate
from agentlib.agent.config import TrainConfig
from agentlib.agent.policy import Policy


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    model: Policy
    """The trained agent."""
    accuracy: list[float]
    """Final greedy exact-match per trained stage on the test batches."""
    episodes: int
    """Training episodes taken."""
    updates: int
    """Updates taken."""
    seconds: float
    """Wall-clock seconds of the whole run, final scoring included."""
    device: str
    """Where it ran."""
    config: TrainConfig
    """The config it ran."""
    history: list[dict] = field(default_factory=list)
    """One record per update: ``update`` (from 1), ``episodes`` so far,
    ``stage`` (the curriculum's), ``stage_mix`` (share of each stage in
    the batch), ``reward`` (mean return), ``exact`` (sampled exact
    match), the losses and ``grad_norm``; every ``eval_every``-th also
    has ``accuracy`` and ``sampled``, the greedy and the sampled
    policy's exact match per stage on the validation problems.
    """
    held_out_accuracy: list[float] = field(default_factory=list)
    """The same on the stages never trained on (none in the first
    task)."""
    sampled_accuracy: list[float] = field(default_factory=list)
    """Exact match per trained stage of one program sampled from the
    policy per problem, on the same problems as ``accuracy``."""
    held_out_sampled: list[float] = field(default_factory=list)
    """The same on the held-out stages, beside ``held_out_accuracy``."""
    train_seconds: float = 0.0
    """The part of ``seconds`` spent training, before the final
    scores."""

    @property
    def final_return(self) -> float:
        """Mean return of the sampled training episodes of the last
        ``eval_every`` updates, under the configured shaping."""
        last = self.history[-self.config.eval_every:]
        return sum(record["reward"] for record in last) / max(len(last), 1)

    def summary(self) -> dict:
        """The JSON-ready numbers: accuracy, budget used, device, seed."""
        return {
            **self.scores(), "sampled": [
                round(a, 6) for a in self.sampled_accuracy],
            "mean_return": round(self.final_return, 4),
            "episodes": self.episodes,
            "updates": self.updates, "seconds": round(self.seconds, 3),
            "train_seconds": round(self.train_seconds, 3),
            "device": self.device, "seed": self.config.seed,
            "shaping": self.config.shaping,
            "curriculum": self.config.curriculum,
            "cuda_graph": self.config.cuda_graph,
        }

    def scores(self) -> dict:
        """The accuracies; by number of operands in the expression
        task, with the held-out lengths as ``generalization``."""
        task = self.model.task
        if not task.held_out_stages:
            return {"accuracy": self.accuracy}
        return {"task": task.name, "accuracy": by_length(
            task.stages, self.accuracy), "generalization": by_length(
            task.held_out_stages, self.held_out_accuracy),
            "generalization_sampled": by_length(
                task.held_out_stages, self.held_out_sampled)}


def by_length(stages: tuple[int, ...], accuracy: list[float]) -> dict:
    """Accuracies keyed by the number of operands (stage + 2)."""
    return {str(stage + 2): round(value, 6)
            for stage, value in zip(stages, accuracy, strict=True)}


def final_problems(result: TrainResult) -> str:
    """What the final accuracy was measured on, in words."""
    size = result.config.final_eval_size
    return "every context" if size == evaluate.EVERY else (
        f"{size:,} fresh problems")


def length_table(result: TrainResult) -> str:
    """Exact match by number of operands, greedy and sampled, the
    lengths never trained on marked."""
    scores = result.scores()
    lines = [f"{'operands':>8} {'greedy':>8} {'sampled':>8}"]
    for key, sampled, note in (
            ("accuracy", result.sampled_accuracy, ""),
            ("generalization", result.held_out_sampled, "  never trained")):
        for (n, greedy), rate in zip(scores[key].items(), sampled,
                                     strict=True):
            lines.append(f"{n:>8} {greedy:>8.2%} {rate:>8.2%}{note}")
    return "\n".join(lines)


def print_summary(result: TrainResult) -> None:
    """Print the final accuracies and the budget used, for people."""
    accuracy = " / ".join(f"{a:.2%}" for a in result.accuracy)
    sampled = " / ".join(f"{a:.2%}" for a in result.sampled_accuracy)
    if not result.model.task.held_out_stages:
        print(f"greedy exact match on {final_problems(result)} per "
              f"stage: {accuracy}\nsampled policy's exact match: "
              f"{sampled}\nmean return of the last sampled batches: "
              f"{result.final_return:.3f}")
    else:
        print(length_table(result))
    print(
        f"{result.episodes:,} episodes, {result.updates} updates, "
        f"{result.seconds:.1f} s on {result.device}, seed "
        f"{result.config.seed}, shaping {result.config.shaping}, "
        f"curriculum {result.config.curriculum}"
    )
