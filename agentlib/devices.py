"""Choosing the torch device: ``auto``, ``cpu`` or ``cuda``."""

import platform

import torch

from agentlib.errors import AgentlibError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """Return the device for ``name``; ``auto`` picks CUDA when present.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise AgentlibError(f"device must be a string, got {name!r}")
    kind = name.split(":")[0]
    if kind not in DEVICE_CHOICES:
        choices = ", ".join(DEVICE_CHOICES)
        raise AgentlibError(f"unknown device {name!r}; use one of {choices}")
    if kind == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise AgentlibError(
            "device 'cuda' was asked for, but torch sees no CUDA GPU; "
            "use --device cpu or auto"
        )
    return torch.device(name)


def describe_device(device: torch.device) -> dict:
    """Where figures were measured: device, its name, torch, threads."""
    name = (torch.cuda.get_device_name(device) if device.type == "cuda"
            else platform.processor() or platform.machine())
    return {"device": str(device), "name": name,
            "torch": torch.__version__, "threads": torch.get_num_threads()}
