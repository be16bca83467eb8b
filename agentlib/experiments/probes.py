"""Linear probes: what the expression agent's GRU state carries.

When ``mem`` holds a sum and a product is being read, the sign that will
join them (``POP+`` or ``POP-``) was read steps ago and is not in what
the agent reads now. :func:`probe_accuracy` fits a least-squares linear
probe (Alain and Bengio 2016) on half of some rows and scores it on the
other half.

Which rows: :func:`sign_probe_data` feeds the solution program's actions
(:func:`solution_actions`) to one or more networks, so that a trained
agent and its control, a random network of the same shape
(:mod:`agentlib.experiments.probe_controls`), are read along the same
steps; it keeps only the ``MUL`` steps of a product read while a sum
waits in ``mem`` (:func:`product_steps`), where the tool chosen does
not depend on the sign, and each distinct situation once
(:func:`distinct_steps`). :func:`pending_sign_data` is the first,
looser probe: the greedy agent at every step where a sign is pending,
``POP`` steps included.
"""

import torch
import torch.nn.functional as F

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
        pending = pending_sign(state, after, problems, pending)
        state = after
    data = {name: torch.cat(values) for name, values in rows.items()}
    data["sign"] = (data["sign"] == ex.MINUS).long()
    return data


def pending_sign(state: ex.Machine, after: ex.Machine,
                 problems: ex.Problems, pending: torch.Tensor
                 ) -> torch.Tensor:
    """(B,) the sign waiting to join ``mem`` after a step from ``state``
    to ``after``: the operator before an operand loaded while ``mem``
    is full, kept until ``mem`` empties (-1 where none waits)."""
    loaded = state.acc_empty & ~after.acc_empty & ~after.mem_empty
    before = problems.before.gather(1, state.cursor[:, None]).squeeze(1)
    pending = torch.where(loaded, before, pending)
    return torch.where(after.mem_empty, -1, pending)


def one_hot_obs(obs: torch.Tensor) -> torch.Tensor:
    """(N, NUM_OBS) the observation ids as one float row each."""
    rows = torch.zeros(len(obs), ex.NUM_OBS)
    return rows.scatter_(1, obs.cpu(), 1.0)


def read_features(obs: torch.Tensor, prev_action: torch.Tensor,
                  num_tokens: int) -> torch.Tensor:
    """(N, NUM_OBS + num_tokens) everything the GRU reads at a step: its
    (N, 4) observation ids and its (N,) previous action, one-hot."""
    previous = F.one_hot(prev_action.cpu(), num_tokens).float()
    return torch.cat([one_hot_obs(obs), previous], 1)


def fit_probe(features: torch.Tensor, labels: torch.Tensor,
              ridge: float = 1e-3) -> torch.Tensor:
    """(K + 1,) least-squares weights, the bias last, that map (N, K)
    features to -1 for label 0 and +1 for label 1.

    A small ridge penalty (``ridge`` times the number of rows) keeps the
    fit unique where features are collinear, as one-hot readings are
    with the bias.
    """
    features, labels = features.cpu().double(), labels.cpu().double()
    x = torch.cat([features, torch.ones(len(features), 1,
                                        dtype=torch.double)], 1)
    gram = x.T @ x
    penalty = ridge * len(x) * torch.eye(len(gram), dtype=gram.dtype)
    return torch.linalg.solve(gram + penalty, x.T @ (2 * labels - 1))


def probe_accuracy(features: torch.Tensor, labels: torch.Tensor,
                   seed: int = 0, ridge: float = 1e-3) -> float:
    """Held-out accuracy of :func:`fit_probe` fitted on a random half of
    the rows and scored on the other half."""
    order = torch.randperm(len(labels),
                           generator=torch.Generator().manual_seed(seed))
    train, test = order[: len(order) // 2], order[len(order) // 2:]
    weights = fit_probe(features[train], labels[train], ridge)
    x = features[test].cpu().double()
    guess = (x @ weights[:-1] + weights[-1] > 0).long()
    return (guess == labels[test].cpu()).double().mean().item()


def solution_actions(problems: ex.Problems) -> torch.Tensor:
    """(B, T) each problem's solution program (:func:`ex.solution`) as
    action ids, padded with ``ANS`` to the horizon T."""
    rows = []
    for operators, length in zip(problems.operators.tolist(),
                                 problems.length.tolist(), strict=True):
        text = "".join(ex.OPERATORS[o] for o in operators[:length - 1])
        program = [ex.TOOLS.index(tool) for tool in ex.solution(text)]
        rows.append(program + [ex.ANS] * (problems.horizon - len(program)))
    return torch.tensor(rows, device=problems.length.device)


@torch.no_grad()
def machine_trace(problems: ex.Problems, actions: torch.Tensor
                  ) -> dict[str, torch.Tensor]:
    """The machine along (B, T) given actions, before each step: what
    the agent reads (``obs``, (B, T, 4)) and, each (B, T), whether the
    episode runs, whether ``mem`` is full, the cursor and the pending
    sign (:func:`pending_sign`)."""
    state = ex.reset(problems)
    pending = torch.full_like(problems.length, -1)
    rows = {name: [] for name in ("obs", "live", "mem_full", "cursor",
                                  "sign")}
    for action in actions.unbind(1):
        now = (ex.observe(state, problems), ~state.done, ~state.mem_empty,
               state.cursor, pending)
        for column, value in zip(rows.values(), now, strict=True):
            column.append(value)
        after = ex.step(state, problems, action)
        pending = pending_sign(state, after, problems, pending)
        state = after
    return {name: torch.stack(column, 1) for name, column in rows.items()}


@torch.no_grad()
def states_along(model: ActorCritic, problems: ex.Problems,
                 actions: torch.Tensor, obs: torch.Tensor) -> torch.Tensor:
    """(B, T, d) the states ``h`` of ``model`` fed (B, T) given actions
    and the (B, T, 4) observations they lead to; the model only scores
    the actions, it chooses none."""
    h = model.initial_state(problems)  # (B, d)
    previous = model.start_action(len(problems), h.device)
    states = []
    for t, action in enumerate(actions.unbind(1)):
        _, _, _, _, h = model.get_action_and_value(
            h, previous, action=action, obs=obs[:, t])
        states.append(h)
        previous = action
    return torch.stack(states, 1)


def product_steps(actions: torch.Tensor, trace: dict[str, torch.Tensor]
                  ) -> torch.Tensor:
    """(B, T) the live ``MUL`` steps taken while a sum waits in ``mem``:
    inside a product after a ``PUSH``, before its ``POP``."""
    return trace["live"] & trace["mem_full"] & (actions == ex.MUL)


def muls_in_a_row(actions: torch.Tensor) -> torch.Tensor:
    """(B, T) how many ``MUL`` steps in a row end at each step (0 at any
    other step). At a pushed product's k-th ``MUL`` the sign was last in
    view k steps before, when its first factor was loaded."""
    run = torch.zeros_like(actions[:, 0])
    counts = []
    for action in actions.unbind(1):
        run = torch.where(action == ex.MUL, run + 1, 0)
        counts.append(run)
    return torch.stack(counts, 1)


def distinct_steps(problems: ex.Problems, cursor: torch.Tensor,
                   mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N,) episode and (N,) step of each masked step whose operators so
    far (up to the one after the cursor's operand) no earlier masked
    step had: the first of each distinct situation.

    The agent reads no digits, so two such steps feed a network the same
    inputs and give the same state; keeping both would let a probe be
    scored on states it was fitted on.
    """
    episodes, steps = mask.nonzero(as_tuple=True)
    before = problems.before.tolist()
    ends = (cursor[episodes, steps] + 2).tolist()  # up to the right one
    seen, keep = set(), []
    for row, (b, end) in enumerate(zip(episodes.tolist(), ends,
                                       strict=True)):
        key = tuple(before[b][:end])
        if key not in seen:
            seen.add(key)
            keep.append(row)
    keep = torch.tensor(keep, dtype=torch.long, device=mask.device)
    return episodes[keep], steps[keep]


def sign_probe_data(models: dict[str, ActorCritic], problems: ex.Problems
                    ) -> dict[str, torch.Tensor]:
    """Each model's (N, d) states at the distinct :func:`product_steps`
    of the solution programs, the (N, K) inputs read there
    (:func:`read_features`), the (N,) pending sign (1 for ``-``) and
    the (N,) ``MUL`` steps in a row (:func:`muls_in_a_row`)."""
    actions = solution_actions(problems)
    trace = machine_trace(problems, actions)
    mask = product_steps(actions, trace)
    episodes, steps = distinct_steps(problems, trace["cursor"], mask)
    data = {name: states_along(model, problems, actions,
                               trace["obs"])[episodes, steps].cpu()
            for name, model in models.items()}
    model = next(iter(models.values()))
    start = model.start_action(len(problems), actions.device)[:, None]
    previous = torch.cat([start, actions[:, :-1]], 1)[episodes, steps]
    data["input"] = read_features(trace["obs"][episodes, steps], previous,
                                  model.task.num_tokens)
    data["sign"] = (trace["sign"][episodes, steps] == ex.MINUS).long().cpu()
    data["muls"] = muls_in_a_row(actions)[episodes, steps].cpu()
    return data


def product_problems(num: int, num_operands: int, times_share: float,
                     generator: torch.Generator,
                     device: str | torch.device = "cpu") -> ex.Problems:
    """``num`` expressions of ``num_operands`` digits 1-9, each operator
    ``*`` with probability ``times_share``, else ``+`` or ``-`` alike:
    long products, and no zero to hide a sign's effect on the value.
    Drawn on the CPU from ``generator``, then moved to ``device``."""
    digits = torch.randint(1, 10, (num, num_operands), generator=generator)
    draw = torch.rand(num, num_operands - 1, generator=generator)
    operators = torch.where(draw < times_share, ex.TIMES, torch.where(
        draw < (1 + times_share) / 2, ex.PLUS, ex.MINUS))
    length = torch.full((num,), num_operands)
    return ex.make_problems(digits.to(device), operators.to(device),
                            length.to(device), ex.budget(num_operands))
