"""scikit-learn on a hyperspace study: :class:`HyperspaceSearchCV` is a
drop-in for ``GridSearchCV`` / ``RandomizedSearchCV`` whose candidates come
from a study's searcher (``auto`` by default) instead of a grid or random draws::

    from sklearn.svm import SVC
    import hyperspace as hs

    search = hs.integration.HyperspaceSearchCV(
        SVC(),
        {"C": hs.Float(1e-3, 1e3, log=True), "kernel": hs.Categorical(["rbf", "linear"])},
        n_trials=40, cv=5, scoring="accuracy", seed=1,
    )
    search.fit(X, y)
    search.best_params_, search.best_score_, search.predict(X_new)

Why it derives from scikit-learn's ``BaseSearchCV`` rather than
re-implementing it: ``BaseSearchCV`` owns everything a scikit-learn user
relies on and that must stay exactly as scikit-learn does it (the
``cv_results_`` layout and ranks, ``refit``, multi-metric ``scoring``,
``error_score``, metadata routing, the delegated ``predict`` /
``predict_proba`` / ``score`` / ``transform``, cloning, and joblib's
``n_jobs`` over candidates and folds). Its documented extension point,
``_run_search``, is handed a function that evaluates a list of candidates
and returns every result so far; ours asks the study for a batch of trials,
evaluates them, and tells the study each one's mean test score. So the
searcher sees every result before it proposes the next batch, and the study
keeps every candidate as a trial (with its per-fold scores and times as
metrics) to query, plot or continue later.

``n_jobs`` runs folds and candidates in joblib's worker processes, as in
``GridSearchCV``; each batch holds ``n_jobs`` candidates so the workers stay
busy. Several searches (processes or machines) can share one study through
its storage (``storage="runs.db"`` or PostgreSQL, with ``study_name``):
each asks the study for its candidates, so none repeats another's work.
"""

from __future__ import annotations

import math
import numbers
import os
import time
import warnings
from typing import Any, Dict, Mapping, Optional

try:
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.utils import check_random_state
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hyperspace.integration.sklearn needs scikit-learn; install it with pip install scikit-learn"
    ) from e

from .._admin import _as_distribution
from ..distributions import Distribution
from .._optimize import DEFAULT_MAX_FAILURES
from .._target import study_from
from ..study import Study

__all__ = ["HyperspaceSearchCV"]

#: The ``cv_results_`` column holding each candidate's trial number.
TRIAL_COLUMN = "trial_number"


class HyperspaceSearchCV(BaseSearchCV):
    """Cross-validated search over ``param_distributions`` with a
    hyperspace study proposing the candidates.

    Args:
        estimator: the scikit-learn estimator to tune (cloned per fit).
        param_distributions: parameter name (``"C"``, or
            ``"clf__C"`` in a pipeline) to an ``hs.Float`` / ``hs.Int`` /
            ``hs.Categorical`` (or an Optuna distribution, or anything
            ``hs.Space`` accepts, such as a list of choices).
        n_trials: candidates to evaluate in this ``fit``.
        cv, scoring, refit, error_score, return_train_score, verbose,
            pre_dispatch: as in ``GridSearchCV``. With several scorers,
            ``refit`` must name the one the study maximizes.
        timeout: seconds after which no new batch is started (the running
            one finishes).
        error_score: as in ``GridSearchCV``; a candidate whose every fold
            failed is a failed trial, left out of ``cv_results_`` (with a
            warning), and the search goes on, unless 10 candidates in a
            row failed so (as ``optimize``'s ``max_failures``): then the
            error is raised.
        n_jobs: joblib workers for the folds and candidates (``-1``: one
            per CPU); also the number of candidates asked per batch.
        random_state / seed: the study's seed (an int, a
            ``RandomState``, or ``None``); give one of the two.
        study: a :class:`hyperspace.Study` to search in (direction
            ``maximize``: scikit-learn scores are greater-is-better).
        storage / study_name: where to open (or create) the study when
            ``study`` is not given; by default a new in-memory study.
        searcher: the searcher of a study this creates (``None``: the
            default, ``"auto"``; or ``"tpe"``, ``"random"``, ``"gp"``, ...).

    Fitted attributes are ``GridSearchCV``'s (``best_params_``,
    ``best_score_``, ``best_estimator_``, ``best_index_``, ``cv_results_``
    with one extra column, ``trial_number``, ``n_splits_``, ``scorer_``,
    ``refit_time_``, ``multimetric_``) and ``study_``, the study searched.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, Any],
        *,
        n_trials: int = 10,
        cv: Any = None,
        scoring: Any = None,
        refit: Any = True,
        timeout: Optional[float] = None,
        n_jobs: Optional[int] = None,
        random_state: Any = None,
        seed: Optional[int] = None,
        study: Optional[Study] = None,
        storage: Any = None,
        study_name: Optional[str] = None,
        searcher: Optional[str] = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.timeout = timeout
        self.random_state = random_state
        self.seed = seed
        self.study = study
        self.storage = storage
        self.study_name = study_name
        self.searcher = searcher

    # ---- what BaseSearchCV asks of a subclass ------------------------------

    def _run_search(self, evaluate_candidates: Any) -> None:
        space = self._space()
        n_trials = _positive_int("n_trials", self.n_trials)
        deadline = None if self.timeout is None else time.monotonic() + _seconds(self.timeout)
        study = self._study()
        self.study_ = study
        key = self._objective_key()
        batch = _batch_size(self.n_jobs)
        done = 0
        all_failed: Optional[ValueError] = None
        evaluated = False
        failed_in_a_row = 0
        while done < n_trials and (deadline is None or time.monotonic() < deadline):
            trials = study.ask(space, n=min(batch, n_trials - done))
            done += len(trials)
            try:
                results = evaluate_candidates(
                    [dict(t.params) for t in trials],
                    more_results={TRIAL_COLUMN: [t.number for t in trials]},
                )
            except ValueError as e:
                for t in trials:
                    study.tell(t, state="failed", message=_first_line(e))
                if self.error_score == "raise" or "fits failed" not in str(e):
                    raise
                # scikit-learn raises when every fit of one call failed; one
                # bad candidate must not end a sequential search, so its trial
                # fails (it is left out of cv_results_) and the search goes on.
                all_failed = e
                failed_in_a_row += len(trials)
                if failed_in_a_row >= DEFAULT_MAX_FAILURES:
                    # As optimize's max_failures: a search whose candidates all
                    # fail (bad data, a broken estimator) stops early.
                    raise
                warnings.warn(
                    f"HyperspaceSearchCV: every fit of trial(s) {[t.number for t in trials]} failed; "
                    f"failed trial(s), left out of cv_results_: {_first_line(e)}",
                    UserWarning,
                    stacklevel=2,
                )
                continue
            except BaseException:
                for t in trials:
                    study.tell(t, state="failed", message="the search stopped with an error")
                raise
            evaluated = True
            failed_in_a_row = 0
            first = len(results["params"]) - len(trials)
            for i, t in enumerate(trials):
                _tell(study, t, results, first + i, key, self.n_splits_)
        if not evaluated and all_failed is not None:
            raise all_failed

    # ---- helpers -----------------------------------------------------------

    def _space(self) -> Dict[str, Distribution]:
        if not isinstance(self.param_distributions, Mapping) or not self.param_distributions:
            raise ValueError(
                "param_distributions must be a non-empty dict of parameter name to distribution "
                f"(hs.Float, hs.Int, hs.Categorical), got {self.param_distributions!r}"
            )
        space = {}
        for name, definition in self.param_distributions.items():
            if not isinstance(name, str):
                raise ValueError(f"param_distributions: parameter names must be strings, got {name!r}")
            space[name] = _as_distribution(name, definition)
        return space

    def _seed(self) -> Optional[int]:
        if self.seed is not None and self.random_state is not None and self.seed != self.random_state:
            raise ValueError(
                f"seed={self.seed!r} and random_state={self.random_state!r} differ; give one of them "
                "(they are the same setting)"
            )
        given = self.seed if self.seed is not None else self.random_state
        if given is None:
            return None
        if isinstance(given, numbers.Integral) and not isinstance(given, bool):
            if not 0 <= int(given) < 2**63:
                raise ValueError(f"seed must be a non-negative integer, got {given!r}")
            return int(given)
        # A RandomState (or anything check_random_state takes): one draw.
        return int(check_random_state(given).randint(0, 2**31 - 1))

    def _study(self) -> Study:
        study = study_from(
            self.study, self.storage, self.study_name, direction="maximize", searcher=self.searcher, seed=self._seed()
        )
        if study.directions != ["maximize"]:
            raise ValueError(
                f"study '{study.name}' has directions {study.directions}; "
                "HyperspaceSearchCV needs a study with direction='maximize' (scores are greater-is-better)"
            )
        return study

    def _objective_key(self) -> str:
        """The ``cv_results_`` column the study maximizes."""
        scoring = self.scoring
        if scoring is None or isinstance(scoring, str) or (callable(scoring) and not isinstance(scoring, Mapping)):
            return "mean_test_score"
        if isinstance(self.refit, str):
            return f"mean_test_{self.refit}"
        raise ValueError(
            "with several scorers, refit must name the one the study maximizes "
            f"(one of {sorted(scoring) if isinstance(scoring, Mapping) else list(scoring)})"
        )

    def __sklearn_clone__(self) -> "HyperspaceSearchCV":
        # clone() deep-copies parameters, and a study in memory cannot be
        # copied (it is not data but a handle on trials): a clone searches
        # in the same study, as a clone given storage= opens the same one.
        params = self.get_params(deep=False)
        study = params.pop("study")
        copied = {name: clone(value, safe=False) for name, value in params.items()}
        return type(self)(study=study, **copied)

    def __getstate__(self) -> Dict[str, Any]:
        # A fitted search pickles like GridSearchCV's; a study kept in memory
        # cannot cross processes, so the unpickled search has study_ None
        # (cv_results_ keeps every result).
        state = super().__getstate__()
        study = state.get("study_")
        if isinstance(study, Study) and study.storage in (":memory:", "memory://"):
            state = dict(state)
            state["study_"] = None
        return state


def _tell(study: Study, trial: Any, results: Mapping[str, Any], i: int, key: str, n_splits: int) -> None:
    """Finishes ``trial`` with candidate ``i`` of ``results``: complete
    with its mean score, failed when a fold failed (NaN)."""
    score = float(results[key][i])
    prefix = key[len("mean_"):]
    metrics = {}
    for k in range(n_splits):
        value = float(results[f"split{k}_{prefix}"][i])
        if math.isfinite(value):
            metrics[f"split{k}_{prefix}"] = value
    for column in ("std_" + prefix, "mean_fit_time", "mean_score_time"):
        value = float(results[column][i])
        if math.isfinite(value):
            metrics[column] = value
    if math.isfinite(score):
        study.tell(trial, score, metrics=metrics)
    else:
        study.tell(trial, state="failed", message="a fold's fit or score failed (its score is error_score)")


def _first_line(error: BaseException) -> str:
    """The first non-empty line of scikit-learn's long failure report."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    detail = next((line for line in reversed(lines) if "Error" in line), "")
    return " ".join(x for x in (lines[0] if lines else type(error).__name__, detail) if x)


def _batch_size(n_jobs: Optional[int]) -> int:
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, n_jobs)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {value!r}")
    return float(value)
