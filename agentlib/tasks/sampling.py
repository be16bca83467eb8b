"""Held-out problems, stage by stage, the same way for every task."""

from collections.abc import Callable

import torch

from agentlib.devices import resolve_device
from agentlib.errors import check_count, check_seed


def stage_by_stage(sample_problems: Callable, num_stages: int, num: int,
                   seed: int, device: str | torch.device = "cpu"):
    """``num`` problems of each stage 0 to ``num_stages - 1``, in stage
    order, drawn by ``sample_problems(stages, n, generator, device)``
    from a generator seeded with ``seed``."""
    device, num = resolve_device(device), check_count("num", num)
    generator = torch.Generator(device).manual_seed(check_seed(seed))
    stages = torch.arange(num_stages, device=device)
    stages = stages.repeat_interleave(num)  # (num_stages * num,)
    return sample_problems(stages, len(stages), generator, device)
