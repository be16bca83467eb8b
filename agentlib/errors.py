"""The one exception type agentlib raises for bad input, and the
checkers of plain values (counts, fractions, seeds) that modules share.
"""

import math
from collections.abc import Sequence
from numbers import Integral, Real


class AgentlibError(ValueError):
    """Bad input from a user: a wrong stage, context, device or file.

    The message says what was wrong and what is accepted, so the command
    line can print it as it is instead of a traceback.
    """


def is_integer(value) -> bool:
    """True for an integer that is not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_number(value) -> bool:
    """True for a finite real number that is not a bool."""
    return (isinstance(value, Real) and not isinstance(value, bool)
            and math.isfinite(value))


def check_flag(name: str, value: bool) -> bool:
    """Return ``value`` if it is True or False, else raise."""
    if not isinstance(value, bool):
        raise AgentlibError(f"{name} must be True or False, got {value!r}")
    return value


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise.

    >>> check_choice("shaping", "none", ("none", "progress"))
    'none'
    """
    if not isinstance(value, str) or value not in choices:
        raise AgentlibError(
            f"unknown {name} {value!r}; use one of {', '.join(choices)}")
    return value


def check_count(name: str, value: int) -> int:
    """Return ``value`` if it is an integer >= 1, else raise."""
    if not is_integer(value) or value < 1:
        raise AgentlibError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def check_fraction(name: str, value: float) -> float:
    """Return ``value`` if it is a number in [0, 1], else raise (NaN is
    not in it)."""
    if not is_number(value) or not 0 <= value <= 1:
        raise AgentlibError(
            f"{name} must be a number in [0, 1], got {value!r}"
        )
    return value


def check_positive(name: str, value: float, or_zero: bool = False) -> float:
    """Return ``value`` if it is a finite number > 0 (>= 0 with
    ``or_zero``), else raise."""
    bound = ">= 0" if or_zero else "> 0"
    if not is_number(value) or not (value >= 0 if or_zero else value > 0):
        raise AgentlibError(
            f"{name} must be a finite number {bound}, got {value!r}")
    return value


def check_seed(seed: int, room: int = 0) -> int:
    """Return ``seed`` if it is an integer >= 0 with ``seed + room``
    below 2**64, else raise.

    Torch takes 64-bit seeds, and Python's ``random`` seeds ``-s`` as
    ``s``, so a negative seed would silently repeat another run.
    """
    if not is_integer(seed) or not 0 <= seed < 2**64 - room:
        limit = f"2**64 - {room}" if room else "2**64"
        raise AgentlibError(
            f"seed must be an integer >= 0 and < {limit}, got {seed!r}"
        )
    return seed


def check_unique(flag: str, values: list) -> list:
    """Return ``values`` if none is repeated, else raise."""
    repeated = [str(v) for v in dict.fromkeys(values) if values.count(v) > 1]
    if repeated:
        raise AgentlibError(
            f"{flag} lists {', '.join(repeated)} more than once"
        )
    return values
