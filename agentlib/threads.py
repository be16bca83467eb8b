"""The CPU thread policy: one intra-op thread unless told otherwise.

The book's batches are small (256 episodes of a 64-wide GRU), so a
second thread buys little when the machine is idle, and when other
processes share the cores each process's threads spin against the
others' and a seconds-long training run takes minutes. So training and
evaluation run on ``AGENTLIB_THREADS`` threads, 1 when it is unset;
``python -m agentlib threads`` measures the choice side by side.
"""

import contextlib
import os
from collections.abc import Iterator

import torch

from agentlib.errors import AgentlibError

VARIABLE = "AGENTLIB_THREADS"
DEFAULT_THREADS = 1


def policy_threads() -> int:
    """The intra-op threads to use: ``$AGENTLIB_THREADS``, else 1."""
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return DEFAULT_THREADS
    if not text.isdigit() or int(text) < 1:
        raise AgentlibError(
            f"{VARIABLE} must be an integer >= 1, got {text!r}"
        )
    return int(text)


def use_thread_policy() -> int:
    """Set torch's intra-op threads by the policy; return the number."""
    threads = policy_threads()
    torch.set_num_threads(threads)
    return threads


@contextlib.contextmanager
def cpu_threads(threads: int | None = None) -> Iterator[int]:
    """Run the block on ``threads`` (default: the policy's), then put
    back what torch had."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads or policy_threads())
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def thread_policy(threads: int) -> Iterator[None]:
    """Make the policy ``threads`` threads inside the block."""
    before = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = str(threads)
    try:
        yield
    finally:
        if before is None:
            del os.environ[VARIABLE]
        else:
            os.environ[VARIABLE] = before
