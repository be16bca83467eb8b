"""Choosing the torch device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``."""

import argparse
import platform
import re

import torch

from agentlib.errors import AgentlibError

DEVICE_CHOICES = ("auto", "cpu", "cuda")
DEVICE_PATTERN = re.compile(r"(auto|cpu|cuda)(:[0-9]+)?")


def check_device_name(name: str) -> str:
    """Return ``name`` if it reads as a device (``cuda:1`` included),
    else raise."""
    match = DEVICE_PATTERN.fullmatch(name)
    if match is None or (match.group(2) and match.group(1) != "cuda"):
        choices = ", ".join(DEVICE_CHOICES)
        raise AgentlibError(
            f"unknown device {name!r}; use one of {choices} or cuda:N")
    return name


def device_arg(value: str) -> str:
    """``--device``'s type: a device name, checked as argparse does."""
    try:
        return check_device_name(value)
    except AgentlibError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """Return the device for ``name``; ``auto`` picks CUDA when present.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise AgentlibError(f"device must be a string, got {name!r}")
    kind = check_device_name(name).split(":")[0]
    if kind == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise AgentlibError(
            "device 'cuda' was asked for, but torch sees no CUDA GPU; "
            "use --device cpu or auto"
        )
    if kind == "cuda" and torch.device(name).index is not None and (
        torch.device(name).index >= torch.cuda.device_count()
    ):
        raise AgentlibError(
            f"device {name!r} was asked for, but torch sees "
            f"{torch.cuda.device_count()} CUDA GPU(s)")
    return torch.device(name)


def describe_device(device: torch.device) -> dict:
    """Where figures were measured: device, its name, torch, threads."""
    name = (torch.cuda.get_device_name(device) if device.type == "cuda"
            else platform.processor() or platform.machine())
    return {"device": str(device), "name": name,
            "torch": torch.__version__, "threads": torch.get_num_threads()}
