"""Linear probes: what the expression agent's GRU state carries.

When ``mem`` holds a sum and a product is being read, the sign that will
join them (``POP+`` or ``POP-``) was read steps ago and is not in what
the agent reads now. :func:`pending_sign_data` rolls the greedy agent
out and keeps, at every such step, its state ``h`` and what it read, with
the sign as the label; :func:`probe_accuracy` fits a least-squares
linear probe on half and scores it on the other half.
"""

import torch

from agentlib.agent.model import ActorCritic
from agentlib.tasks import expressions as ex


@torch.no_grad()
def pending_sign_data(model: ActorCritic, problems: ex.Problems
                      ) -> dict[str, torch.Tensor]:
    """(N, d) states ``h``, (N, K) what was read, and (N,) the pending
    sign (1 for ``-``), at every step where one is pending."""
    task = model.task
    state = task.reset(problems)
    h = model.initial_state(problems)
    action = model.start_action(len(problems), h.device)
    pending = torch.full_like(problems.length, -1)  # -1: none pending
    rows = {"h": [], "obs": [], "sign": []}
    for _ in range(task.horizon(problems)):
        obs = task.observe(state, problems)
        action, _, _, _, h = model.get_action_and_value(
            h, action, greedy=True, obs=obs)
        keep = ~state.done & (pending >= 0) & ~state.mem_empty
        for name, value in (("h", h), ("obs", obs), ("sign", pending)):
            rows[name].append(value[keep])
        after = task.step(state, problems, action)
        loaded = state.acc_empty & ~after.acc_empty & ~after.mem_empty
        before = problems.operators.gather(
            1, (state.cursor - 1).clamp(min=0)[:, None]).squeeze(1)
        pending = torch.where(loaded, before, pending)
        pending = torch.where(after.mem_empty, -1, pending)
        state = after
    data = {name: torch.cat(values) for name, values in rows.items()}
    data["sign"] = (data["sign"] == ex.MINUS).long()
    return data


def one_hot_obs(obs: torch.Tensor) -> torch.Tensor:
    """(N, NUM_OBS) the observation ids as one float row each."""
    rows = torch.zeros(len(obs), ex.NUM_OBS)
    return rows.scatter_(1, obs.cpu(), 1.0)


def probe_accuracy(features: torch.Tensor, labels: torch.Tensor,
                   seed: int = 0, ridge: float = 1e-3) -> float:
    """Held-out accuracy of a least-squares linear probe (with a bias)
    fitted on a random half of the rows.

    A small ridge penalty (``ridge`` times the number of training rows)
    keeps the fit unique where features are collinear, as one-hot
    readings are with the bias.
    """
    features, labels = features.cpu().double(), labels.cpu().double()
    order = torch.randperm(len(labels),
                           generator=torch.Generator().manual_seed(seed))
    train, test = order[: len(order) // 2], order[len(order) // 2:]
    x = torch.cat([features, torch.ones(len(features), 1)], 1)
    target = 2 * labels - 1  # -1 or +1
    gram = x[train].T @ x[train]
    penalty = ridge * len(train) * torch.eye(len(gram), dtype=gram.dtype)
    weights = torch.linalg.solve(gram + penalty, x[train].T @ target[train])
    guess = (x[test] @ weights > 0).double()
    return (guess == labels[test]).double().mean().item()
