"""Batch asks (issue 20): ``study.ask(n=8)`` hands out 8 trials chosen
together, spread, queued ones first; ``n=None`` keeps one Trial."""

from __future__ import annotations

import pytest

import hyperspace as hs


def _quadratic(x: float, y: float) -> float:
    return (x - 1.0) ** 2 + (y + 2.0) ** 2


def _warmed_up(db: str, name: str, searcher: str) -> hs.Study:
    """A define-by-run study of the 2-D quadratic after 20 trials."""
    s = hs.Study.open(db, name, searcher=searcher, seed=9)
    for _ in range(20):
        t = s.ask()
        x, y = t.suggest_float("x", -5, 5), t.suggest_float("y", -5, 5)
        s.tell(t, _quadratic(x, y))
    return s


@pytest.mark.parametrize("searcher", ["tpe", "gp", "random"])
def test_a_define_by_run_batch_is_spread_and_as_good_as_single_asks(db, searcher):
    batch_study = _warmed_up(db, f"b-{searcher}", searcher)
    batch = batch_study.ask(n=8)
    assert isinstance(batch, list) and len(batch) == 8
    assert all(isinstance(t, hs.Trial) for t in batch)
    assert [t.number for t in batch] == list(range(20, 28))
    # Suggested last to first: each trial keeps the proposal it was given
    # when the batch was taken.
    points = [(t.suggest_float("x", -5, 5), t.suggest_float("y", -5, 5)) for t in reversed(batch)]
    points.reverse()
    assert len(set(points)) == 8, points

    # Eight separate asks before any suggestion (how workers of one process
    # started a batch before): the same trials, in the same order.
    single_study = _warmed_up(db, f"s-{searcher}", searcher)
    singles = [single_study.ask() for _ in range(8)]
    single_points = [(t.suggest_float("x", -5, 5), t.suggest_float("y", -5, 5)) for t in singles]
    assert points == single_points

    for t, (x, y) in zip(batch, points):
        batch_study.tell(t, _quadratic(x, y))
    assert sum(1 for t in batch_study.trials if t.state == hs.TrialState.COMPLETE) == 28


def test_a_define_and_run_batch_takes_the_queue_first(db):
    space = {"x": hs.Float(-5, 5), "y": hs.Float(-5, 5)}
    s = hs.Study.open(db, "dar", space=space, searcher="tpe", seed=3)
    for _ in range(6):
        t = s.ask()
        s.tell(t, _quadratic(t.params["x"], t.params["y"]))
    s.enqueue({"x": 0.5, "y": 1.5})
    batch = s.ask(n=4)
    assert len(batch) == 4
    assert batch[0].params == {"x": 0.5, "y": 1.5}
    assert len({(t.params["x"], t.params["y"]) for t in batch}) == 4
    # With a space given, as for one trial.
    more = hs.Study.open(db, "with-space", seed=3).ask(space, n=3)
    assert [sorted(t.params) for t in more] == [["x", "y"]] * 3


def test_n_none_keeps_one_trial_and_bad_counts_are_refused(mem):
    assert isinstance(mem.ask(), hs.Trial)
    assert isinstance(mem.ask(n=None), hs.Trial)
    assert len(mem.ask(n=1)) == 1
    for n in [0, -3, hs._core.MAX_BATCH + 1, 10**30]:
        with pytest.raises(ValueError, match="a batch holds 1 to"):
            mem.ask(n=n)
    for n in [True, 2.0, "8"]:
        with pytest.raises(TypeError, match="n must be an int"):
            mem.ask(n=n)  # type: ignore[call-overload]
    assert len(mem.trials) == 3, "nothing asked by a refused batch"


def test_a_batch_larger_than_a_grid_holds_what_is_left(db):
    s = hs.Study.open(db, "g", space={"c": hs.Categorical(["a", "b", "c"])}, searcher="grid", seed=1)
    batch = s.ask(n=10)
    assert sorted(t.params["c"] for t in batch) == ["a", "b", "c"]
    with pytest.raises(hs.HyperspaceError, match="nothing left to propose"):
        s.ask(n=2)
