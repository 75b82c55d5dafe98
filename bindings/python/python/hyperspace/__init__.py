"""hyperspace: hyperparameter optimization with a Rust engine.

Say what may vary, get good configurations to try next, keep every trial::

    import hyperspace as hs

    study = hs.Study.open("runs.db", "resnet", direction="minimize", searcher="tpe")
    for _ in range(50):
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)   # define-by-run
        for epoch in range(20):
            loss = train_one_epoch(lr)
            trial.report(epoch, loss)
            if trial.should_prune():
                break
        study.tell(trial, loss)

or ``study.optimize(objective, n_trials=50)``, or define-and-run:
``trial = study.ask({"lr": hs.Float(1e-5, 1e-1, log=True)})`` then
``trial.params``.
"""

from . import _core
from . import importance
from . import integration
from . import visualization
from .distributions import Categorical, Choice, Distribution, Float, Int, Space
from . import errors as _errors
from .errors import *  # noqa: F401,F403 -- every exception; the list is errors.__all__
from .pruners import BasePruner, EnginePruner, HyperbandPruner, MedianPruner, NopPruner, SuccessiveHalvingPruner
from .searcher import SearchContext, register_searcher, searchers
from .study import NoCompleteTrialError, Study, StudyOptions, create_study, load_study
from ._admin import (
    AddedTrial,
    StudySummary,
    copy_study,
    create_trial,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
)
from ._optuna_import import import_optuna
from ._params import Search, params, search
from .trial import FrozenTrial, Trial, TrialState

__version__: str = _core.__version__

__all__ = [
    "Study",
    "StudyOptions",
    "create_study",
    "load_study",
    "AddedTrial",
    "StudySummary",
    "create_trial",
    "copy_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "import_optuna",
    "params",
    "search",
    "Search",
    "Trial",
    "FrozenTrial",
    "TrialState",
    "Space",
    "Distribution",
    "Float",
    "Int",
    "Categorical",
    "Choice",
    "BasePruner",
    "EnginePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "SuccessiveHalvingPruner",
    "SearchContext",
    "register_searcher",
    "searchers",
    "NoCompleteTrialError",
    "importance",
    "integration",
    "visualization",
    "__version__",
]
__all__ += _errors.__all__
