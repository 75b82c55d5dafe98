"""The problems of the quality suite, in plain Python: the continuous ones,
and the tree-shaped (conditional) ones as each library writes them.

Definitions, domains and optima are those of
`benches/src/problems/functions.rs` and `benches/src/problems/continuous.rs`
(after Surjanovic & Bingham, Virtual Library of Simulation Experiments,
SFU: branin.html, hart6.html, rosen.html, ackley.html, stybtang.html,
levy.html); `check()` pins them to the optima recorded there.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple, Union

PI = math.pi


def branin(x: Sequence[float]) -> float:
    a, b, c, r, s, t = 1.0, 5.1 / (4.0 * PI * PI), 5.0 / PI, 6.0, 10.0, 1.0 / (8.0 * PI)
    x1, x2 = x[0], x[1]
    return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1.0 - t) * math.cos(x1) + s


BRANIN_MIN = 10.0 / (8.0 * PI)

_H_ALPHA = [1.0, 1.2, 3.0, 3.2]
_H3_A = [
    [3.0, 10.0, 30.0],
    [0.1, 10.0, 35.0],
    [3.0, 10.0, 30.0],
    [0.1, 10.0, 35.0],
]
_H3_P = [
    [0.3689, 0.1170, 0.2673],
    [0.4699, 0.4387, 0.7470],
    [0.1091, 0.8732, 0.5547],
    [0.0381, 0.5743, 0.8828],
]
_H6_A = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
]
_H6_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann3(x: Sequence[float]) -> float:
    return -sum(
        _H_ALPHA[i] * math.exp(-sum(_H3_A[i][j] * (x[j] - _H3_P[i][j]) ** 2 for j in range(3)))
        for i in range(4)
    )


HARTMANN3_MIN = -3.8627797873326624
HARTMANN3_AT = [0.11458887665506895, 0.5556488946169301, 0.8525469846866774]


def hartmann6(x: Sequence[float]) -> float:
    return -sum(
        _H_ALPHA[i] * math.exp(-sum(_H6_A[i][j] * (x[j] - _H6_P[i][j]) ** 2 for j in range(6)))
        for i in range(4)
    )


HARTMANN6_MIN = -3.322368011415515
HARTMANN6_AT = [0.20168951100670543, 0.15001069182345797, 0.476873974221897, 0.2753324304940561, 0.31165161660011326, 0.6573005340656204]


def rosenbrock(x: Sequence[float]) -> float:
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1.0) ** 2 for i in range(len(x) - 1))


def ackley(x: Sequence[float]) -> float:
    d = len(x)
    squares = sum(v * v for v in x) / d
    cosines = sum(math.cos(2.0 * PI * v) for v in x) / d
    return max(0.0, -20.0 * math.exp(-0.2 * math.sqrt(squares)) - math.exp(cosines) + 20.0 + math.e)


STYBLINSKI_TANG_X = -2.903534027771178
STYBLINSKI_TANG_MIN_PER_DIM = -39.16616570377142


def styblinski_tang(x: Sequence[float]) -> float:
    return 0.5 * sum(v**4 - 16.0 * v * v + 5.0 * v for v in x)


def levy(x: Sequence[float]) -> float:
    w = [1.0 + (v - 1.0) / 4.0 for v in x]
    d = len(w)
    first = math.sin(PI * w[0]) ** 2
    middle = sum((wi - 1.0) ** 2 * (1.0 + 10.0 * math.sin(PI * wi + 1.0) ** 2) for wi in w[: d - 1])
    last = (w[d - 1] - 1.0) ** 2 * (1.0 + math.sin(2.0 * PI * w[d - 1]) ** 2)
    return first + middle + last


@dataclass(frozen=True)
class Problem:
    """A function to minimize on a box; parameters are named x1..xd."""

    name: str
    f: Callable[[Sequence[float]], float]
    bounds: Tuple[Tuple[float, float], ...]
    optimum: float
    at: Tuple[float, ...]

    @property
    def names(self) -> List[str]:
        return [f"x{i + 1}" for i in range(len(self.bounds))]

    def __call__(self, x: Sequence[float]) -> float:
        return self.f(x)

    def regret(self, best: float) -> float:
        return max(0.0, best - self.optimum)


PROBLEMS: List[Problem] = [
    Problem("branin", branin, ((-5.0, 10.0), (0.0, 15.0)), BRANIN_MIN, (PI, 2.275)),
    Problem("hartmann3", hartmann3, ((0.0, 1.0),) * 3, HARTMANN3_MIN, tuple(HARTMANN3_AT)),
    Problem("hartmann6", hartmann6, ((0.0, 1.0),) * 6, HARTMANN6_MIN, tuple(HARTMANN6_AT)),
    Problem("rosenbrock-4", rosenbrock, ((-5.0, 10.0),) * 4, 0.0, (1.0,) * 4),
    Problem("ackley-5", ackley, ((-32.768, 32.768),) * 5, 0.0, (0.0,) * 5),
    Problem(
        "styblinski-tang-10",
        styblinski_tang,
        ((-5.0, 5.0),) * 10,
        10 * STYBLINSKI_TANG_MIN_PER_DIM,
        (STYBLINSKI_TANG_X,) * 10,
    ),
    Problem("levy-6", levy, ((-10.0, 10.0),) * 6, 0.0, (1.0,) * 6),
]


# ---- tree-shaped problems ------------------------------------------------------

# One parameter of a branch: (name, kind "float" | "int", low, high, log), or
# (name, "choice", (choices...), None, False).
TreeParam = Tuple[str, str, Any, Any, bool]


@dataclass(frozen=True)
class TreeProblem:
    """A choice (`root`) whose options each bring their own parameters, and
    parameters every trial has (`shared`, suggested first).

    The same definition is written three ways: define-by-run (`suggest`, for
    Optuna's and hyperspace's trials: the branch's parameters are suggested
    inside an `if`), a hyperspace `Choice` with branches (define-and-run),
    and a Hyperopt `hp.choice` tree."""

    name: str
    root: str
    branches: Dict[str, Tuple[TreeParam, ...]]
    f: Callable[[Dict[str, Any]], float]
    optimum: float
    at: Dict[str, Any]
    shared: Tuple[TreeParam, ...] = ()

    def __call__(self, params: Dict[str, Any]) -> float:
        return self.f(params)

    def regret(self, best: float) -> float:
        return max(0.0, best - self.optimum)

    def suggest(self, trial: Any) -> Dict[str, Any]:
        """The parameters of one trial, define-by-run (Optuna's and
        hyperspace's `suggest_*`)."""
        params: Dict[str, Any] = {}
        for name, kind, lo, hi, log in self.shared:
            params[name] = _suggest(trial, name, kind, lo, hi, log)
        family = trial.suggest_categorical(self.root, list(self.branches))
        params[self.root] = family
        for name, kind, lo, hi, log in self.branches[family]:
            params[name] = _suggest(trial, name, kind, lo, hi, log)
        return params

    def hyperspace_space(self) -> Dict[str, Any]:
        import hyperspace as hs

        def dist(kind: str, lo: Any, hi: Any, log: bool) -> Any:
            if kind == "choice":
                return hs.Categorical(list(lo))
            return hs.Int(int(lo), int(hi), log=log) if kind == "int" else hs.Float(lo, hi, log=log)

        return {
            **{n: dist(k, lo, hi, log) for n, k, lo, hi, log in self.shared},
            self.root: hs.Choice(
                {b: {n: dist(k, lo, hi, log) for n, k, lo, hi, log in ps} for b, ps in self.branches.items()}
            ),
        }

    def hyperopt_space(self) -> Any:
        """An `hp.choice` tree; integers are quantized (log-)uniforms, rounded
        back by `from_hyperopt`."""
        from hyperopt import hp

        def dist(name: str, kind: str, lo: Any, hi: Any, log: bool) -> Any:
            if kind == "choice":
                return hp.choice(name, list(lo))
            if kind == "int":
                if log:
                    return hp.qloguniform(name, math.log(lo - 0.5 + 1e-9), math.log(hi + 0.5), 1)
                return hp.quniform(name, lo - 0.5 + 1e-9, hi + 0.5, 1)
            return hp.loguniform(name, math.log(lo), math.log(hi)) if log else hp.uniform(name, lo, hi)

        tree = hp.choice(
            self.root,
            [{self.root: b, **{n: dist(n, k, lo, hi, log) for n, k, lo, hi, log in ps}} for b, ps in self.branches.items()],
        )
        if not self.shared:
            return tree
        return {"__tree": tree, **{n: dist(n, k, lo, hi, log) for n, k, lo, hi, log in self.shared}}

    def from_hyperopt(self, params: Dict[str, Any]) -> Dict[str, Any]:
        kinds = {n: (k, lo, hi) for ps in (*self.branches.values(), self.shared) for n, k, lo, hi, _ in ps}
        flat = {k: v for k, v in params.items() if k != "__tree"}
        flat.update(params.get("__tree", {}))
        out: Dict[str, Any] = {}
        for n, v in flat.items():
            if n in kinds and kinds[n][0] == "int":
                v = min(max(int(round(v)), int(kinds[n][1])), int(kinds[n][2]))
            out[n] = v
        return out


def _suggest(trial: Any, name: str, kind: str, lo: Any, hi: Any, log: bool) -> Any:
    """One define-by-run suggestion of a `TreeParam`."""
    if kind == "choice":
        return trial.suggest_categorical(name, list(lo))
    if kind == "int":
        return trial.suggest_int(name, int(lo), int(hi), log=log)
    return trial.suggest_float(name, lo, hi, log=log)


def model_selection(p: Dict[str, Any]) -> float:
    """`benches/src/problems/model_selection.rs`: svm (best, a narrow
    diagonal valley along C gamma = 0.1), forest and mlp (broad bowls)."""
    family = p["family"]
    if family == "svm":
        a, b = math.log10(p["svm_c"]), math.log10(p["svm_gamma"])
        return 0.10 + 0.25 * (1.0 - math.exp(-((a + b + 1.0) ** 2) / 0.18)) + 0.004 * (a - 2.0) ** 2
    if family == "forest":
        return (
            0.14
            + 0.015 * (math.log10(p["forest_trees"]) - 2.5) ** 2
            + 0.0004 * (p["forest_depth"] - 12.0) ** 2
            + 0.05 * (p["forest_features"] - 0.4) ** 2
        )
    return 0.12 + 0.03 * (math.log10(p["mlp_lr"]) + 3.0) ** 2 + 0.01 * (math.log2(p["mlp_width"]) - 7.0) ** 2


def conditional(p: Dict[str, Any]) -> float:
    """`benches/src/problems/conditional.rs`: linear, tree (best, the
    branch random search finds hardest) and knn, plus a shared `x`."""
    shared = 0.1 * (p["x"] - 0.3) ** 2
    model = p["model"]
    if model == "linear":
        return shared + 0.30 + 0.05 * (math.log10(p["alpha"]) + 2.0) ** 2 + 0.1 * (p["l1"] - 0.3) ** 2
    if model == "tree":
        return shared + 0.20 + 0.004 * (p["depth"] - 9.0) ** 2 + 0.02 * math.log(p["leaf"] / 6.0) ** 2
    return shared + 0.25 + 0.03 * math.log(p["k"] / 15.0) ** 2 + (0.02 if p["weights"] == "distance" else 0.0)


TREE_PROBLEMS: List[TreeProblem] = [
    TreeProblem(
        "model-selection",
        "family",
        {
            "svm": (("svm_c", "float", 1e-2, 1e3, True), ("svm_gamma", "float", 1e-5, 10.0, True)),
            "forest": (
                ("forest_trees", "int", 10, 1000, True),
                ("forest_depth", "int", 1, 30, False),
                ("forest_features", "float", 0.05, 1.0, False),
            ),
            "mlp": (("mlp_lr", "float", 1e-5, 0.1, True), ("mlp_width", "int", 8, 1024, True)),
        },
        model_selection,
        0.10,
        {"family": "svm", "svm_c": 100.0, "svm_gamma": 1e-3},
    ),
    TreeProblem(
        "conditional",
        "model",
        {
            "linear": (("alpha", "float", 1e-4, 1.0, True), ("l1", "float", 0.0, 1.0, False)),
            "tree": (("depth", "int", 1, 16, False), ("leaf", "int", 1, 64, True)),
            "knn": (("k", "int", 1, 100, True), ("weights", "choice", ("uniform", "distance"), None, False)),
        },
        conditional,
        0.20,
        {"x": 0.3, "model": "tree", "depth": 9, "leaf": 6},
        shared=(("x", "float", 0.0, 1.0, False),),
    ),
]


class RustObjective:
    """A problem of the Rust suite evaluated by `hyperspace-bench eval NAME`:
    one process per Python process, kept for the whole run, a JSON line in
    and a value out per trial. The binary is `$HYPERSPACE_BENCH`, else the
    release build in this checkout."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._process: Any = None

    @staticmethod
    def binary() -> str:
        here = os.path.dirname(os.path.abspath(__file__))
        default = os.path.join(here, "..", "..", "target", "release", "hyperspace-bench")
        return os.environ.get("HYPERSPACE_BENCH", default)

    def __call__(self, params: Dict[str, Any]) -> float:
        if self._process is None:
            self._process = subprocess.Popen(
                [self.binary(), "eval", self.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        self._process.stdin.write(json.dumps(params) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        if isinstance(answer, dict):
            raise ValueError(f"{self.name}: {answer.get('error')}")
        return float(answer)

    def __getstate__(self) -> Dict[str, Any]:
        # A process pool's worker starts its own evaluator.
        return {"name": self.name, "_process": None}


# Tree problems whose objective is the Rust suite's (real models): run only
# when named (`--problems linfa-model-selection`), with a release build of
# `hyperspace-bench`. Elastic net or SVR on diabetes, 5-fold CV 1 - R^2
# (`benches/src/problems/models/selection.rs`).
RUST_TREE_PROBLEMS: List[TreeProblem] = [
    TreeProblem(
        "linfa-model-selection",
        "family",
        {
            "elasticnet": (("alpha", "float", 1e-5, 10.0, True), ("l1_ratio", "float", 0.0, 1.0, False)),
            "svm": (("C", "float", 1e-2, 1e3, True), ("width", "float", 1e-3, 10.0, True)),
        },
        RustObjective("linfa-model-selection"),
        0.48181787897035977,
        {"family": "svm", "C": 0.5574271196745068, "width": 0.08933650609118413},
    ),
]

# Every problem compare.py can run, by name.
ALL_PROBLEMS: List[Union[Problem, TreeProblem]] = [*PROBLEMS, *TREE_PROBLEMS, *RUST_TREE_PROBLEMS]
# What it runs when no problem is named.
DEFAULT_PROBLEMS: List[Union[Problem, TreeProblem]] = [*PROBLEMS, *TREE_PROBLEMS]


def check() -> None:
    """Each function takes its recorded optimum at its recorded minimizer."""
    for t in TREE_PROBLEMS:
        assert abs(t(t.at) - t.optimum) < 1e-12, (t.name, t(t.at))
    for t in RUST_TREE_PROBLEMS:
        if os.path.exists(RustObjective.binary()):
            assert abs(t(t.at) - t.optimum) < 1e-12, (t.name, t(t.at))
    for p in PROBLEMS:
        value = p(p.at)
        assert abs(value - p.optimum) < 1e-9 * max(1.0, abs(p.optimum)), (p.name, value, p.optimum)
    for other in [(-PI, 12.275), (9.42478, 2.475)]:
        assert abs(branin(other) - BRANIN_MIN) < 1e-5


if __name__ == "__main__":
    check()
    print("ok: every optimum matches")
