"""Whole training updates replayed from CUDA graphs.

On a GPU, one update at the book's batch of 256 episodes is a few
thousand tiny kernels, and launching them from Python costs far more
than running them. A CUDA graph records the kernels of one whole update
(sampling the batch, the rollout, the losses, the backward pass,
clipping and Adam's step) once, and then replays them with one launch.

The recipe is PyTorch's "whole-network capture" (CUDA semantics notes):
warm up eagerly on a side stream, set the gradients to None so that the
captured backward pass allocates them, and keep Adam's step count on the
device (``capturable=True``). Random numbers come from CUDA's default
generator, whose offset every replay advances, so each replay draws new
problems and new actions.
"""

from collections.abc import Callable

import torch

WARMUP_UPDATES = 3
"""Eager updates before a capture, so that lazy state (Adam's moments,
cuBLAS workspaces, autograd's buffers) exists before recording."""

Update = Callable[[], dict[str, torch.Tensor]]
"""Takes one update in place; returns its metrics as device tensors."""


def on_side_stream(update: Update) -> dict[str, torch.Tensor]:
    """Run ``update`` eagerly on a side stream, as warm-up must."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        outputs = update()
    torch.cuda.current_stream().wait_stream(side)
    return outputs


class GraphedUpdate:
    """An update taken eagerly a few times, then captured and replayed."""

    def __init__(self, update: Update, optimizer: torch.optim.Optimizer):
        """Wrap ``update``, which steps ``optimizer``; capture it later."""
        self.update = update
        self.optimizer = optimizer
        self.warmups_left = WARMUP_UPDATES
        self.graph = None
        self.outputs: dict[str, torch.Tensor] = {}

    def capture(self) -> None:
        """Record one update; nothing runs until the first replay."""
        # critical: grads must be None, so backward allocates them in
        # the graph's memory pool, where every replay writes them
        self.optimizer.zero_grad(set_to_none=True)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.outputs = self.update()

    def __call__(self) -> dict[str, torch.Tensor]:
        """Take one update; return its metrics as fresh tensors."""
        if self.warmups_left > 0:
            self.warmups_left -= 1
            return on_side_stream(self.update)
        if self.graph is None:
            self.capture()
        self.graph.replay()
        # the graph overwrites its outputs on every replay
        return {name: value.clone() for name, value in self.outputs.items()}
