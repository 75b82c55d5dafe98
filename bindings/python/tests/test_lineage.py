"""Lineage (issue 15): a trial's parents and children, what changed
between them, and a continuation's learning curve joined to its parent's."""

from __future__ import annotations

import pytest

import hyperspace as hs


def test_lineage_names_parents_children_changes_and_one_curve(db):
    study = hs.Study.open(db, "family", seed=1)
    first = study.ask()
    first.suggest_float("lr", 1e-3, 1e-1, log=True)
    first.suggest_categorical("opt", ["adam", "sgd"])
    for step, value in [(0, 5.0), (1, 4.0)]:
        first.report(step, value)
    study.tell(first, 4.0)
    queued = study.rerun(first, budget=4, lr=0.05)
    second = study.ask()
    assert second.id == queued.id
    assert second.frozen().parent == first.id
    second.report(2, 3.0)
    second.report(3, 2.5)
    study.tell(second, 2.5)

    family = study.lineage(second)
    assert [a["id"] for a in family["ancestors"]] == [first.id]
    assert family["trial"]["parent"] == first.id
    changes = family["trial"]["changes"]
    assert [c["name"] for c in changes["params"]] == ["lr"]
    assert changes["params"][0]["after"] == 0.05
    assert changes["budget"] == [None, 4.0]
    assert family["children"] == []
    curve = [(p["step"], p["value"], p["trial"]) for p in family["curve"]]
    assert curve == [(0, 5.0, first.id), (1, 4.0, first.id), (2, 3.0, second.id), (3, 2.5, second.id)]

    root = study.lineage(first.id)
    assert root["ancestors"] == []
    assert [c["id"] for c in root["children"]] == [second.id]
    assert root["trial"]["changes"] is None

    other = hs.Study.open(db, "stranger", seed=1)
    with pytest.raises(hs.WrongStudyError):
        other.lineage(first.id)
