"""The benchmark's report: speed-ups over the article's loop, the
performance targets, and the aligned table that
:mod:`agentlib.experiments.bench` prints (also for stored figures)."""

import torch

from agentlib.devices import describe_device
from agentlib.experiments import ceiling

ARTICLE_BATCH = 192  # the article's training batch
STAGE = 2  # the longest episodes
SPEEDUP_TARGET = 100  # rollout over the article's loop, on a CPU
GPU_RATE_TARGET = 1_000_000  # rollout episodes/s at large batch, on a GPU
MATMUL_KEYS = {"float32": "gru_matmul_gflops",
               "bfloat16": "gru_matmul_gflops_bf16"}
"""Where a result keeps the recurrent product's speed, per precision."""


def summarise(rows: list[dict], device: torch.device, repeats: int) -> dict:
    """Add best-against-best and same-batch speed-ups to the rows."""
    def best(impl: str, key: str) -> float:
        return max(r[key] for r in rows if r["impl"] == impl)

    def at(impl: str, key: str) -> float:
        return next(r[key] for r in rows
                    if r["impl"] == impl and r["batch"] == ARTICLE_BATCH)

    return {
        **describe_device(device), "repeats": repeats, "stage": STAGE,
        "rows": rows,
        "machine_speedup": best("engine", "machine_eps")
        / best("article", "machine_eps"),
        "rollout_speedup": best("engine", "rollout_eps")
        / best("article", "rollout_eps"),
        "train_speedup": best("engine", "train_eps")
        / best("article", "train_eps"),
        "rollout_speedup_same_batch": at("engine", "rollout_eps")
        / at("article", "rollout_eps"),
        "train_speedup_same_batch": at("engine", "train_eps")
        / at("article", "train_eps"),
        "article_machine_eps": best("article", "machine_eps"),
        "engine_machine_eps": best("engine", "machine_eps"),
        "article_rollout_eps": best("article", "rollout_eps"),
        "engine_rollout_eps": best("engine", "rollout_eps"),
        "article_train_eps": best("article", "train_eps"),
        "engine_train_eps": best("engine", "train_eps"),
    }


def ceiling_speedups(result: dict) -> dict[str, float]:
    """Per precision, the ceiling's rate over the article's loop; empty
    for results stored before the ceiling was measured."""
    if "mean_steps" not in result:
        return {}
    return {name: ceiling.ceiling_eps(result[key], result["mean_steps"])
            / result["article_rollout_eps"]
            for name, key in MATMUL_KEYS.items() if key in result}


def targets(result: dict) -> list[tuple[str, bool]]:
    """The performance targets for the result's device: (text, met)."""
    if not result["device"].startswith("cuda"):
        speedup = result["rollout_speedup"]
        return [(f"rollout at least {SPEEDUP_TARGET}x the article's "
                 f"loop on a CPU: {speedup:.0f}x",
                 speedup >= SPEEDUP_TARGET)]
    rate = result["engine_rollout_eps"]
    found = [(f"at least {GPU_RATE_TARGET:,} rollout episodes/s on a "
              f"GPU: {rate:,.0f}", rate >= GPU_RATE_TARGET)]
    if "step_loop_syncs" in result:  # None: checked, and none found
        syncs = result["step_loop_syncs"]
        found.append(("no host-device sync in a rollout or an update: "
                      f"{syncs or 'none'}", syncs is None))
    return found


def format_rows(result: dict) -> list[str]:
    """The machine, then one aligned line per implementation and batch."""
    num_runs = result.get("runs", 1)  # files stored before runs: one
    over_runs = f", then of {num_runs} runs" if num_runs > 1 else ""
    lines = [f"device {result['device']} ({result['name']}), "
             f"{result['threads']} threads, torch {result['torch']}, "
             f"stage {result['stage']}, median of {result['repeats']} "
             f"timings{over_runs}",
             f"{'impl':8} {'batch':>8} {'machine ep/s':>14} "
             f"{'rollout ep/s':>14} {'train ep/s':>12}"]
    for row in result["rows"]:
        lines.append(f"{row['impl']:8} {row['batch']:>8,} "
                     f"{row['machine_eps']:>14,.0f} "
                     f"{row['rollout_eps']:>14,.0f} "
                     f"{row['train_eps']:>12,.0f}")
    return lines


def format_arithmetic(result: dict) -> list[str]:
    """The recurrent product's speed and the ceiling it sets, as far as
    the result holds them."""
    lines = [f"a matrix product of the GRU's shape, {name}: "
             f"{result[key]:,.0f} GFLOP/s"
             for name, key in MATMUL_KEYS.items() if key in result]
    speedups = ceiling_speedups(result)
    if speedups:
        lines.append(
            f"arithmetic ceiling of any rollout at "
            f"{result['mean_steps']:.2f} steps an episode: "
            + ", ".join(f"{speedup:,.0f}x the article's loop in {name}"
                        for name, speedup in speedups.items()))
    return lines


def format_compiled(result: dict) -> list[str]:
    """One line per batch timed with ``torch.compile``, if any."""
    compile_seconds = result.get("compile_seconds", {})
    lines = []
    for batch, rate in result.get("compiled_rollout_eps", {}).items():
        text = f"{rate:,.0f} ep/s" if isinstance(rate, float) else rate
        if batch in compile_seconds:
            text += f" (compiled in {compile_seconds[batch]:.1f} s)"
        lines.append(f"torch.compile rollout at batch {int(batch):,}: "
                     f"{text}")
    return lines


def format_table(result: dict) -> str:
    """The rows as an aligned text table, the speed-ups, the arithmetic
    and compiled figures, then each target and whether it is met."""
    speedups = (
        f"machine speed-up {result['machine_speedup']:.0f}x, "
        f"rollout speed-up {result['rollout_speedup']:.0f}x "
        f"(same batch {result['rollout_speedup_same_batch']:.1f}x), "
        f"train speed-up {result['train_speedup']:.0f}x "
        f"(same batch {result['train_speedup_same_batch']:.1f}x)")
    goals = [f"target: {text}, {'met' if met else 'not met'}"
             for text, met in targets(result)]
    return "\n".join([*format_rows(result), speedups,
                      *format_arithmetic(result), *format_compiled(result),
                      *goals])
