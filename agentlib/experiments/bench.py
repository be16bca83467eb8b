"""Throughput, side by side: the article's loop against the batched engine.

Three figures, each in episodes per second of stage 2 (the longest
episodes): machine throughput scores random six-tool programs with no
network; rollout throughput samples actions from the policy and scores
the episodes without learning; training throughput runs full updates.
Each is the median of repeated timings after a warm-up, measured in one
process so that the ratios are fair, and the command takes the median
of each over several whole runs, so that a burst of load on a shared
machine moves none of them. On a GPU the command also checks that one
rollout and one update make no host-device synchronisation, and with
``--compile`` it times a ``torch.compile``-d rollout beside the eager
one. It also measures the arithmetic ceiling of any rollout (see
:mod:`agentlib.experiments.ceiling`), and says which performance targets hold.
``python -m agentlib bench``.
"""

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from unittest import mock

import torch

from agentlib.agent import a2c
from agentlib.agent.train import (
    TrainConfig,
    make_agent,
    make_score,
    train_step,
)
from agentlib.article import original
from agentlib.devices import (
    device_arg,
    resolve_device,
)
from agentlib.errors import AgentlibError
from agentlib.experiments import ceiling, measured
from agentlib.experiments.bench_report import (
    ARTICLE_BATCH,
    MATMUL_KEYS,
    STAGE,
    format_table,
    summarise,
    targets,
)
from agentlib.tasks import arithmetic

RATE_KEYS = ("machine_eps", "rollout_eps", "train_eps")
"""A row's three rates, in the order the ``*_rates`` functions give."""
SCALAR_KEYS = (*MATMUL_KEYS.values(), "mean_steps")


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that timings cover it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def episodes_per_second(
    run: Callable[[], None], episodes: int, device: torch.device,
    repeats: int = 5,
) -> float:
    """Median rate of ``run`` (which plays ``episodes``) after a warm-up."""
    run()
    rates = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        run()
        synchronize(device)
        rates.append(episodes / (time.perf_counter() - start))
    return statistics.median(rates)


ARTICLE_TOOLS = (original.MUL, original.ADD, original.SUB, original.ANS,
                 original.STO, original.RCL)


def article_machine(art: original.Article, batch: int) -> None:
    """Score ``batch`` random six-tool programs, one episode at a time."""
    rng = art.env.rng
    for _ in range(batch):
        _, _, abc = art.env.sample(STAGE)
        actions = [rng.choice(ARTICLE_TOOLS) for _ in range(6)]
        art.env.step_seq(actions, abc, STAGE)


def engine_machine(
    batch: int, generator: torch.Generator, device: torch.device
) -> None:
    """Score ``batch`` random six-tool programs as one tensor batch."""
    problems = arithmetic.sample_problems(STAGE, batch, generator, device)
    shape = (batch, arithmetic.MAX_STEPS)
    actions = torch.randint(0, arithmetic.NUM_TOOLS, shape,
                            generator=generator, device=device)
    arithmetic.is_correct(arithmetic.run_programs(problems, actions), problems)


def article_rates(batch: int, device: torch.device, repeats: int):
    """(machine, rollout, train) episodes/s of the article's loop."""
    art = original.make_article(seed=0, device=str(device))

    def rollout() -> None:
        with torch.no_grad():
            original.run_batch(art, STAGE, batch, train=False)

    def update() -> None:
        original.run_batch(art, STAGE, batch, train=True)

    return (episodes_per_second(lambda: article_machine(art, batch), batch,
                                device, repeats),
            episodes_per_second(rollout, batch, device, repeats),
            episodes_per_second(update, batch, device, repeats))


def engine_rates(batch: int, device: torch.device, repeats: int):
    """(machine, rollout, train) episodes/s of the batched engine."""
    config = TrainConfig(batch_size=batch, device=str(device))
    model, optimizer = make_agent(config, device)
    generator = torch.Generator(device).manual_seed(0)
    score = make_score(config, model.task)

    def problems() -> arithmetic.Problems:
        return arithmetic.sample_problems(STAGE, batch, generator, device)

    def rollout() -> None:
        with torch.no_grad():
            a2c.rollout(model, problems(), score, generator=generator)

    def update() -> None:
        train_step(model, optimizer, config, problems(), generator)

    def machine() -> None:
        engine_machine(batch, generator, device)

    return (episodes_per_second(machine, batch, device, repeats),
            episodes_per_second(rollout, batch, device, repeats),
            episodes_per_second(update, batch, device, repeats))


def step_loop_syncs(device: torch.device) -> str | None:
    """None if a rollout and an update run without a host-device sync
    (CUDA only, else None); otherwise the first sync's message."""
    if device.type != "cuda":
        return None
    config = TrainConfig(batch_size=ARTICLE_BATCH, device=str(device))
    model, optimizer = make_agent(config, device)
    generator = torch.Generator(device).manual_seed(0)
    problems = arithmetic.sample_problems(STAGE, ARTICLE_BATCH, generator,
                                          device)
    train_step(model, optimizer, config, problems, generator)  # warm-up
    torch.cuda.synchronize(device)
    with warnings.catch_warnings():
        # it warns, once, that it is a prototype that misses some syncs
        warnings.simplefilter("ignore", UserWarning)
        torch.cuda.set_sync_debug_mode("error")
    try:
        train_step(model, optimizer, config, problems, generator)
    except RuntimeError as error:
        return str(error).splitlines()[0]
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return None


@contextlib.contextmanager
def empty_compiler_caches() -> Iterator[None]:
    """Compile as on a fresh machine: Inductor gets an empty cache folder
    (and, on torch versions with the helper, forgets its memory caches),
    so that compile times are not those of a warm cache."""
    with tempfile.TemporaryDirectory() as folder:
        try:  # a private helper, so torch may move it
            from torch._inductor.runtime.cache_dir_utils import (
                temporary_cache_dir,
            )
            empty = temporary_cache_dir(folder)
        except ImportError:
            empty = mock.patch.dict(os.environ,
                                    {"TORCHINDUCTOR_CACHE_DIR": folder})
        with empty:
            yield


@contextlib.contextmanager
def torch_internal_deprecations_ignored() -> Iterator[None]:
    """Hide the deprecation that torch.compile's own code raises (it
    calls ``torch.jit.script_method``); agentlib never calls it."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", r"`torch\.jit\.script_method` is deprecated",
            DeprecationWarning)
        yield


def compiled_rollout_rate(
    batch: int, device: torch.device, repeats: int, cold: bool = True
) -> tuple[float | str, float]:
    """Rollout episodes/s with ``torch.compile`` (the error if it fails),
    and the seconds its first call took to compile, from empty caches
    when ``cold``. Each call samples new problems, as the eager rate's
    do; the compiled rollout draws its actions from torch's global
    generator."""
    config = TrainConfig(batch_size=batch, device=str(device))
    model, _ = make_agent(config, device)
    generator = torch.Generator(device).manual_seed(0)
    score = make_score(config, model.task)

    def rollout() -> None:
        problems = arithmetic.sample_problems(STAGE, batch, generator, device)
        with torch.no_grad():
            compiled(model, problems, score)

    start = time.perf_counter()
    try:  # torch.compile itself fails on some Python and torch versions
        with empty_compiler_caches() if cold else contextlib.nullcontext(), \
                torch_internal_deprecations_ignored():
            # critical: forget earlier compilations, or each new model
            # adds one to the function's cache until torch falls back to
            # eager code
            torch.compiler.reset()
            compiled = torch.compile(a2c.rollout, dynamic=False)
            rollout()  # compiles
        seconds = time.perf_counter() - start
        with torch_internal_deprecations_ignored():
            rate = episodes_per_second(rollout, batch, device, repeats)
        return rate, seconds
    except Exception as error:  # a compiler failure is a finding here
        message = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        return message, time.perf_counter() - start


def gru_matmul_gflops(
    device: str | torch.device, dtype: str | torch.dtype = torch.float32,
    d_model: int = TrainConfig.d_model, batch: int = 4096,
    repeats: int = 20,
) -> float:
    """GFLOP/s of (batch, d) @ (d, 3d), the GRU's recurrent product for
    a whole batch, in ``dtype`` on ``device``: the speed behind the
    arithmetic ceiling."""
    device, dtype = resolve_device(device), ceiling.check_dtype(dtype)
    if min(d_model, batch, repeats) < 1:
        raise AgentlibError("d_model, batch and repeats must be positive")
    generator = torch.Generator(device).manual_seed(0)
    h = torch.randn(batch, d_model, generator=generator, device=device)
    weights = torch.randn(d_model, 3 * d_model, generator=generator,
                          device=device)
    h, weights = h.to(dtype), weights.to(dtype)
    rows_per_second = episodes_per_second(lambda: h @ weights, batch,
                                          device, repeats)
    return rows_per_second * ceiling.recurrent_flops(d_model) / 1e9


def arithmetic_ceiling(device: torch.device) -> dict:
    """The figures behind the rollout's arithmetic ceiling on
    ``device`` (see :mod:`agentlib.experiments.ceiling`), keyed as stored: the
    product's best speed over the engine's large batches."""
    # batches under 4,096 time kernel launches on a GPU, not arithmetic
    batches = [batch for batch in default_batches(device)[1]
               if batch >= 4096] or [4096]
    figures = {key: max(gru_matmul_gflops(device, name, batch=batch)
                        for batch in batches)
               for name, key in MATMUL_KEYS.items()}
    figures["mean_steps"] = ceiling.mean_steps(device, STAGE)
    return figures


def default_batches(device: torch.device) -> tuple[list, list]:
    """Batch sizes for (the article's loop, the engine) on ``device``."""
    if device.type == "cuda":
        return [ARTICLE_BATCH, 1024], [ARTICLE_BATCH, 4096, 65536, 1 << 20]
    return [ARTICLE_BATCH, 1024], [ARTICLE_BATCH, 1024, 4096, 16384]


def measure_once(
    device: torch.device, repeats: int, compile_too: bool,
    cold: bool = True,
) -> dict:
    """One run's figures: a row of rates per implementation and batch,
    the sync check, the arithmetic and (optionally) compiled rates,
    compiled from empty caches when ``cold``."""
    article_batches, engine_batches = default_batches(device)
    rows = []
    for name, rates, batches in (("article", article_rates, article_batches),
                                 ("engine", engine_rates, engine_batches)):
        for batch in batches:
            rows.append({"impl": name, "batch": batch,
                         **dict(zip(RATE_KEYS, rates(batch, device, repeats),
                                    strict=True))})
    figures = {"rows": rows, "step_loop_syncs": step_loop_syncs(device),
               **arithmetic_ceiling(device)}
    if compile_too:
        compiled = {batch: compiled_rollout_rate(batch, device, repeats,
                                                 cold)
                    for batch in engine_batches}
        figures["compiled_rollout_eps"] = {
            batch: rate for batch, (rate, _) in compiled.items()}
        figures["compile_seconds"] = {
            batch: seconds for batch, (_, seconds) in compiled.items()}
    return figures


def median_figure(values: list[float | str]) -> float | str:
    """The median of one figure over runs; an error message if a run
    gave one instead of a number."""
    errors = [value for value in values if isinstance(value, str)]
    return errors[0] if errors else statistics.median(values)


def combine(runs: list[dict]) -> dict:
    """The figures of several runs of :func:`measure_once`, each the
    median over the runs; any sync found in any run is kept, and the
    compile times are the first run's, the one compiled cold."""
    rows = [{**row, **{key: statistics.median(run["rows"][index][key]
                                              for run in runs)
                       for key in RATE_KEYS}}
            for index, row in enumerate(runs[0]["rows"])]
    syncs = [run["step_loop_syncs"] for run in runs if run["step_loop_syncs"]]
    figures = {"rows": rows, "step_loop_syncs": syncs[0] if syncs else None}
    for key in SCALAR_KEYS:
        figures[key] = statistics.median(run[key] for run in runs)
    if "compiled_rollout_eps" in runs[0]:
        figures["compiled_rollout_eps"] = {
            batch: median_figure([run["compiled_rollout_eps"][batch]
                                  for run in runs])
            for batch in runs[0]["compiled_rollout_eps"]}
        figures["compile_seconds"] = runs[0]["compile_seconds"]  # cold
    return figures


def measure(
    device: torch.device, repeats: int = 5, compile_too: bool = False,
    runs: int = 1,
) -> dict:
    """Every figure, the median of ``runs`` runs, with the speed-ups and
    the targets, as one JSON-ready dict."""
    # compile from empty caches once: later runs would find them warm
    figures = combine([measure_once(device, repeats, compile_too,
                                    cold=run == 0)
                       for run in range(runs)])
    result = {**summarise(figures.pop("rows"), device, repeats),
              "runs": runs, **figures}
    result["targets"] = [{"target": text, "met": met}
                         for text, met in targets(result)]
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib bench``."""
    parser.add_argument("--device", default="auto", type=device_arg)
    parser.add_argument("--repeats", type=int, default=5,
                        help="timings per figure; the median is reported")
    parser.add_argument("--runs", type=int, default=3,
                        help="whole runs; each figure is the median over "
                             "them (default: %(default)s)")
    parser.add_argument("--compile", action="store_true",
                        help="also time a torch.compile-d rollout")
    parser.add_argument("--out", metavar="PATH",
                        help="also write every figure as JSON")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line of every figure")


def command(args: argparse.Namespace) -> int:
    """Run the benchmark and print the table (and JSON)."""
    if args.repeats < 1 or args.runs < 1:
        raise AgentlibError("--repeats and --runs must be at least 1")
    if args.out:
        measured.check_out_path(args.out)
    result = measure(resolve_device(args.device), args.repeats,
                     args.compile, args.runs)
    print(format_table(result))
    if args.json:  # before saving: a failed save loses nothing printed
        print(json.dumps(result))
    if args.out:
        measured.save(result, args.out)
    return 0
