"""What the task tests share: a batch's whole state, row by row, and
torch's default device set for a while."""

import contextlib

import torch


@contextlib.contextmanager
def default_device(name: str):
    """Make ``name`` torch's default device for factory functions."""
    torch.set_default_device(name)
    try:
        yield
    finally:
        torch.set_default_device(None)


def state_of(run_programs, problems, actions: list[list[int]]
             ) -> list[dict]:
    """The batched machine's whole state after each row of action ids
    (``run_programs`` is a task's), one dict per episode; an empty
    register reads None."""
    state = run_programs(problems, torch.tensor(actions))
    rows = []
    for row in range(len(actions)):
        field = {name: getattr(state, name)[row].item()
                 for name in vars(state)}
        rows.append({
            "acc": None if field["acc_empty"] else field["acc"],
            "mem": None if field["mem_empty"] else field["mem"],
            "cursor": field["cursor"], "steps": field["steps"],
            "done": field["done"], "answered": field["answered"],
        })
        # an empty register holds 0, whatever it held before
        assert field["acc"] == 0 or not field["acc_empty"]
        assert field["mem"] == 0 or not field["mem_empty"]
    return rows
