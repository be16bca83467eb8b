"""Tests for progress."""

from agentlib.progress import (
    LiveProgress,
    describe_record,
    in_jupyter_kernel,
)


def test_describe_record_by_hand():
    record = {"update": 3, "episodes": 1536, "accuracy": [1.0, 0.5, 0.25]}
    assert describe_record(record) == (
        "update 3 | 1,536 episodes | greedy exact match "
        "100.0% / 50.0% / 25.0%"
    )


def test_prints_plain_lines_outside_a_kernel(capsys):
    assert not in_jupyter_kernel()
    progress = LiveProgress(every_seconds=3600)
    for update in range(1, 4):
        progress({"update": update})
    progress.close()
    # the first line at once, the rest held back, the last on close
    assert capsys.readouterr().out == "update 1\nupdate 3\n"


def test_close_does_not_repeat_a_line_already_shown(capsys):
    progress = LiveProgress(every_seconds=0)
    for update in range(1, 3):
        progress({"update": update})
    progress.close()
    assert capsys.readouterr().out == "update 1\nupdate 2\n"


def test_close_shows_nothing_before_the_first_record(capsys):
    LiveProgress().close()
    assert capsys.readouterr().out == ""


def test_in_a_kernel_the_line_is_text_not_a_quoted_string(monkeypatch):
    import IPython.display

    from agentlib import progress as module

    shown, updated = [], []

    class Handle:
        def update(self, obj):
            updated.append(obj)

    def display(obj, display_id=False):
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(module, "in_jupyter_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    live = LiveProgress(every_seconds=0)
    live({"update": 1})
    live({"update": 2})
    # Pretty's text/plain is the line itself; a str would show its repr
    assert all(isinstance(obj, IPython.display.Pretty)
               for obj in shown + updated)
    assert [obj.data for obj in shown + updated] == ["update 1", "update 2"]
