"""Whether an inconclusive finding is harmless whichever way its unread facts go.

A finding becomes ``inconclusive`` when a fact nobody read decides its verdict
(``reviewbot.rules.sensitivity``): the model gives one verdict with the assumed value
and another with a different one. ``Finding.outcomes`` keeps every verdict it gave.
When all of them are ``fixes`` or ``not-affected``, the patch leaves no race in place
whichever way the unread code goes, and the reply should not ask the author about one.
"""

from __future__ import annotations

from reviewbot.model import Finding

_BENIGN = frozenset({"fixes", "not-affected"})


def possible(f: Finding) -> frozenset[str]:
    """The verdicts the finding has under the values tried for its unread facts;
    empty when it is not an inconclusive finding of that kind."""
    return frozenset(f.outcomes) if f.verdict == "inconclusive" else frozenset()


def harmless(f: Finding) -> bool:
    """Inconclusive only between fixing the race and not touching it: nothing the
    patch could introduce or leave in place."""
    seen = possible(f)
    return len(seen) > 1 and seen <= _BENIGN
