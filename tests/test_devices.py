"""Tests for agentlib.devices."""

import pytest
import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError


def test_cpu_and_auto():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "tpu", "", 3])
def test_unknown_device_is_a_clear_error(name):
    with pytest.raises(AgentlibError, match="device"):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(AgentlibError, match="no CUDA GPU"):
        resolve_device("cuda")
