"""The book's agent in one file, torch alone: agentlib without its checks."""

import torch
import torch.nn as nn
from torch import Tensor
from torch.distributions import Categorical

GAMMA, LAMBDA = 1.0, 1.0  # six steps, no discount; GAE: 1 REINFORCE, < 1 A2C
EPISODES, BATCH, LR, D_MODEL, MAX_GRAD_NORM = 300_000, 256, 3e-3, 64, 1.0
VALUE_COEF, ENTROPY_COEF, PROGRESS_SCALE = 0.5, 0.15, 1.5
PROMOTE, REPLAY, EVAL_EVERY, STAGES = 0.98, 0.25, 10, (0, 1, 2)
MAX_CONTEXT, MAX_STEPS, EMPTY = 5, 6, -10**9  # EMPTY: no program reaches it
MUL, ADD, SUB, STO, RCL, ANS = range(6)  # the tools, as action ids
DIGIT_0, START = 6, 16  # tokens: the tools, the digits 0-9, then start
PART_SIZES = torch.tensor([[2, 3, 0, 0, 0], [2, 3, 4, 0, 0], [2, 3, 0, 2, 5]])

def sample_problems(stage: Tensor) -> tuple[Tensor, Tensor]:
    """(B, 5) random contexts of 3 + (B,) stage digits, zero after."""
    digits = torch.randint(0, 10, (len(stage), MAX_CONTEXT))
    return digits * (torch.arange(MAX_CONTEXT) < stage[:, None] + 3), stage

class Machine:
    """The tool machine, B problems at once; every field is (B,)."""
    def __init__(self, context: Tensor, stage: Tensor):
        a, b, c, d, e = context.unbind(1)  # zero after the context's end
        self.goals = torch.stack(
            [a * b, a * b + c, a * b + c - d, d * e, a * b + c - d * e], 1)
        self.target = a * b + c - torch.where(stage == 1, d, d * e)
        self.context, self.stage, self.length = context, stage, stage + 3
        self.acc = self.mem = torch.full_like(stage, EMPTY)
        self.cursor, self.done = 0 * stage, torch.zeros_like(stage, dtype=bool)
    def step(self, action: Tensor) -> None:
        """Apply (B,) actions; a tool without its operands only uses a step."""
        full, left = self.acc != EMPTY, self.length - self.cursor
        index = (self.cursor[:, None] + torch.arange(2)).clamp(max=4)
        x, y = self.context.gather(1, index).unbind(1)  # the next digits
        act = [~self.done & (action == tool) for tool in range(ANS + 1)]
        load = act[MUL] & ~full & (left >= 2)  # acc = x * y
        mul, add, sub = (a & full & (left >= 1) for a in act[MUL:STO])
        sto, rcl = act[STO] & full, act[RCL] & full & (self.mem != EMPTY)
        acc = torch.where(load, x * y, self.acc) + add * x - sub * x
        acc = torch.where(mul, acc * x, torch.where(rcl, self.mem - acc, acc))
        self.mem = torch.where(sto, acc, self.mem)  # STO: mem = acc, ...
        self.acc = torch.where(sto, EMPTY, acc)  # ... and acc is emptied
        self.cursor = self.cursor + 2 * load + (mul | add | sub)
        self.done = self.done | act[ANS]  # or MAX_STEPS: the rollout ends
    def correct(self) -> Tensor:
        """(B,) True where ANS answered the stated target."""
        return self.done & (self.acc == self.target)
    def score(self) -> Tensor:
        """(B,) 1 if correct, plus PROGRESS_SCALE times the progress."""
        sizes = PART_SIZES[self.stage]  # (B, 5): the digits each goal uses
        held = sum((sizes * (value[:, None] == self.goals)).amax(1)
                   for value in (self.acc, self.mem))
        progress = torch.minimum(held, self.length) / self.length
        return self.correct() + PROGRESS_SCALE * progress

class ActorCritic(nn.Module):
    """GRU policy and value heads; one GRU step per machine step."""
    def __init__(self, d: int = D_MODEL):
        super().__init__()
        self.token_emb = nn.Embedding(START + 1, d)
        self.pos_emb = nn.Embedding(MAX_CONTEXT, d)
        self.stage_emb = nn.Embedding(len(STAGES), d)
        self.gru = nn.GRUCell(d, d)
        self.policy_head, self.value_head = nn.Linear(d, 6), nn.Linear(d, 1)
    def initial_state(self, context: Tensor, stage: Tensor) -> Tensor:
        """(B, d) each episode's first state, from its own digits."""
        real = torch.arange(MAX_CONTEXT) < stage[:, None] + 3  # (B, 5)
        tokens = self.token_emb(context + DIGIT_0) + self.pos_emb.weight
        summary = (tokens * real[..., None]).sum(1) / real.sum(1)[:, None]
        return torch.tanh(summary + self.stage_emb(stage))  # (B, d)
    def forward(self, h: Tensor, action: Tensor) -> tuple[Tensor, ...]:
        """Read the previous (B,) action: (B, 6) logits, (B,) value, h."""
        h = self.gru(self.token_emb(action), h)  # (B, d)
        return self.policy_head(h), self.value_head(h).squeeze(1), h

def rollout(model: ActorCritic, context: Tensor, stage: Tensor,
            greedy: bool = False) -> tuple[list[Tensor], Tensor]:
    """(B, T) log_prob, entropy, value, reward, mask; (B,) correct."""
    machine, h = Machine(context, stage), model.initial_state(context, stage)
    worth, action, steps = machine.score(), torch.full_like(stage, START), []
    for _ in range(MAX_STEPS):
        mask = (~machine.done).float()  # critical: 0 once the episode ends
        logits, value, h = model(h, action)
        pi = Categorical(logits=logits)  # the policy
        action = logits.argmax(-1) if greedy else pi.sample()
        machine.step(action)
        reward, worth = machine.score() - worth, machine.score()
        steps.append((pi.log_prob(action), pi.entropy(), value, reward, mask))
    batch = [torch.stack(field, 1) for field in zip(*steps, strict=True)]
    return batch, machine.correct()

def gae(reward: Tensor, value: Tensor, mask: Tensor) -> tuple[Tensor, ...]:
    """(B, T) GAE(LAMBDA) advantages and the returns the critic fits."""
    value, advantage = value.detach() * mask, torch.zeros_like(reward)
    running = next_value = torch.zeros_like(value[:, 0])
    for t in reversed(range(MAX_STEPS)):
        delta = reward[:, t] + GAMMA * next_value - value[:, t]
        running = (delta + GAMMA * LAMBDA * running) * mask[:, t]
        advantage[:, t], next_value = running, value[:, t]
    return advantage, advantage + value

def a2c_loss(log_prob: Tensor, entropy: Tensor, value: Tensor,
             reward: Tensor, mask: Tensor) -> Tensor:
    """The weighted sum of three losses, means over the steps taken."""
    advantage, returns = gae(reward, value, mask)
    pg_loss = -(log_prob * advantage * mask).sum() / mask.sum()
    v_loss = 0.5 * ((value - returns) ** 2 * mask).sum() / mask.sum()
    entropy_loss = -(entropy * mask).sum() / mask.sum()
    return pg_loss + VALUE_COEF * v_loss + ENTROPY_COEF * entropy_loss

@torch.no_grad()
def exact_match(model: ActorCritic, context: Tensor, stage: Tensor,
                greedy: bool = True) -> list[float]:
    """The share of exact answers per stage, greedy or sampled."""
    correct = rollout(model, context, stage, greedy)[1].float()
    return [correct[stage == s].mean().item() for s in STAGES]

def train(seed: int, episodes: int = EPISODES) -> ActorCritic:
    """Train for all ``episodes``, promoting a stage on held-out mastery."""
    torch.manual_seed(seed)
    model, stage = ActorCritic(), 0
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    held_out = sample_problems(torch.tensor(STAGES).repeat_interleave(1000))
    for update in range(1, episodes // BATCH + 1):
        draw = torch.rand(BATCH)  # replay an earlier stage, uniformly:
        stages = torch.where(draw < REPLAY, draw / REPLAY * stage, stage)
        batch, _ = rollout(model, *sample_problems(stages.long()))
        optimizer.zero_grad()
        a2c_loss(*batch).backward()
        nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        if update % EVAL_EVERY == 0 and stage < max(STAGES):
            stage += exact_match(model, *held_out)[stage] >= PROMOTE
    return model

def evaluate(model: ActorCritic, seed: int = 10_000) -> dict:
    """Greedy and sampled exact match per stage, on all its contexts."""
    every = torch.cartesian_prod(*[torch.arange(10)] * MAX_CONTEXT)
    context = torch.cat([every[~every[:, 3 + s:].any(1)] for s in STAGES])
    stage = torch.cat([torch.full((10 ** (3 + s),), s) for s in STAGES])
    torch.manual_seed(seed)  # the sampled programs
    return {"greedy": exact_match(model, context, stage),
            "sampled": exact_match(model, context, stage, greedy=False)}

if __name__ == "__main__":
    torch.set_num_threads(1)
    for name, accuracy in evaluate(train(seed=0)).items():
        print(name, " / ".join(f"{share:.2%}" for share in accuracy))
