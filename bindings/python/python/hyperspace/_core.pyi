"""Type stubs for the native core ``hyperspace._core`` (PyO3). Not a public
API: use :mod:`hyperspace`. Trials cross as JSON text; the hot calls of
define-by-run (``suggest``, ``record``) as typed objects."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__version__: str
MAX_BATCH: int

class CoreParam:
    """One parameter's definition, parsed and checked once."""

    @staticmethod
    def parse(name: str, definition: str) -> CoreParam: ...
    @property
    def notes(self) -> List[str]:
        """What the engine narrowed (a step that does not divide the range)."""

class CoreStudy:
    """An engine study behind a mutex; every call releases the GIL."""

    @staticmethod
    def open(options_json: str) -> CoreStudy:
        """``options_json``: one JSON object, ``mode`` (``open`` | ``create``
        | ``load``), ``storage``, ``name`` and optionally ``direction``,
        ``searcher``, ``searcher_settings_json``, ``space``, ``seed``,
        ``busy_timeout``, ``pruner``, ``pruner_settings_json``, ``lag``,
        ``wait_timeout``; unknown fields are refused."""
    @property
    def pid(self) -> int: ...
    @property
    def kept_settings(self) -> Optional[str]:
        """The searcher, settings or seed an existing study kept although
        others were given to ``open``, as one phrase (``None``: none)."""
    def config_json(self) -> str: ...
    def storage_description(self) -> str: ...
    def ask(self, space: Optional[str] = None) -> str: ...
    def ask_open(self, proposal: bool = False) -> Tuple[Dict[str, Any], Optional[Dict[str, Tuple[Any, ...]]]]: ...
    def ask_batch(self, n: int, space: Optional[str] = None) -> List[str]: ...
    def ask_open_batch(self, n: int) -> List[Tuple[str, Optional[Dict[str, Tuple[Any, ...]]]]]: ...
    def optimize(
        self,
        run_trial: Callable[[str], Tuple[str, Optional[float], Optional[str], Optional[Dict[str, Any]]]],
        on_event: Callable[[str, str], None],
        unrecorded: Callable[[int], Optional[Dict[str, Any]]],
        n_trials: Optional[int] = None,
        timeout: Optional[float] = None,
        n_jobs: int = 1,
        define_and_run: bool = False,
        max_failures: Optional[int] = None,
        storage_url: Optional[str] = None,
        patience: Optional[float] = None,
    ) -> Optional[Tuple[str, str]]: ...
    def stop(self) -> None: ...
    def set_lease(self, seconds: Optional[float]) -> None: ...
    def suggest(
        self, trial_id: int, name: str, param: CoreParam, proposal: bool = False
    ) -> Tuple[Any, Optional[Dict[str, Tuple[Any, ...]]]]: ...
    def record(self, trial_id: int, params: Dict[str, Any]) -> None: ...
    def tell(
        self,
        trial_id: int,
        state: str,
        value: Optional[float] = None,
        metrics: Optional[Sequence[Tuple[str, float]]] = None,
        message: Optional[str] = None,
        fail_if_not_finite: bool = False,
        params: Optional[Dict[str, Any]] = None,
    ) -> Dict[str, Any]: ...
    def tell_values(
        self,
        trial_id: int,
        state: str,
        values: Sequence[float],
        constraints: Optional[Sequence[float]] = None,
        metrics: Optional[Sequence[Tuple[str, float]]] = None,
        message: Optional[str] = None,
    ) -> str: ...
    def best_trials(self) -> str: ...
    def report(
        self,
        trial_id: int,
        step: int,
        value: Optional[float] = None,
        params: Optional[Dict[str, Any]] = None,
        metrics: Optional[Sequence[Tuple[str, float]]] = None,
    ) -> Optional[str]: ...
    def set_user_attr(self, trial_id: int, key: str, value: str) -> None: ...
    def enqueue(
        self,
        params: str,
        budget: Optional[float] = None,
        parent: Optional[int] = None,
        user_attrs: Optional[str] = None,
    ) -> str: ...
    def requeue(self, trial_id: int) -> str: ...
    def abandon(self, trial_id: int, message: str) -> Optional[str]: ...
    def take_over(self, trial_id: int) -> str: ...
    def trial(self, trial_id: int) -> str: ...
    def trials(self) -> str: ...
    def n_trials(self) -> int: ...
    def best_trial(self) -> Optional[str]: ...
    def should_prune(self, trial_id: int) -> bool: ...
    def set_pruner(self, name: Optional[str], settings_json: str = "null") -> None: ...
    def pruner_json(self) -> Optional[str]: ...

def register_searcher(name: str, builder: Callable[[str], object]) -> None:
    """``builder(settings_json)`` returns an object with
    ``_hs_suggest(space_json, trials_json, context_json) -> str``."""

def searcher_names() -> List[str]: ...
def artifact_root(storage_url: str, explicit: Optional[str] = None) -> str: ...
def trial_artifact_dir(root: str, study: str, number: int) -> str: ...
def copy_artifact(dir: str, source: str) -> str: ...
def record_artifacts(study: CoreStudy, trial_id: int, dir: str) -> str: ...
def lineage(study: CoreStudy, trial_id: int) -> str: ...
def interpolate_grid(
    points: List[Tuple[float, float, float]], xs: List[float], ys: List[float]
) -> List[List[Optional[float]]]: ...

class OptunaRead:
    def summary_json(self) -> str: ...
    def add_to(self, study: CoreStudy) -> str: ...

def read_optuna(source: str, study_name: str) -> OptunaRead: ...
def build_ensemble(
    study: CoreStudy,
    root: str,
    metric: str,
    top: int = 20,
    size: int = 10,
    filter: Optional[str] = None,
    name: Optional[str] = None,
) -> str: ...
def stored_ensemble(study: CoreStudy, name: str) -> str: ...
def storage_url(url: str) -> Tuple[str, Optional[str]]:
    """The URL as the engine reads it (a relative SQLite path made
    absolute), and a warning for its writer, if any."""
def sample_space(space: str, seed: int) -> str:
    """A configuration drawn uniformly from the space (JSON or compact
    text), as JSON; the same seed gives the same configuration."""
def space_notes(space: str) -> List[str]:
    """One warning per parameter whose step the engine narrowed."""
def pruner_settings(name: str, settings_json: str) -> str:
    """Every setting of pruner ``name``, the engine's defaults filled in."""
def pruner_names() -> List[str]: ...
def param_importances(
    study: CoreStudy,
    evaluator_json: str,
    seed: Optional[int] = None,
    params: Optional[List[str]] = None,
    filter: Optional[str] = None,
) -> List[Tuple[str, float]]:
    """``[(name, importance)]``, most important first, summing to 1;
    ``evaluator_json``: ``{"evaluator": "fanova" | "ped-anova", ...settings}``;
    ``filter``: only the trials it keeps (``hyperspace trials --where``)."""
def select_trials(study: CoreStudy, filter: Optional[str] = None) -> str:
    """The trials ``filter`` keeps (the ``hyperspace trials --where``
    language), as a JSON array by number; a bad filter raises ValueError."""
def history(study: CoreStudy, filter: Optional[str] = None) -> str:
    """``{"number", "state", "value", "best"}`` of the finished trials
    ``filter`` keeps: ``best`` is the best complete value so far (the
    dashboard's rule)."""
def add_trials(study: CoreStudy, trials_json: str) -> str:
    """Adds finished trials (a JSON array, as ``hyperspace._admin`` writes
    them), all checked before any is stored; the stored trials as JSON."""
def retarget_study(study: CoreStudy, objectives: List[str]) -> None:
    """Points the study at other recorded metrics (``NAME:minimize`` or
    ``NAME:maximize`` each)."""
def objective_history(study: CoreStudy) -> str:
    """The objectives the study had before each retarget, as JSON."""
def study_user_attrs(study: CoreStudy) -> str:
    """The study's user attributes, as a JSON object."""
def set_study_user_attr(study: CoreStudy, key: str, value_json: str) -> None:
    """Sets one user attribute of the study (its value as JSON)."""
def list_studies(storage_url: str) -> str:
    """Every study of the storage as a JSON array of ``{name, config,
    created, user_attrs}`` (a damaged one: ``{name, created, damaged}``)."""
def delete_study(storage_url: str, name: str) -> None:
    """Deletes a study and its trials; StudyNotFoundError if missing."""
