"""Controls for the sign probe: a random network, and a causal test.

A probe that reads the pending sign from the trained agent's state says
that the sign is there, not that training put it there nor that the
agent uses it (Hewitt and Liang 2019). Two controls answer those:

- :func:`random_like`: a network of the same shape with random weights,
  read along the same steps (:func:`probes.sign_probe_data`), so that
  the two differ only in their weights; :func:`class_gap` measures how
  far apart the two signs' states sit along a probe's direction;
- :func:`flip_rates`: move the agent's state ``h`` along the probe's
  direction (:func:`probe_direction`) at the last ``MUL`` before a
  ``POP``, let the GRU run on, and count how often its ``POP+`` /
  ``POP-`` choice and its answer flip; a random direction of the same
  norm (:func:`random_direction`) is the control.
"""

import torch

from agentlib.agent.model import ActorCritic
from agentlib.experiments import probes
from agentlib.tasks import expression_views as views
from agentlib.tasks import expressions as ex


def random_like(model: ActorCritic, seed: int) -> ActorCritic:
    """A network of ``model``'s config with weights drawn from ``seed``
    (the global random state is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        control = ActorCritic(model.config)
    device = next(model.parameters()).device
    return control.to(device).eval()


def probe_direction(states: torch.Tensor, labels: torch.Tensor
                    ) -> torch.Tensor:
    """(d,) the unit vector along a probe's weights fitted on all (N, d)
    states: from the ``+`` states (label 0) towards the ``-`` ones."""
    weights = probes.fit_probe(states, labels)[:-1].float()
    return (weights / weights.norm()).to(states.device)


def class_gap(states: torch.Tensor, labels: torch.Tensor,
              direction: torch.Tensor) -> tuple[float, float]:
    """Along the unit ``direction``: the distance from the mean of the
    label-0 states to that of the label-1 states, and the spread within
    a class (the root of the two variances' mean)."""
    along = states.double() @ direction.double()  # (N,)
    plus, minus = along[labels == 0], along[labels == 1]
    spread = ((plus.var() + minus.var()) / 2).sqrt()
    return (minus.mean() - plus.mean()).item(), spread.item()


def separation(states: torch.Tensor, labels: torch.Tensor
               ) -> tuple[float, float]:
    """:func:`class_gap` along the direction of a probe fitted on the
    same (N, d) states."""
    return class_gap(states, labels, probe_direction(states, labels))


def random_direction(size: int, seed: int) -> torch.Tensor:
    """(size,) a unit vector drawn uniformly from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    direction = torch.randn(size, generator=generator)
    return direction / direction.norm()


def first_pushed_sign(problems: ex.Problems) -> torch.Tensor:
    """(B,) where in ``operators`` the sign before each expression's
    first product after a ``+`` or ``-`` is: the sign that its first
    ``PUSH`` keeps waiting (-1 where there is none)."""
    operators = problems.operators
    pushed = (operators[:, :-1] <= ex.MINUS) & (operators[:, 1:] == ex.TIMES)
    if pushed.shape[1] == 0:  # two operands: no product after a sign
        return torch.full_like(problems.length, -1)
    index = pushed.long().argmax(1)  # the first True
    return torch.where(pushed.any(1), index, -1)


def flip_sign(problems: ex.Problems, index: torch.Tensor) -> ex.Problems:
    """The same expressions with the sign at (B,) ``index`` turned
    (``+`` to ``-`` and back); rows with index -1 unchanged."""
    operators = problems.operators.clone()
    rows = (index >= 0).nonzero(as_tuple=True)[0]
    operators[rows, index[rows]] = ex.PLUS + ex.MINUS - operators[
        rows, index[rows]]
    return ex.make_problems(problems.digits, operators, problems.length,
                            problems.horizon)


def nudge(h: torch.Tensor, where: torch.Tensor, push: torch.Tensor
          ) -> torch.Tensor:
    """(B, d) states ``h`` plus the (B, d) ``push`` where (B,) ``where``
    is set; the other rows unchanged."""
    return h + where[:, None].to(h.dtype) * push


def last_pushed_factor(state: ex.Machine, problems: ex.Problems,
                       obs: torch.Tensor, action: torch.Tensor
                       ) -> torch.Tensor:
    """(B,) where ``action`` is a ``MUL`` that reads a product's last
    factor while a sum waits in ``mem``: the step before its ``POP``."""
    reads = ~state.done & ~state.acc_empty & (state.cursor < problems.length)
    last = obs[:, 1] != views.NUM_LEFT + ex.TIMES  # no * after it
    return reads & ~state.mem_empty & (action == ex.MUL) & last


@torch.no_grad()
def nudged_rollout(model: ActorCritic, problems: ex.Problems,
                   push: torch.Tensor) -> dict[str, torch.Tensor]:
    """Greedy episodes with ``push`` ((B, d), or (d,) for all) added to
    ``h`` once, at the first :func:`last_pushed_factor` step, after its
    ``MUL`` is chosen. Returns the (B,) tool of the first ``POP`` that
    takes effect after it (``pop``; -1 where none does) and whether and
    what each episode answered."""
    task = model.task
    state = task.reset(problems)
    h = model.initial_state(problems)
    action = model.start_action(len(problems), h.device)
    nudged = torch.zeros_like(state.done)
    pop = torch.full_like(problems.length, -1)
    for _ in range(task.horizon(problems)):
        obs = task.observe(state, problems)
        action, _, _, _, h = model.get_action_and_value(
            h, action, greedy=True, obs=obs)
        pops = (action == ex.POP_ADD) | (action == ex.POP_SUB)
        takes = pops & ~state.done & ~state.acc_empty & ~state.mem_empty
        pop = torch.where(nudged & takes & (pop < 0), action, pop)
        here = last_pushed_factor(state, problems, obs, action) & ~nudged
        h = nudge(h, here, push)
        nudged = nudged | here
        state = task.step(state, problems, action)
    return {"pop": pop, "answered": state.answered, "answer": state.acc}


def flip_rates(model: ActorCritic, problems: ex.Problems,
               direction: torch.Tensor, scale: float
               ) -> dict[str, dict[str, float]]:
    """Push ``h`` by ``scale`` along the unit ``direction`` (from ``+``
    towards ``-``, as :func:`probe_direction` points) towards the other
    sign, in every problem with a pushed product (:func:`nudged_rollout`).
    For each sign: the share whose ``POP`` takes the other sign, the
    share that answer the value with that sign turned, and how many."""
    index = first_pushed_sign(problems)
    sign = problems.operators.gather(1, index.clamp(min=0)[:, None])[:, 0]
    towards = torch.where(sign == ex.PLUS, 1.0, -1.0)[:, None]  # (B, 1)
    push = scale * towards * direction.to(sign.device)  # (B, d)
    run = nudged_rollout(model, problems, push)
    other = torch.where(sign == ex.PLUS, ex.POP_SUB, ex.POP_ADD)
    turned = flip_sign(problems, index).target
    moved = run["answered"] & (run["answer"] == turned)
    rates = {}
    for name, before in (("+ to -", ex.PLUS), ("- to +", ex.MINUS)):
        rows = (index >= 0) & (sign == before)
        rates[name] = {
            "pop": (run["pop"] == other)[rows].float().mean().item(),
            "answer": moved[rows].float().mean().item(),
            "episodes": int(rows.sum())}
    return rates


def flip_share(rates: dict[str, dict[str, float]], key: str = "pop"
               ) -> float:
    """One share of :func:`flip_rates` (``pop`` or ``answer``) over the
    episodes of both signs together."""
    total = sum(row["episodes"] for row in rates.values())
    return sum(row[key] * row["episodes"] for row in rates.values()) / total
