"""The article's program, ported with its behaviour intact, defects included.

This is the baseline the book measures against, never its teaching code.
Names and signatures follow the article. What changed is its shape, not
its behaviour: docstrings; the article's module globals (``device``,
``env``, ``net``, ``opt``, the global ``random`` state) gathered into an
:class:`Article` object that is passed explicitly, and its top-level
script into functions (:func:`make_article`, :func:`train_curriculum`,
:func:`final_accuracies`, :func:`reproduce`); ``step_seq`` split into
:meth:`ToolEnv.run_tools` and the scoring; the first lines of
``forward`` named :meth:`ActorCritic.initial_state`; and a stage other
than 0, 1 or 2 is an error. For every action sequence, stage and
operands, :meth:`ToolEnv.step_seq` returns exactly what the article's
does; :func:`reproduce` prints exactly its lines.

Source: the tutorial article in ``shared/seed`` (Russian), whose code is
kept verbatim in ``tests/fixtures/article_verbatim.py``.
"""

import argparse
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from agentlib.devices import device_arg, resolve_device
from agentlib.errors import AgentlibError, check_seed

V = 18  # vocabulary: digits 0-9, then the control and tool tokens below
CTX = 10
MUL, ADD, SUB, ANS, STO, RCL, EOS = 11, 12, 13, 14, 15, 16, 17
tok2str = {
    **{i: str(i) for i in range(10)},
    CTX: "[CTX]", MUL: "[MUL]", ADD: "[ADD]", SUB: "[SUB]",
    ANS: "[ANS]", STO: "[STO]", RCL: "[RCL]", EOS: "[EOS]",
}
STAGES = (0, 1, 2)
Operands = tuple[int, int, int, int, int]


def check_stage(stage: int) -> int:
    """Return ``stage`` if it is 0, 1 or 2, else raise a clear error."""
    if isinstance(stage, bool) or stage not in STAGES:
        raise AgentlibError(f"stage must be 0, 1 or 2, got {stage!r}")
    return int(stage)


class ToolEnv:
    """The article's tool world: samples problems and scores programs."""

    def __init__(self, max_steps: int = 7, rng: random.Random | None = None):
        self.max_steps = max_steps
        self.rng = rng if rng is not None else random.Random()

    def sample(self, stage: int) -> tuple[list[int], int, Operands]:
        """Return ``(context, stated target, operands a..e)``."""
        stage = check_stage(stage)
        a, b, c, d, e = [self.rng.randint(0, 9) for _ in range(5)]
        if stage == 0:
            ctx, target = [a, b, c], a * b + c
        elif stage == 1:
            ctx, target = [a, b, c, d], (a * b + c) - d
        else:
            ctx, target = [a, b, c, d, e], (a * b + c) - (d * e)
        return ctx, target, (a, b, c, d, e)

    def run_tools(
        self, actions: Sequence[int], abc: Operands, stage: int
    ) -> tuple[int | None, bool, int]:
        """Interpret ``actions``; return ``(last, answered, steps)``.

        ``last`` is the accumulator when ANS was emitted (or when the
        budget ran out). Critical: these are the article's semantics,
        defects kept: STO stores a flag, RCL loads d*e.
        """
        a, b, c, d, e = abc
        last, mem, steps = None, None, 0
        for act in actions:
            steps += 1
            if act == MUL:
                factor = d if stage > 0 else 1
                last = a * b if last is None else last * factor
            elif act == ADD and last is not None:
                last += c
            elif act == SUB and last is not None:
                use_e = stage == 2 and mem == "use_d"
                last -= e if use_e else (d if stage > 0 else 0)
            elif act == STO:
                mem = "use_d" if stage >= 1 else "ok"
            elif act == RCL and mem is not None:
                use_de = stage == 2 and mem == "use_d"
                last = (d * e) if use_de else (last if last else 0)
            elif act == ANS:
                return last, True, steps
            if steps >= self.max_steps:
                break
        return last, False, steps

    def step_seq(
        self, actions: Sequence[int], abc: Operands, stage: int
    ) -> tuple[float, int]:
        """Return the article's ``(reward, steps)`` for ``actions``."""
        stage = check_stage(stage)
        last, answered, steps = self.run_tools(actions, abc, stage)
        if not answered:
            return 0.0, steps
        a, b, c, d, e = abc
        goal0 = a * b
        goal1 = goal0 + c
        goal2 = goal1 - d
        goal3 = d * e
        goal4 = goal1 - goal3
        # critical: index `stage` picks the goal one stage behind the
        # stated target (goal4 is never chosen).
        target = [goal0, goal1, goal2, goal4][stage]
        correct = last == target
        if stage == 0:
            shaped = 0.25 * (last == goal0) + 0.5 * (last == goal1)
        elif stage == 1:
            shaped = (
                0.25 * (last == goal0) + 0.5 * (last == goal1)
                + 0.75 * (last == goal2)
            )
        else:
            shaped = (
                0.2 * (last == goal0) + 0.4 * (last == goal1)
                + 0.6 * (last == goal4) + 0.6 * (last == goal3)
            )
        return (1.0 if correct else 0.0) + 0.2 * shaped, steps


class ActorCritic(nn.Module):
    """The article's stage-aware GRU actor-critic over all 18 tokens."""

    def __init__(self, V: int, d: int = 96, nstage: int = 3):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.stage_emb = nn.Embedding(nstage, d)
        self.rnn = nn.GRU(d, d, 1, batch_first=True)
        self.pi = nn.Linear(d, V)
        self.v = nn.Linear(d, 1)

    def initial_state(self, ctx: torch.Tensor, stage: torch.Tensor):
        """Return the GRU's first state, shape (1, B, d), as published.

        Critical: (B, d) + (B, 1, d) broadcasts to (B, B, d), so after
        the mean every episode starts from its stage plus the mean
        context of the whole batch, not from its own context.
        """
        ce = self.emb(ctx).mean(1) + self.stage_emb(stage).unsqueeze(1)
        return torch.tanh(ce.mean(1)).unsqueeze(0)

    def forward(
        self, ctx: torch.Tensor, stage: torch.Tensor, max_len: int = 6,
        greedy: bool = False,
    ) -> tuple[torch.Tensor, ...]:
        """Roll out ``max_len`` tokens; each output has shape (B, max_len).

        Returns ``(actions, log_probs, entropies, values)``. Sampling
        draws from torch's global random state, as the article does.
        """
        B = ctx.shape[0]
        h = self.initial_state(ctx, stage)
        inp = self.emb(torch.full((B, 1), CTX, device=ctx.device))
        acts, logps, ents, vals = [], [], [], []
        for _ in range(max_len):
            out, h = self.rnn(inp, h)
            val = self.v(out[:, -1])
            logits = self.pi(out[:, -1])
            pi = F.log_softmax(logits, dim=-1).exp()
            ent = -(pi * torch.log(pi + 1e-9)).sum(1)
            if greedy:
                a = torch.argmax(logits, 1)
            else:
                a = torch.distributions.Categorical(pi).sample()
            log_softmax = F.log_softmax(logits, dim=-1)
            logp = log_softmax.gather(1, a.unsqueeze(1)).squeeze(1)
            inp = self.emb(a.unsqueeze(1))
            acts.append(a)
            logps.append(logp)
            ents.append(ent)
            vals.append(val.squeeze(1))
        stacked = (acts, logps, ents, vals)
        return tuple(torch.stack(x, 1) for x in stacked)


@dataclass
class Article:
    """The article's module globals, gathered: env, net, opt, device."""

    env: ToolEnv
    net: ActorCritic
    opt: torch.optim.Optimizer
    device: torch.device


def make_article(seed: int = 0, device: str = "cpu") -> Article:
    """Seed as the article does and build its env, net and optimiser."""
    check_seed(seed)
    device = resolve_device(device)
    torch.manual_seed(seed)
    env = ToolEnv(rng=random.Random(seed))
    net = ActorCritic(V).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=3e-4)
    return Article(env, net, opt, device)


def pad_batch(ctxs: list[list[int]], device: str = "cpu") -> torch.Tensor:
    """Append CTX to each context and pad with EOS: shape (B, L)."""
    device = resolve_device(device)
    L = max(len(c) + 1 for c in ctxs)
    out = torch.full((len(ctxs), L), EOS, dtype=torch.long, device=device)
    for i, c in enumerate(ctxs):
        out[i, : len(c) + 1] = torch.tensor(c + [CTX], device=device)
    return out


def run_batch(
    art: Article, stage: int, batch: int = 128, train: bool = True,
    greedy: bool = False,
) -> tuple[float, float]:
    """Sample, roll out, score, and (if ``train``) take one A2C step.

    Returns ``(mean reward, loss)``: the article prints the mean
    shaped reward as "acc".
    """
    stage = check_stage(stage)
    ctxs, metas = [], []
    for _ in range(batch):
        c, t, abc = art.env.sample(stage)
        ctxs.append(c)
        metas.append((t, abc))
    ctx = pad_batch(ctxs, art.device)
    stage_t = torch.full((batch,), stage, device=art.device, dtype=torch.long)
    acts, logps, ents, vals = art.net(ctx, stage_t, max_len=6, greedy=greedy)
    rewards = []
    for i in range(batch):
        r, _ = art.env.step_seq(acts[i].tolist(), metas[i][1], stage)
        rewards.append(r)
    R = torch.tensor(rewards, device=art.device).float()
    adv = (R - vals.sum(1)).detach()
    if not train:
        return R.mean().item(), 0.0
    pg = -(logps.sum(1) * adv).mean()  # critical: steps after ANS count
    vloss = F.mse_loss(vals.sum(1), R)
    ent = -ents.mean()
    loss = pg + 0.5 * vloss + 0.01 * ent
    art.opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(art.net.parameters(), 1.0)
    art.opt.step()
    return R.mean().item(), loss.item()


def train_curriculum(
    art: Article, log: Callable[[str], None] = print
) -> None:
    """Run the article's 60 updates on its fixed schedule [0,0,0,1,1,2]."""
    log("Training…")
    stages = [0, 0, 0, 1, 1, 2]
    for ep in range(1, 61):
        stage = stages[min((ep - 1) // 10, len(stages) - 1)]
        acc, loss = run_batch(art, stage, batch=192, train=True)
        if ep % 5 == 0:
            with torch.no_grad():
                evals = [
                    run_batch(art, s, train=False, greedy=True)[0]
                    for s in [0, 1, 2]
                ]
            log(
                f"ep={ep:02d} stage={stage} acc={acc:.3f} | eval "
                f"T0={evals[0]:.3f} T1={evals[1]:.3f} T2={evals[2]:.3f} "
                f"loss={loss:.3f}"
            )


def explain(art: Article, stage: int) -> dict:
    """Sample one problem and return the greedy program and its reward."""
    c, t, abc = art.env.sample(stage)
    ctx = pad_batch([c], art.device)
    stage_t = torch.tensor([stage], device=art.device)
    with torch.no_grad():
        a, _, _, _ = art.net(ctx, stage_t, greedy=True)
    seq = [tok2str[x] for x in a[0].tolist()]
    r, _ = art.env.step_seq(a[0].tolist(), abc, stage)
    return dict(
        stage=stage, ctx=c, target=t, actions=" ".join(seq),
        reward=round(float(r), 2),
    )


def final_accuracies(art: Article) -> list[float]:
    """The article's final "accuracies": mean reward, 1000 greedy each."""
    with torch.no_grad():
        return [
            run_batch(art, s, train=False, greedy=True, batch=1000)[0]
            for s in [0, 1, 2]
        ]


def reproduce(
    seed: int = 0, device: str = "cpu", log: Callable[[str], None] = print
) -> Article:
    """Run the article's script end to end, printing its lines."""
    art = make_article(seed, device)
    train_curriculum(art, log)
    with torch.no_grad():
        for s in [0, 1, 2]:
            log(f"\nStage {s} samples:")
            for _ in range(5):
                log(str(explain(art, s)))
    finals = final_accuracies(art)
    log(
        f"\nFinal greedy accuracies → T0={finals[0]:.3f}, "
        f"T1={finals[1]:.3f}, T2={finals[2]:.3f}"
    )
    return art


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib reproduce``."""
    parser.add_argument(
        "--device", default="cpu", type=device_arg,
        help="where to run (default: cpu, which prints exactly what "
             "the article's script prints)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="the article's seed is 0"
    )


def command(args: argparse.Namespace) -> int:
    """Run ``reproduce`` with the parsed flags."""
    reproduce(args.seed, args.device)
    return 0
