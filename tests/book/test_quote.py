"""Tests for book.quote: stored when myst-nb is there, else skipped."""

import pytest

from agentlib.book import quote


def test_a_figure_is_glued_hidden(monkeypatch):
    calls = []
    myst_nb = pytest.importorskip("myst_nb")

    monkeypatch.setattr(myst_nb, "glue", lambda *args, **kw: calls.append(
        (args, kw)))
    assert quote.quote("accuracy", 0.995) is True
    assert calls == [(("accuracy", 0.995), {"display": False})]


def test_without_myst_nb_nothing_is_stored(monkeypatch):
    monkeypatch.setattr(quote, "can_quote", lambda: False)
    assert quote.quote("accuracy", 0.995) is False


@pytest.mark.parametrize("value", [[1, 2], None, True])
def test_only_numbers_and_strings_are_quoted(value):
    with pytest.raises(TypeError):
        quote.quote("x", value)
