"""The reader: an agent that reads the expression once and keeps its
own place in it with a read head it moves itself.

It encodes the expression's tokens once, with an order-keeping local
encoder (a 1-D convolution of window 3 over token embeddings without
positions, so a token's vector says only what it is and what is beside
it), followed by ``num_end`` END tokens, so that the head can step past
the last operand and see that it is done. At every step a GRU cell
reads its previous tool, what its tools returned (whether ``acc`` and
``mem`` are empty: the task's ``read`` view, never the cursor or the
operators around it) and the token vector under its hard read head;
the policy and value heads read the GRU state and that vector. After
choosing a tool it chooses the head's move, 0 to ``max_move`` tokens,
from the vector it read and the tool just chosen: a second sampled
action whose log-probability joins the tool's, so one policy gradient
trains both, as glimpses are trained in recurrent attention models
(Mnih et al., 2014, "Recurrent Models of Visual Attention").

It is a :class:`agentlib.agent.policy.Policy`: the engine's rollout,
loss and training run it unchanged; its state is a
:class:`ReaderState`.
"""

from dataclasses import dataclass
from typing import Literal, NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from agentlib.agent.model import choose, pick
from agentlib.agent.policy import Step
from agentlib.errors import AgentlibError, check_choice, check_count
from agentlib.tasks import Problems, TaskName, get_task

READ_VIEWS = {"expressions": "expressions-read"}
"""The task each reader acts in: its task's ``read`` view."""
READER_DEFAULTS = {"entropy_final": None, "batch_size": 256,
                   "max_episodes": 100_000}
"""The reader's changes to its task's defaults: its entropy weight
stays constant, in batches of 256 for 100,000 episodes (Part V
measured it so; the anneal and the batches of 512 of chapter 9 are the
step agent's)."""
Encoder = Literal["local", "bidirectional"]
ENCODERS = ("local", "bidirectional")
"""How the tokens are read: a window of 3 (``local``), or a
bidirectional GRU over the whole expression."""
HeadStep = Literal["token", "operand"]
HEAD_STEPS = {"token": 1, "operand": 2}
"""Tokens per step of the head's move: ``token`` moves 0 to
``max_move`` tokens; ``operand`` 0 to ``max_move`` whole operands (2
tokens each), so the head cannot stop on an operator."""
MoveFrom = Literal["read", "state"]
MOVES_FROM = ("read", "state")
"""What chooses the head's move: the vector read and the tool just
chosen (``read``), or those and the GRU state (``state``)."""


@dataclass
class ReaderConfig:
    """Everything that shapes the reader, passed whole."""

    d_model: int = 64
    """Width of the embeddings, the token vectors and the GRU state."""
    task: TaskName = "expressions"
    """The task it reads (one of :data:`READ_VIEWS`)."""
    num_end: int = 2
    """END tokens after the expression."""
    max_move: int = 2
    """The head moves 0 to ``max_move`` steps of ``head_step``."""
    head_step: HeadStep = "token"
    """``token``: a step is one token; ``operand``: two (one operand)."""
    encoder: Encoder = "local"
    """``local``: each token's vector sees it and its two neighbours;
    ``bidirectional``: a GRU each way over the whole expression."""
    move_from: MoveFrom = "read"
    """``read``: the move sees the vector read and the tool chosen;
    ``state``: the GRU state as well."""

    def __post_init__(self):
        """Check every field once, as the config is made."""
        check_reader_config(self)


def check_reader_config(config: ReaderConfig) -> ReaderConfig:
    """Return ``config`` if it can shape a reader, else raise."""
    check_count("d_model", config.d_model)
    check_count("num_end", config.num_end)
    check_count("max_move", config.max_move)
    check_choice("task", config.task, tuple(READ_VIEWS))
    check_choice("encoder", config.encoder, ENCODERS)
    check_choice("move_from", config.move_from, MOVES_FROM)
    check_choice("head_step", config.head_step, tuple(HEAD_STEPS))
    if config.encoder == "bidirectional" and config.d_model % 2:
        raise AgentlibError(
            f"a bidirectional encoder splits d_model in two; got "
            f"{config.d_model}, use an even width")
    return config


class ReaderState(NamedTuple):
    """The reader's recurrent state, one row per episode."""

    h: torch.Tensor
    """(B, d) the GRU state."""
    memory: torch.Tensor
    """(B, L, d) the token vectors, read once, END tokens included."""
    head: torch.Tensor
    """(B,) the token under the read head."""
    last: torch.Tensor
    """(B,) the last END token: the head stops there."""


def move_head(head: torch.Tensor, move: torch.Tensor, last: torch.Tensor
              ) -> torch.Tensor:
    """(B,) the head moved forward by ``move``, clamped at ``last``."""
    return torch.minimum(head + move, last)


def registers_of(obs: torch.Tensor | None) -> torch.Tensor:
    """``obs``, the read view's register ids, else a one-line error."""
    if obs is None:
        raise AgentlibError("the reader needs its task's read view")
    return obs


class Reader(nn.Module):
    """Encoder, GRU cell, and the tool, value and move heads."""

    def __init__(self, config: ReaderConfig):
        """The layers, sized by config and the task's read view."""
        super().__init__()
        if not isinstance(config, ReaderConfig):  # checked when made
            raise AgentlibError(
                f"config must be a ReaderConfig, got {config!r}")
        self.config = config
        self.task = task = get_task(READ_VIEWS[config.task])
        self.num_actions = len(task.tools)
        self.end_token = task.num_tokens  # one more than the task's
        d = config.d_model
        self.token_emb = nn.Embedding(task.num_tokens + 1, d)
        if config.encoder == "local":
            self.encoder = nn.Conv1d(d, d, kernel_size=3)
        else:
            self.encoder = nn.GRU(d, d // 2, batch_first=True,
                                  bidirectional=True)
        self.obs_emb = nn.Embedding(task.num_obs, d)
        self.gru = nn.GRUCell(3 * d, d)
        self.policy_head = nn.Linear(2 * d, self.num_actions)
        self.value_head = nn.Linear(2 * d, 1)
        move_width = (3 if config.move_from == "state" else 2) * d
        self.move_head = nn.Sequential(
            nn.Linear(move_width, d), nn.Tanh(),
            nn.Linear(d, config.max_move + 1))

    def encode(self, problems: Problems) -> tuple[torch.Tensor,
                                                  torch.Tensor]:
        """(B, L, d) token vectors, END tokens after the expression and
        in its padding, and (B,) the index of each row's last END."""
        tokens, real = self.task.context_tokens(problems)  # (B, W)
        tokens = torch.where(real, tokens, self.end_token)
        # one END more than kept, so that the last END kept sees an END
        # on its right whatever the batch's widest expression
        ends = torch.full((len(tokens), self.config.num_end + 1),
                          self.end_token, device=tokens.device)
        tokens = torch.cat([tokens, ends], 1)  # (B, L + 1)
        last = real.sum(1) + self.config.num_end - 1
        return self.vectors(self.token_emb(tokens)), last

    def vectors(self, embedded: torch.Tensor) -> torch.Tensor:
        """(B, L, d) the token vectors of (B, L + 1, d) embeddings."""
        if self.config.encoder == "bidirectional":
            return self.encoder(embedded)[0][:, :-1]
        x = F.pad(embedded.transpose(1, 2), (1, 0))  # zeros before
        return torch.tanh(self.encoder(x)).transpose(1, 2)

    def initial_state(self, problems: Problems) -> ReaderState:
        """Read the expression once; the head on its first token."""
        memory, last = self.encode(problems)
        num, d = len(memory), self.config.d_model
        h = memory.new_zeros(num, d)
        head = torch.zeros_like(last)
        return ReaderState(h, memory, head, last)

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """(B,) the token the GRU reads before its first action."""
        return torch.full((num,), self.task.start_token, device=device)

    def read(self, state: ReaderState) -> torch.Tensor:
        """(B, d) the token vector under each row's head."""
        rows = torch.arange(len(state.head), device=state.head.device)
        return state.memory[rows, state.head]

    def think(self, h: ReaderState, prev_action: torch.Tensor,
              obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, d) the new GRU state and (B, d) the vector under the head,
        after reading ``prev_action`` and the registers ``obs``."""
        read = self.read(h)  # (B, d)
        x = torch.cat([self.token_emb(prev_action),
                       self.obs_emb(obs).sum(1), read], 1)  # (B, 3d)
        return self.gru(x, h.h), read

    def move_logits(self, read: torch.Tensor, gru_h: torch.Tensor,
                    action: torch.Tensor) -> torch.Tensor:
        """(B, max_move + 1) the head's move logits after tool
        ``action``: from the vector read and the tool, and with
        ``move_from="state"`` the GRU state too."""
        move_in = torch.cat([read, self.token_emb(action)], 1)  # (B, 2d)
        if self.config.move_from == "state":
            move_in = torch.cat([move_in, gru_h], 1)  # (B, 3d)
        return self.move_head(move_in)

    def get_action_and_value(
        self, h: ReaderState, prev_action: torch.Tensor,
        action: torch.Tensor | None = None, greedy: bool = False,
        generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> Step:
        """Read under the head, choose a tool, then the head's move.

        Returns ``(action, log_prob, entropy, value, state)``: the tool,
        the summed log-probability and entropy of the tool and the
        move, the value, and the state with the head moved. A given
        ``action`` is scored; the move is still chosen (sampled, or the
        argmax when ``greedy``).
        """
        gru_h, read = self.think(h, prev_action, registers_of(obs))
        features = torch.cat([gru_h, read], 1)  # (B, 2d)
        action, log_prob, entropy = choose(self.policy_head(features),
                                           action, greedy, generator)
        move, move_log_prob, move_entropy = choose(
            self.move_logits(read, gru_h, action), None, greedy, generator)
        value = self.value_head(features).squeeze(1)
        return (action, log_prob + move_log_prob, entropy + move_entropy,
                value, self.moved(h, gru_h, move))

    def act(
        self, h: ReaderState, prev_action: torch.Tensor,
        greedy: bool = False, generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ReaderState]:
        """``(tool, state)``: the tool and move that
        :meth:`get_action_and_value` chooses, without their scores."""
        gru_h, read = self.think(h, prev_action, registers_of(obs))
        features = torch.cat([gru_h, read], 1)  # (B, 2d)
        action = pick(self.policy_head(features), greedy, generator)
        move = pick(self.move_logits(read, gru_h, action), greedy,
                    generator)
        return action, self.moved(h, gru_h, move)

    def moved(self, h: ReaderState, gru_h: torch.Tensor,
              move: torch.Tensor) -> ReaderState:
        """The state after a step: GRU state ``gru_h``, the head moved
        by ``move`` steps."""
        step = HEAD_STEPS[self.config.head_step]
        head = move_head(h.head, move * step, h.last)
        return ReaderState(gru_h, h.memory, head, h.last)
