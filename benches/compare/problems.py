"""The continuous problems of the quality suite, in plain Python.

Definitions, domains and optima are those of
`benches/src/problems/functions.rs` and `benches/src/problems/continuous.rs`
(after Surjanovic & Bingham, Virtual Library of Simulation Experiments,
SFU: branin.html, hart6.html, rosen.html, ackley.html, stybtang.html,
levy.html); `check()` pins them to the optima recorded there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

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


def check() -> None:
    """Each function takes its recorded optimum at its recorded minimizer."""
    for p in PROBLEMS:
        value = p(p.at)
        assert abs(value - p.optimum) < 1e-9 * max(1.0, abs(p.optimum)), (p.name, value, p.optimum)
    for other in [(-PI, 12.275), (9.42478, 2.475)]:
        assert abs(branin(other) - BRANIN_MIN) < 1e-5


if __name__ == "__main__":
    check()
    print("ok: every optimum matches")
