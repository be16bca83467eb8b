"""Tests for agentlib.measured: the stored figures ship and load."""

import pytest

from agentlib import measured
from agentlib.errors import AgentlibError


def test_the_chapters_figures_are_stored():
    names = measured.available()
    for name in ("bench-cpu", "bench-h200", "ablations-cpu",
                 "ablations-h200", "train-h200"):
        assert name in names


@pytest.mark.parametrize("name", measured.available())
def test_each_stored_file_is_of_its_kind(name):
    result = measured.load_stored(name)
    assert measured.REQUIRED_KEYS[name.split("-")[0]] in result


def test_an_unknown_name_lists_what_there_is():
    with pytest.raises(AgentlibError, match="there are: ablations-"):
        measured.load_stored("bench-tpu")
