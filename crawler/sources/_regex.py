"""Regular expressions a source may give, refused where they can backtrack for ever.

Python's ``re`` backtracks: ``(a+)+$`` against "aaaa...ab" takes time exponential in
the length, and a scope pattern runs on every URL a page links to, so one such pattern
and one hostile URL stall a crawl. There is no timeout in ``re``. A pattern is refused
when, in its parsed form, a repeat that may run long holds another repeat that may match
more than once (``(a+)+``, ``(\\w+\\s?)*``, ``(.*a){20,}``), or a repeat holds something
that may match nothing (``(a?)*``): the shapes behind catastrophic backtracking. This
refuses some patterns that are safe in practice; they can always be written without the
nesting (``a+`` for ``(a+)+``).
"""

from __future__ import annotations

import re
from re import _constants as constants  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any

__all__ = ["backtracking_risk"]

_REPEATS = {constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT}
_LONG = 10  # a repeat that may run more times than this counts as long


def _can_be_empty(items: Any) -> bool:
    for op, av in items:
        if op in _REPEATS:
            if av[0] > 0 and not _can_be_empty(av[2]):
                return False
        elif op == constants.SUBPATTERN:
            if not _can_be_empty(av[3]):
                return False
        elif op == constants.BRANCH:
            if not any(_can_be_empty(branch) for branch in av[1]):
                return False
        elif op not in {constants.AT, constants.ASSERT, constants.ASSERT_NOT}:
            return False
    return True


def _walk(items: Any, inside_long: bool) -> str | None:
    for op, av in items:
        if op in _REPEATS and op != constants.POSSESSIVE_REPEAT:
            _, high, body = av
            long_repeat = high == constants.MAXREPEAT or high > _LONG
            if inside_long and high > 1:
                return "a quantifier inside a quantified group, as in (a+)+"
            if long_repeat and _can_be_empty(body):
                return "a repeated group that can match nothing, as in (a?)*"
            found = _walk(body, inside_long or long_repeat)
        elif op == constants.SUBPATTERN:
            found = _walk(av[3], inside_long)
        elif op == constants.BRANCH:
            found = next((w for b in av[1] if (w := _walk(b, inside_long))), None)
        elif op in {constants.ASSERT, constants.ASSERT_NOT}:
            found = _walk(av[1], inside_long)
        else:
            found = None
        if found:
            return found
    return None


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` may backtrack catastrophically, or None."""
    try:
        parsed = parser.parse(pattern)
    except re.error:
        return None  # not a pattern at all: re.compile says why
    return _walk(parsed, inside_long=False)
