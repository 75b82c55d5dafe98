"""The exceptions of hyperspace, all rooted in :class:`HyperspaceError`.

Each also derives from the built-in exception a Python user would expect
(``ValueError`` for bad input, ``LookupError`` for something missing), so
``except ValueError`` keeps working. The engine fills in attributes with the
data a person needs: ``param``, ``trial_id``, ``state``, ``study``,
``searcher``, ``path``, ``url``, ``column`` (``None`` when not relevant).

::

    HyperspaceError
    ├── SpaceError (ValueError)
    │   ├── InvalidParamError        a parameter definition is wrong
    │   ├── SpaceSyntaxError         a space text cannot be read
    │   └── SpaceChangeError         a study's space cannot change that way
    ├── InvalidConfigError (ValueError)   a configuration does not fit its space
    ├── InvalidStudyError (ValueError)    bad study settings (name, direction, ...)
    ├── StudyNotFoundError (LookupError)
    ├── StudyExistsError
    ├── TrialNotFoundError (LookupError)
    ├── TrialFinishedError           a finished trial cannot change
    ├── WrongStudyError              the trial belongs to another study
    ├── NonFiniteValueError (ValueError)  NaN or infinite objective / report
    ├── InvalidTellError (ValueError)
    ├── SearcherError
    │   ├── UnknownSearcherError (LookupError)
    │   ├── SearcherSettingsError (ValueError)
    │   └── SearcherExhaustedError   e.g. every grid point was handed out
    ├── StorageError
    │   ├── StorageUrlError (ValueError)
    │   ├── CorruptDatabaseError
    │   └── DatabaseLockedError
    ├── EnsembleError (ValueError)   saved predictions missing or unfit
    └── TrialPruned                  raise it from an objective to prune
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "HyperspaceError",
    "SpaceError",
    "InvalidParamError",
    "SpaceSyntaxError",
    "SpaceChangeError",
    "InvalidConfigError",
    "InvalidStudyError",
    "StudyNotFoundError",
    "StudyExistsError",
    "TrialNotFoundError",
    "TrialFinishedError",
    "WrongStudyError",
    "NonFiniteValueError",
    "InvalidTellError",
    "NoFeasibleTrialError",
    "SearcherError",
    "UnknownSearcherError",
    "SearcherSettingsError",
    "SearcherExhaustedError",
    "StorageError",
    "StorageUrlError",
    "CorruptDatabaseError",
    "DatabaseLockedError",
    "StorageUnavailableError",
    "WaitTimeoutError",
    "TrialPruned",
    "ArtifactError",
    "EnsembleError",
]


class HyperspaceError(Exception):
    """The root of every hyperspace exception."""

    param: Optional[str]
    trial_id: Optional[int]
    state: Optional[str]
    study: Optional[str]
    searcher: Optional[str]
    path: Optional[str]
    url: Optional[str]
    column: Optional[int]

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        for key in ("param", "trial_id", "state", "study", "searcher", "path", "url", "column"):
            setattr(self, key, details.pop(key, None))
        for key, value in details.items():
            setattr(self, key, value)


class SpaceError(HyperspaceError, ValueError):
    """A search space is invalid."""


class InvalidParamError(SpaceError):
    """A parameter's definition is invalid (``low >= high``, a log scale
    with ``low <= 0``, a name used twice, ...). ``param`` names it."""


class SpaceSyntaxError(SpaceError):
    """A space given as text (JSON or the compact syntax) cannot be read;
    ``column`` says where."""


class SpaceChangeError(SpaceError):
    """A study's space cannot change the way asked (a parameter removed or
    narrowed while trials exist)."""


class InvalidConfigError(HyperspaceError, ValueError):
    """A configuration does not fit its space (an enqueued value out of
    range, a parameter suggested with another distribution than a queued
    value allows, ...)."""


class InvalidStudyError(HyperspaceError, ValueError):
    """A study's settings are invalid (empty name, unknown direction,
    direction differing from the stored study, asking a space-less study
    for a define-and-run trial, an unknown pruner or one with invalid
    settings: then ``pruner`` and ``setting`` name them)."""


class StudyNotFoundError(HyperspaceError, LookupError):
    """No study of that name in the storage."""


class StudyExistsError(HyperspaceError):
    """A study of that name exists already (``Study.create``)."""


class TrialNotFoundError(HyperspaceError, LookupError):
    """No trial with that id."""


class TrialFinishedError(HyperspaceError):
    """The trial is finished (told twice, or reported to after tell);
    finished trials never change. ``state`` is its final state."""


class WrongStudyError(HyperspaceError):
    """The trial belongs to another study."""


class NonFiniteValueError(HyperspaceError, ValueError):
    """An objective value or intermediate value is NaN or infinite. Tell
    the trial as failed instead (``optimize`` does that by itself)."""


class InvalidTellError(HyperspaceError, ValueError):
    """A trial cannot finish the way asked (e.g. re-queueing a trial that is
    not running)."""


class NoFeasibleTrialError(HyperspaceError, ValueError):
    """Every finished trial of the study breaks a constraint (a constraint
    value above 0), so it has no best trial."""


class SearcherError(HyperspaceError):
    """The searcher failed. When a searcher written in Python raised, its
    exception is the ``__cause__``."""


class UnknownSearcherError(SearcherError, LookupError):
    """No searcher of that name is registered."""


class SearcherSettingsError(SearcherError, ValueError):
    """The searcher's settings are invalid; ``setting`` names the one at
    fault (``None`` when no single setting is, e.g. settings that are not
    a dict)."""

    setting: Optional[str]


class SearcherExhaustedError(SearcherError):
    """The searcher has nothing left to propose (an exhausted grid)."""


class StorageError(HyperspaceError):
    """The storage failed."""


class StorageUrlError(StorageError, ValueError):
    """The storage URL cannot be used."""


class CorruptDatabaseError(StorageError):
    """The file is not a hyperspace database, is damaged, or was written by
    a newer hyperspace."""


class DatabaseLockedError(StorageError):
    """Another process held the database longer than the busy timeout."""


class StorageUnavailableError(StorageError):
    """The storage cannot be reached for now (a server restarting, a lost
    connection, a full disk); trying again later may succeed. ``storage``
    says which."""


class WaitTimeoutError(HyperspaceError, TimeoutError):
    """A reproducible study waited longer than its ``wait_timeout`` for an
    earlier trial; ``trial_number`` is the trial to be proposed,
    ``waiting_for`` the one waited for."""


class ArtifactError(HyperspaceError):
    """A trial's artifact directory cannot be found or used: a PostgreSQL
    storage without ``artifacts=`` / ``HYPERSPACE_ARTIFACTS``, a file that
    cannot be copied, recorded artifacts that are gone."""


class EnsembleError(HyperspaceError, ValueError):
    """An ensemble cannot be built or applied: a trial without its saved
    ``predictions.csv``, ragged rows, a row count that differs from the
    targets, NaN, a metric that does not fit the predictions, an unknown
    ensemble name. The message names the trial and the file."""


class TrialPruned(HyperspaceError):
    """Raise from an objective to stop the trial as pruned::

        if trial.should_prune():
            raise hyperspace.TrialPruned()
    """
