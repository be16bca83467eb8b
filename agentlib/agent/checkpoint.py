"""Saving a trained agent and loading it back, refusing files not ours.

A checkpoint is a plain dict saved with ``torch.save``: a format tag and
version, the network's config, and its weights. Loading uses
``weights_only=True``, so a file cannot run code, and every way a file
can be wrong (missing, not a torch file, another program's dict, weights
of another shape) becomes one clear :class:`AgentlibError`.
"""

import dataclasses
from pathlib import Path

import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.agent.reader import Reader, ReaderConfig
from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError
from agentlib.files import check_writable, write_atomically

FORMAT = "agentlib.actor-critic"
VERSION = 1
AGENTS = {"actor-critic": (ActorCritic, ActorCriticConfig),
          "reader": (Reader, ReaderConfig)}
"""The agents a checkpoint can hold, by its ``agent`` key (files
without one hold the actor-critic)."""


def first_lines(error: Exception) -> str:
    """An error's first line and, if any, its first detail line."""
    lines = [line.strip() for line in str(error).splitlines()]
    return " ".join(line for line in lines[:2] if line)


def check_save_path(path: str | Path) -> Path:
    """Return ``path`` if a checkpoint can be written there, else raise."""
    return check_writable(path, "a checkpoint")


def save(model: ActorCritic | Reader, path: str | Path) -> Path:
    """Write ``model``'s kind, config and weights to ``path``,
    atomically."""
    path = check_save_path(path)
    agent = "reader" if isinstance(model, Reader) else "actor-critic"
    data = {
        "format": FORMAT, "version": VERSION, "agent": agent,
        "config": dataclasses.asdict(model.config),
        "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
    }
    try:
        write_atomically(path, lambda file: torch.save(data, file))
    except (OSError, RuntimeError) as error:  # torch raises RuntimeError
        raise AgentlibError(
            f"cannot save a checkpoint to {path}: {first_lines(error)}"
        ) from None
    return path


def read(path: str | Path) -> dict:
    """The checkpoint dict in ``path``, checked to be one of ours."""
    path = Path(path)
    if not path.is_file():
        raise AgentlibError(f"no checkpoint at {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds for a bad file
        raise AgentlibError(
            f"{path} is not a torch checkpoint ({type(error).__name__})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AgentlibError(f"{path} is not an agentlib agent checkpoint")
    version = data.get("version")
    if type(version) is not int or version != VERSION:  # True == 1
        raise AgentlibError(
            f"{path} has checkpoint version {version!r}; "
            f"this agentlib reads version {VERSION}"
        )
    return data


def load(path: str | Path, device: str = "auto"
         ) -> ActorCritic | Reader:
    """The agent saved in ``path``, on ``device``, in eval mode."""
    data = read(path)
    agent = data.get("agent", "actor-critic")
    if agent not in AGENTS:
        raise AgentlibError(f"{path} holds an unknown agent {agent!r}")
    kind, config = AGENTS[agent]
    try:
        model = kind(config(**data["config"]))
        model.load_state_dict(data["state_dict"])
    except AgentlibError as error:
        raise AgentlibError(f"{path} holds a config that is not an agent's: "
                            f"{error}") from None
    except (TypeError, KeyError, RuntimeError) as error:
        raise AgentlibError(
            f"{path} holds weights that do not fit the agent: "
            f"{first_lines(error)}"
        ) from None
    return model.to(resolve_device(device)).eval()
