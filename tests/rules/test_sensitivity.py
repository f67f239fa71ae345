"""How an inconclusive verdict names the unread fact that decides it."""

from __future__ import annotations

import pytest

from reviewbot.rules.sensitivity import _clause, _doc
from reviewbot.sim import registry


def test_clause_never_cuts_inside_parentheses() -> None:
    text = "plain C compound assignments (x->flags |= F; x->flags &= ~F), a load; more"
    assert _clause(text) == "plain C compound assignments (x->flags |= F; x->flags &= ~F), a load"
    long = "the local i_size is left alone while the cache is authoritative (a KEEP-style flag)"
    assert _clause(long, limit=60) == "the local i_size is left alone while the cache is ..."


@pytest.mark.parametrize("spec", list(registry.all_scenarios().values()), ids=lambda s: s.id)
def test_every_knob_value_reads_as_a_balanced_clause(spec: registry.ScenarioSpec) -> None:
    for knob, values in spec.knobs.items():
        for value in values:
            text = _doc(spec.knob_docs, knob, value)
            assert text, f"{spec.id} {knob}={value} has no words in knob_docs"
            assert text.count("(") == text.count(")"), text
            assert len(text) <= 100, text
