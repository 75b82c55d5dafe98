"""Where an integration's trials go: the ``study=`` it was given, or one
opened (or created) from ``storage=`` / ``study_name=``. One rule for
``HyperspaceSearchCV`` and ``Config.run_all``: a study given is used as
is; a storage opens the named study if it exists (so a second run adds to
the first), else creates it with the options; neither gives a new study
in memory."""

from __future__ import annotations

from typing import Any, Optional

from .study import Study, create_study


def study_from(study: Optional[Study], storage: Any, study_name: Optional[str], **options: Any) -> Study:
    if study is not None:
        if not isinstance(study, Study):
            raise TypeError(f"study must be a hyperspace.Study, got {study!r}")
        if storage is not None or study_name is not None:
            raise ValueError("give study= or storage=/study_name=, not both")
        return study
    if study_name is not None and storage is None:
        raise ValueError("study_name= needs storage= (a new in-memory study gets a fresh name)")
    options = {k: v for k, v in options.items() if v is not None}
    return create_study(study_name, storage, load_if_exists=storage is not None, **options)
