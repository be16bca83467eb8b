"""The agent: a stage-aware GRU actor-critic over the machine's tools.

The article's design, without its defects. The GRU's first state comes
from each episode's own context and stage (the article's broadcast mixed
the whole batch into every episode); each step reads the previous
action and outputs a distribution over the six tools and a value. The
agent reads digits but does not emit them, unless an ablation asks for
it with ``allow_digit_actions``.

Tokens share one embedding: the tools (their action ids), the digits
0-9 after them, and whatever else the task reads, then its start token.
The task (:class:`agentlib.tasks.interface.Task`) says which tokens
there are, what the first state reads and what, if anything, the agent
reads at each step; the expression task adds its operators and an
observation embedding.

Sources: the article in ``shared/seed``; CleanRL's ``ppo_atari_lstm.py``
for the method names; nanoGPT's ``model.py`` for the config.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from agentlib.agent.policy import Step
from agentlib.errors import (
    AgentlibError,
    check_choice,
    check_count,
    check_flag,
)
from agentlib.tasks import TASKS, Problems, TaskName, get_task

NUM_DIGITS = 10
"""Digit tokens, right after the tools, that an ablation lets the
policy emit as actions."""


@dataclass
class ActorCriticConfig:
    """Everything that shapes the network, passed whole."""

    d_model: int = 64
    """Width of the embeddings and of the GRU state."""
    use_stage: bool = True
    """Add a learned stage embedding to the first state. When False
    the agent must tell the stage from the context's length, which the
    position embeddings make visible."""
    allow_digit_actions: bool = False
    """Let the policy emit digit tokens too (they do nothing but use a
    step), as the article's head over all tokens did."""
    task: TaskName = "arithmetic"
    """The task the agent acts in (see :mod:`agentlib.tasks`): it says
    what the agent reads and which tools it has."""
    reads_digits: bool = True
    """False hides the context's digits (an ablation): the first state
    still shows the context's length and the stage, not its values."""

    def __post_init__(self):
        """Check every field once, as the config is made."""
        check_model_config(self)


def check_model_config(config: ActorCriticConfig) -> ActorCriticConfig:
    """Return ``config`` if it can shape a network, else raise."""
    check_count("d_model", config.d_model)
    check_flag("use_stage", config.use_stage)
    check_flag("allow_digit_actions", config.allow_digit_actions)
    check_flag("reads_digits", config.reads_digits)
    check_choice("task", config.task, tuple(TASKS))
    return config


def sample(
    logits: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """(B,) one action per row of (B, A) logits, drawn from the softmax.

    The Gumbel-max trick: the argmax of logits plus Gumbel noise is a
    sample, and it is cheaper on a CPU than ``torch.multinomial``.
    """
    uniform = torch.rand(logits.shape, generator=generator,
                         device=logits.device)
    gumbel = -torch.log(-torch.log(uniform.clamp(min=1e-20)))
    return (logits.detach() + gumbel).argmax(-1)


def pick(
    logits: torch.Tensor, greedy: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """(B,) the argmax of (B, A) logits (``greedy``), or a sample."""
    return logits.argmax(-1) if greedy else sample(logits, generator)


def choose(
    logits: torch.Tensor, action: torch.Tensor | None = None,
    greedy: bool = False, generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(action, log_prob, entropy)``, each (B,), from (B, A) logits:
    ``action`` scored if given, else the argmax (``greedy``) or a
    sample."""
    log_probs = F.log_softmax(logits, dim=-1)
    if action is None:
        action = pick(logits, greedy, generator)
    log_prob = log_probs.gather(1, action[:, None]).squeeze(1)
    entropy = -(log_probs.exp() * log_probs).sum(-1)
    return action, log_prob, entropy


class ActorCritic(nn.Module):
    """GRU policy and value heads; one GRU step per machine step."""

    def __init__(self, config: ActorCriticConfig):
        """Embeddings, the GRU cell and the two heads, sized by config."""
        super().__init__()
        if not isinstance(config, ActorCriticConfig):  # checked when made
            raise AgentlibError(
                f"config must be an ActorCriticConfig, got {config!r}")
        self.config = config
        self.task = task = get_task(config.task)
        self.num_actions = len(task.tools) + (
            NUM_DIGITS if config.allow_digit_actions else 0)
        d = config.d_model
        self.token_emb = nn.Embedding(task.num_tokens, d)
        self.pos_emb = nn.Embedding(task.max_context, d)
        self.stage_emb = (
            nn.Embedding(len(task.stages), d) if config.use_stage else None
        )
        self.gru = nn.GRUCell(d, d)
        self.policy_head = nn.Linear(d, self.num_actions)
        self.value_head = nn.Linear(d, 1)
        # made last, so the first task's weights draw what they always did
        self.obs_emb = nn.Embedding(task.num_obs, d) if task.num_obs else None

    def initial_state(self, problems: Problems) -> torch.Tensor:
        """Each episode's first state from its own context: (B, d)."""
        token_ids, real = self.task.context_tokens(problems)  # (B, L)
        if not self.config.reads_digits:  # the same token everywhere
            token_ids = torch.full_like(token_ids, self.task.start_token)
        positions = torch.arange(token_ids.shape[1], device=real.device)
        tokens = self.token_emb(token_ids)  # (B, L, d)
        tokens = tokens + self.pos_emb(positions)  # (B, L, d)
        # mean over real tokens only, so the length shows in the state
        summary = (tokens * real[..., None]).sum(1)  # (B, d)
        summary = summary / real.sum(1, keepdim=True).clamp(min=1)
        if self.stage_emb is not None:
            # critical: (B, d) + (B, d), one stage per episode
            summary = summary + self.stage_emb(problems.stage)
        return torch.tanh(summary)

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """(B,) the token the GRU reads before its first action."""
        return torch.full((num,), self.task.start_token, device=device)

    def read(self, prev_action: torch.Tensor,
             obs: torch.Tensor | None = None) -> torch.Tensor:
        """(B, d) the GRU's input: the previous action, plus the sum of
        the (B, K) observation ids' embeddings when the task has them."""
        x = self.token_emb(prev_action)
        return x if obs is None else x + self.obs_emb(obs).sum(1)

    def get_value(self, h: torch.Tensor) -> torch.Tensor:
        """(B,) the critic's value of GRU states h (B, d)."""
        return self.value_head(h).squeeze(1)

    def get_action_and_value(
        self, h: torch.Tensor, prev_action: torch.Tensor,
        action: torch.Tensor | None = None, greedy: bool = False,
        generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> Step:
        """Read the previous action (and ``obs``), then act: sample,
        argmax or score.

        Returns ``(action, log_prob, entropy, value, h)``, the first
        four of shape (B,), the new state of shape (B, d). Pass
        ``action`` to score given actions instead of choosing.
        """
        h = self.gru(self.read(prev_action, obs), h)  # (B, d)
        logits = self.policy_head(h)  # (B, num_actions)
        action, log_prob, entropy = choose(logits, action, greedy,
                                           generator)
        return action, log_prob, entropy, self.get_value(h), h

    def act(
        self, h: torch.Tensor, prev_action: torch.Tensor,
        greedy: bool = False, generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(action, h)``: the action :meth:`get_action_and_value`
        chooses, with no log-probability, entropy or value."""
        h = self.gru(self.read(prev_action, obs), h)  # (B, d)
        return pick(self.policy_head(h), greedy, generator), h
