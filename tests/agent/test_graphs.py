"""Tests for agent.graphs: a replayed update equals eager ones."""

import pytest
import torch

from agentlib.agent import graphs

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="no CUDA GPU")


def regression_step(
    model: torch.nn.Module, optimizer: torch.optim.Optimizer,
    x: torch.Tensor, y: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """One Adam step of least squares; its loss before the step."""
    optimizer.zero_grad(set_to_none=True)
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    return {"loss": loss.detach()}


def fitted(num_steps: int, graphed: bool) -> tuple[list[float], list]:
    """Losses and final weights of a seeded regression, eager or not."""
    torch.manual_seed(0)
    x, y = torch.randn(64, 4, device="cuda"), torch.randn(64, 1,
                                                           device="cuda")
    model = torch.nn.Linear(4, 1).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1,
                                 capturable=True)

    def step() -> dict[str, torch.Tensor]:
        return regression_step(model, optimizer, x, y)

    update = graphs.GraphedUpdate(step, optimizer) if graphed else step
    losses = [update()["loss"] for _ in range(num_steps)]
    return [loss.item() for loss in losses], list(model.parameters())


@needs_cuda
def test_replays_take_the_same_steps_as_eager_updates():
    steps = graphs.WARMUP_UPDATES + 4
    eager_losses, eager_params = fitted(steps, graphed=False)
    graph_losses, graph_params = fitted(steps, graphed=True)
    assert graph_losses == pytest.approx(eager_losses, rel=1e-5)
    for eager, graph in zip(eager_params, graph_params, strict=True):
        torch.testing.assert_close(graph, eager)


@needs_cuda
def test_each_replay_returns_its_own_metrics():
    losses, _ = fitted(graphs.WARMUP_UPDATES + 3, graphed=True)
    replayed = losses[graphs.WARMUP_UPDATES:]
    assert len(set(replayed)) == len(replayed)  # not one shared tensor
    assert replayed == sorted(replayed, reverse=True)  # still learning

