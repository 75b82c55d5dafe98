"""Plots of a study, as plotly figures (Optuna's ``optuna.visualization``
convention)::

    import hyperspace as hs

    study = hs.load_study("runs.db", "resnet")
    hs.visualization.plot_optimization_history(study).show()
    hs.visualization.plot_contour(study, params=["lr", "layers"], where="state = complete and lr < 0.01")

Every function takes ``where=``, a filter in the language of ``hyperspace
trials --where`` (``"lr < 0.01 and opt = adam"``), read by the engine, to
plot only the trials it keeps. plotly is an optional extra:
``pip install 'hyperspace[plot]'``; without it each function raises an
``ImportError`` that says so.
"""

from ._figures import (
    plot_contour,
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_slice,
)


def is_available() -> bool:
    """Whether plotly can be imported (the ``plot`` extra is installed)."""
    try:
        import plotly.graph_objects  # noqa: F401
    except ImportError:
        return False
    return True


__all__ = [
    "is_available",
    "plot_contour",
    "plot_edf",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_slice",
]
