"""Tests for agentlib.agent.adam: torch's Adam, bit for bit."""

import subprocess
import sys

import pytest
import torch

from agentlib.agent.adam import Adam


def test_the_first_step_moves_each_weight_by_lr_against_its_gradient():
    # exp_avg = 0.1 * 2 = 0.2 and exp_avg_sq = 0.001 * 4, corrected by
    # 1 - 0.9 and 1 - 0.999: 2 / sqrt(4) = 1, so the step is lr * 1
    weight = torch.nn.Parameter(torch.tensor([1.0, -3.0]))
    weight.grad = torch.tensor([2.0, -0.5])
    Adam([weight], lr=0.1).step()
    assert weight.tolist() == pytest.approx([0.9, -2.9], abs=1e-6)


def test_steps_equal_torchs_adam_bit_for_bit():
    torch.manual_seed(0)
    ours, theirs = torch.nn.Linear(5, 3), torch.nn.Linear(5, 3)
    theirs.load_state_dict(ours.state_dict())
    frozen = [torch.nn.Parameter(torch.ones(2)) for _ in range(2)]
    ours_opt = Adam([*ours.parameters(), frozen[0]], lr=0.03,
                    betas=(0.8, 0.99))
    theirs_opt = torch.optim.Adam([*theirs.parameters(), frozen[1]],
                                  lr=0.03, betas=(0.8, 0.99))
    for _ in range(25):
        x = torch.randn(7, 5)
        for model, optimizer in ((ours, ours_opt), (theirs, theirs_opt)):
            optimizer.zero_grad()
            (model(x) ** 3).mean().backward()
            optimizer.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.equal(a, b)
    assert frozen[0].tolist() == [1.0, 1.0]  # no gradient, no step
    assert frozen[0] not in ours_opt.state


def test_zero_grad_forgets_or_zeros_and_state_restarts():
    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = Adam([weight], lr=0.1)
    weight.grad = torch.ones(3)
    optimizer.step()
    assert optimizer.state[weight]["step"] == 1
    optimizer.zero_grad(set_to_none=False)
    assert weight.grad.tolist() == [0.0, 0.0, 0.0]
    optimizer.zero_grad()
    assert weight.grad is None
    optimizer.state.pop(weight)  # as trap_controls.reset_head does
    weight.grad = torch.ones(3)
    optimizer.step()
    assert optimizer.state[weight]["step"] == 1


def test_training_never_imports_the_compiler():
    code = (
        "import sys\n"
        "from agentlib.agent.train import TrainConfig, train\n"
        "train(TrainConfig(device='cpu', d_model=8, batch_size=16,"
        " max_episodes=64, eval_every=2, eval_size=4, final_eval_size=4))\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "False", result.stderr
