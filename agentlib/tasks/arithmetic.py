"""The first task, the article's three stages, behind the interface.

The machine itself is :mod:`agentlib.env`, which chapters 2-7 teach;
this class only hands its functions to the engine.
"""

import torch

from agentlib import env
from agentlib.devices import resolve_device
from agentlib.errors import check_count

DIGIT_0 = env.NUM_TOOLS  # token id of the digit 0
START = DIGIT_0 + 10  # token read before the first action


class ArithmeticTask:
    """``a*b+c``, ``a*b+c-d`` and ``a*b+c-d*e`` as stages 0, 1 and 2."""

    name = "arithmetic"
    tools = env.TOOLS
    stages = env.STAGES
    held_out_stages = ()
    shapings = env.SHAPINGS
    num_tokens = START + 1
    start_token = START
    max_context = env.MAX_CONTEXT
    num_obs = 0
    defaults = {}
    """The book's training defaults were chosen for this task."""
    reset, step = staticmethod(env.reset), staticmethod(env.step)
    score, is_correct = staticmethod(env.score), staticmethod(env.is_correct)
    sample_problems = staticmethod(env.sample_problems)

    def horizon(self, problems: env.Problems) -> int:
        """Steps a rollout runs: the machine's budget."""
        return env.MAX_STEPS

    def observe(self, state: env.Machine, problems: env.Problems) -> None:
        """Nothing: the agent reads its context once, at the start."""
        return None

    def context_tokens(self, problems: env.Problems
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 5) digit tokens of the first state and where they are
        real (before each context's length)."""
        positions = torch.arange(env.MAX_CONTEXT,
                                 device=problems.stage.device)
        real = positions < problems.length[:, None]  # (B, 5)
        return problems.context + DIGIT_0, real

    def evaluation_problems(self, num: int, seed: int,
                            device: str | torch.device = "cpu"
                            ) -> env.Problems:
        """``num`` problems of each stage, stage by stage, from ``seed``."""
        device, num = resolve_device(device), check_count("num", num)
        generator = torch.Generator(device).manual_seed(seed)
        stages = torch.arange(len(env.STAGES), device=device)
        stages = stages.repeat_interleave(num)  # (3 * num,)
        return env.sample_problems(stages, len(stages), generator, device)

    def test_batches(self, num: int, seed: int,
                     device: str | torch.device = "cpu",
                     held_out: bool = False) -> list[env.Problems]:
        """``num`` fresh problems of each stage in one batch."""
        return [] if held_out else [
            self.evaluation_problems(num, seed, device)]
