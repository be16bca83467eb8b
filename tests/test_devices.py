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


@pytest.mark.parametrize("name", ["cpu:0x", "cuda:", "auto:1", "cpu:1"])
def test_a_device_index_only_follows_cuda(name):
    with pytest.raises(AgentlibError, match="unknown device"):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_the_cli_takes_a_cuda_index_as_the_library_does(capsys):
    from agentlib import cli

    # argparse refused it as an invalid choice; now the library's check
    assert cli.main(["train", "--device", "cuda:0"]) == 2
    assert "torch sees no CUDA GPU" in capsys.readouterr().err
    with pytest.raises(SystemExit) as argparse_exit:
        cli.main(["train", "--device", "gpu:0"])
    assert argparse_exit.value.code == 2
    assert "unknown device 'gpu:0'" in capsys.readouterr().err
