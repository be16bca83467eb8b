"""Tests for agentlib.threads: the CPU thread policy."""

import pytest
import torch

from agentlib import threads
from agentlib.errors import AgentlibError


def test_the_policy_is_one_thread_unless_told(monkeypatch):
    monkeypatch.delenv(threads.VARIABLE, raising=False)
    assert threads.policy_threads() == 1
    monkeypatch.setenv(threads.VARIABLE, "2")
    assert threads.policy_threads() == 2


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5"])
def test_a_bad_thread_count_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv(threads.VARIABLE, text)
    with pytest.raises(AgentlibError, match="AGENTLIB_THREADS must be"):
        threads.policy_threads()


def test_cpu_threads_puts_back_what_torch_had(monkeypatch):
    monkeypatch.delenv(threads.VARIABLE, raising=False)
    before = torch.get_num_threads()
    with threads.cpu_threads() as inside:
        assert inside == torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_thread_policy_sets_and_restores_the_variable(monkeypatch):
    monkeypatch.setenv(threads.VARIABLE, "3")
    with threads.thread_policy(2):
        assert threads.policy_threads() == 2
    assert threads.policy_threads() == 3
