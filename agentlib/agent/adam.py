"""Adam, written out: the optimiser of every run but a CUDA-graph one.

Adam (Kingma and Ba, 2015) keeps two running averages per weight, of
its gradient and of the gradient's square, and steps each weight by
the first over the square root of the second, both corrected for
their start at zero. This is the arithmetic of ``torch.optim.Adam``
on the CPU, op for op, so a run gives the same weights bit for bit,
which a test holds.

Why not ``torch.optim.Adam`` itself: on its first use it imports
``torch._dynamo``, the compiler, to keep compilation out of its step.
That takes about a second and 70 MB, as much as twenty updates of a
short run, which never compiles anything. A CUDA-graph run keeps
``torch.optim.Adam``, whose ``capturable`` step the graph records.
"""

from collections.abc import Iterable

import torch


class Adam:
    """Adam without weight decay or AMSGrad, as ``torch.optim.Adam``
    computes it (its single-tensor path, the CPU's)."""

    def __init__(self, params: Iterable[torch.nn.Parameter],
                 lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        """Optimise ``params`` with learning rate ``lr``."""
        self.param_groups = [{"params": list(params), "lr": lr,
                              "betas": betas, "eps": eps}]
        self.state: dict[torch.Tensor, dict] = {}
        """Per weight: ``step``, ``exp_avg`` and ``exp_avg_sq``, made
        at its first step (drop a weight's entry to restart it)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (or, with ``set_to_none=False``, zero
        them)."""
        for param in self.param_groups[0]["params"]:
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.detach_().zero_()

    @torch.no_grad()
    def step(self) -> None:
        """Step every weight that has a gradient."""
        group = self.param_groups[0]
        for param in group["params"]:
            if param.grad is not None:
                self.step_weight(param, param.grad, group)

    def step_weight(self, param: torch.Tensor, grad: torch.Tensor,
                    group: dict) -> None:
        """One Adam step of ``param``, in place."""
        (beta1, beta2), lr, eps = group["betas"], group["lr"], group["eps"]
        state = self.state.setdefault(param, {})
        if not state:
            state.update(step=0, exp_avg=torch.zeros_like(param),
                         exp_avg_sq=torch.zeros_like(param))
        state["step"] += 1
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        # critical for equal bits: these corrections are Python floats
        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2_sqrt = (1 - beta2 ** state["step"]) ** 0.5
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(exp_avg, denom, value=-(lr / bias_correction1))


Optimizer = Adam | torch.optim.Optimizer
"""What the engine steps: this Adam, or one of torch's (a CUDA graph's
capturable Adam, a test's SGD)."""
