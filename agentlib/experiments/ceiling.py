"""The fastest rollout any implementation of the network could reach.

A bound from arithmetic, not from code: count the work no
implementation of the agent can skip, and divide the device's speed at
that work by it. The rule: anything that depends on the weights alone
may be computed once, ahead of time, but nothing that depends on the
problem (a table per context would only move the work). Each step of
each episode multiplies the GRU state ``h`` (d), which depends on the
problem, by the three gates' recurrent weights (d, 3d): 6 d^2
floating-point operations, a multiply and an add per weight. The
gates' input side reads one of ``NUM_TOKENS`` tokens, so its products
fit in a table made from the weights alone; an engine could drop
episodes once they end, so only the steps episodes take count; and the
heads, small beside the GRU, are left out, which only raises the
ceiling. The speed is the product's best over large batches, timed by
``bench.gru_matmul_gflops``, so the bound is only as tight as that is
close to the device's peak (on the book's CPU, close). Used by
``python -m agentlib bench``.
"""

import torch

from agentlib.agent import a2c
from agentlib.agent.train import TrainConfig, make_agent, make_score
from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
"""The precisions the bound is given for, by name."""


def check_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """The torch dtype for a name in ``DTYPES`` or one of its values."""
    if isinstance(dtype, str) and dtype in DTYPES:
        return DTYPES[dtype]
    if dtype in DTYPES.values():
        return dtype
    raise AgentlibError(f"dtype must be one of {', '.join(DTYPES)}, "
                        f"got {dtype!r}")


def recurrent_flops(d_model: int = TrainConfig.d_model) -> int:
    """FLOPs of one GRU step's recurrent product, (d) @ (d, 3d)."""
    return 2 * d_model * 3 * d_model


def mean_steps(
    device: str | torch.device, stage: int = 2, batch: int = 4096
) -> float:
    """Steps an episode of the benchmarked rollout takes on average:
    the book's untrained agent, seed 0, sampling, on ``stage``."""
    device, stage = resolve_device(device), arithmetic.check_stage(stage)
    if batch < 1:
        raise AgentlibError(f"batch must be positive, got {batch}")
    config = TrainConfig(device=str(device))
    model, _ = make_agent(config, device)
    generator = torch.Generator(device).manual_seed(0)
    problems = arithmetic.sample_problems(stage, batch, generator, device)
    with torch.no_grad():
        rollout = a2c.rollout(model, problems, make_score(config, model.task),
                              generator=generator)
    return rollout.mask.sum(1).mean().item()


def ceiling_eps(
    gflops: float, steps: float, d_model: int = TrainConfig.d_model
) -> float:
    """Episodes/s of a rollout that did nothing but its unavoidable
    products at ``gflops``, ``steps`` steps an episode.

    >>> round(ceiling_eps(24.576, 2.0, d_model=64))
    500000
    """
    return gflops * 1e9 / (steps * recurrent_flops(d_model))
