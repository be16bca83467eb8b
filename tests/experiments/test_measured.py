"""Tests for experiments.measured: the stored figures ship and load."""

import pytest

from agentlib.errors import AgentlibError
from agentlib.experiments import measured


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


def test_figures_cannot_be_written_to_a_directory(tmp_path):
    with pytest.raises(AgentlibError, match="it is a directory"):
        measured.check_out_path(tmp_path)
    with pytest.raises(AgentlibError, match="cannot write figures"):
        measured.save({}, tmp_path)


def test_figures_cannot_be_written_below_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "sub" / "bench.json"
    with pytest.raises(AgentlibError, match="not a writable directory"):
        measured.check_out_path(path)
    with pytest.raises(AgentlibError, match="cannot write figures"):
        measured.save({}, path)


def test_a_path_in_folders_still_to_be_made_is_fine(tmp_path):
    path = tmp_path / "new" / "folders" / "bench.json"
    assert measured.check_out_path(path) == path
    assert measured.save({"rows": []}, path).is_file()
