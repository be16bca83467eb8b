"""Controls for the trap measurement: what promotion hands stage 2.

When the curriculum promotes its agent to stage 2, the agent brings
three things from stages 0 and 1: the shortcuts its policy head
prefers, a low entropy (it has learned to be sure of them), and the
optimiser's warm moments. A slow stage 2 after promotion may come from
any of them. Two controls take one away each, at the promotion:

* ``head-reset``: the policy head's weights drawn afresh, and its
  Adam moments cleared; the GRU, the embeddings and the critic stay.
* ``entropy-restored``: the policy head's weights scaled down until
  the policy's mean entropy on stage-2 problems is the fresh agent's
  again; its preferences keep their order, and Adam is untouched.
"""

import torch

from agentlib.agent.a2c import masked_mean, rollout
from agentlib.agent.policy import Policy
from agentlib.tasks import Problems

CONTROLS = ("none", "head-reset", "entropy-restored")
"""What happens at the promotion to stage 2."""
BISECTIONS = 30
"""Halvings of the scale interval: the entropy is met to 1e-9 of it."""


@torch.no_grad()
def mean_entropy(model: Policy, problems: Problems, seed: int = 0
                 ) -> float:
    """The policy's mean entropy over the steps its sampled episodes
    take on ``problems`` (steps after the end not counted)."""
    generator = torch.Generator(problems.stage.device).manual_seed(seed)
    batch = rollout(model, problems, generator=generator)
    return masked_mean(batch.entropy, batch.mask).item()


def reset_head(model: Policy, optimizer: torch.optim.Optimizer,
               seed: int) -> None:
    """Draw the policy head afresh from ``seed``; clear its moments."""
    head = model.policy_head
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        head.reset_parameters()
    for parameter in head.parameters():
        optimizer.state.pop(parameter, None)


@torch.no_grad()
def restore_entropy(model: Policy, problems: Problems,
                    target: float) -> float:
    """Scale the policy head's weights by the factor in (0, 1] that
    brings the mean entropy on ``problems`` to ``target``; return it."""
    head = model.policy_head
    weight, bias = head.weight.clone(), head.bias.clone()
    low, high = 0.0, 1.0
    for _ in range(BISECTIONS):
        scale = (low + high) / 2
        head.weight.copy_(weight * scale)
        head.bias.copy_(bias * scale)
        if mean_entropy(model, problems) > target:
            low = scale  # still too uncertain: sharpen
        else:
            high = scale
    head.weight.copy_(weight * low)
    head.bias.copy_(bias * low)
    return low
