"""Live progress for cells that train for more than a few seconds.

In a Jupyter kernel, progress is one line that updates in place (a
display with an id), so a notebook shows it moving and a headless run
(nbval, a CI build) stores just the final line. Outside a kernel it
prints plain lines, at most one every ``every_seconds``.
"""

import time
from collections.abc import Callable, Mapping


def in_jupyter_kernel() -> bool:
    """True when running inside an IPython kernel (a notebook)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


def describe_record(record: Mapping) -> str:
    """One line for a training record: update, episodes, accuracies."""
    parts = [f"update {record.get('update', '?')}"]
    if "episodes" in record:
        parts.append(f"{record['episodes']:,} episodes")
    accuracy = record.get("accuracy")
    if accuracy is not None:
        parts.append(
            "greedy exact match "
            + " / ".join(f"{a:.1%}" for a in accuracy)
        )
    return " | ".join(parts)


class LiveProgress:
    """A callback that shows the latest record; call it with each record."""

    def __init__(
        self,
        describe: Callable[[Mapping], str] = describe_record,
        every_seconds: float = 0.5,
    ):
        self.describe = describe
        self.every_seconds = every_seconds
        self.handle = None
        self.last_shown = float("-inf")
        self.last_line = ""
        self.held_back = False
        """True while the latest line has not been shown."""

    def __call__(self, record: Mapping) -> None:
        """Show ``record`` if enough time passed since the last line."""
        self.last_line, self.held_back = self.describe(record), True
        now = time.monotonic()
        if now - self.last_shown >= self.every_seconds:
            self._show(self.last_line)
            self.last_shown = now

    def close(self) -> None:
        """Show the final line if it was held back, whatever the time
        since the last one; a line already shown is not shown twice."""
        if self.held_back:
            self._show(self.last_line)

    def _show(self, line: str) -> None:
        """Update the display in a kernel; print a line elsewhere."""
        self.held_back = False
        if not in_jupyter_kernel():
            print(line, flush=True)
            return
        from IPython.display import Pretty, display

        text = Pretty(line)  # the line as text, not a quoted str repr
        if self.handle is None:
            self.handle = display(text, display_id=True)
        else:
            self.handle.update(text)
