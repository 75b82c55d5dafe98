"""Parameter importance, hyperspace against Optuna, on the same trials.

Runs in a scratch venv with optuna and scikit-learn (Optuna's fANOVA needs
it), never a dependency of hyperspace; the hyperspace package is imported
from the worktree (built by `maturin develop`):

    python3 -m venv /tmp/ref-venv && /tmp/ref-venv/bin/pip install optuna scikit-learn
    PYTHONPATH=bindings/python/python /tmp/ref-venv/bin/python benches/compare/importance.py

For each study (random configurations from a fixed seed, the objective a
closed form), the same trials go into an Optuna study (`add_trials`) and a
hyperspace study (`enqueue` + `ask` + `tell`), and both libraries' fANOVA
and PED-ANOVA evaluators rank the parameters. Printed: the most important
parameter of each, the Spearman rank correlation of the two rankings
(target >= 0.8), and the time of one evaluation at 1,000 and 10,000
trials. Conditional studies are compared on the parameters Optuna ranks
(its default: those every trial has).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator
from scipy.stats import spearmanr

import hyperspace as hs
from hyperspace import importance as hsi

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


# ---- studies: (name, optuna distributions, hyperspace space, sampler, objective)

def _floats(names, low=0.0, high=1.0):
    return {n: FloatDistribution(low, high) for n in names}


def one_matters():
    d = _floats(["x0", "x1", "x2", "x3", "x4"])
    return d, lambda p: (p["x2"] - 0.3) ** 2


def additive():
    d = _floats(["a", "b", "c", "d"])
    return d, lambda p: 4 * p["a"] + 2 * p["b"] + p["c"] + 0.5 * p["d"]


def log_and_categorical():
    d = {
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "layers": IntDistribution(1, 8),
        "opt": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
        "dropout": FloatDistribution(0.0, 0.5),
        "batch": IntDistribution(16, 512, log=True),
    }
    opt = {"adam": 0.0, "sgd": 0.8, "rmsprop": 0.3}

    def f(p):
        return (
            (math.log10(p["lr"]) + 3) ** 2 / 4
            + opt[p["opt"]]
            + 0.05 * abs(p["layers"] - 4)
            + 0.2 * p["dropout"]
            + 0.01 * math.log2(p["batch"])
        )

    return d, f


def branin_with_noise_dims():
    d = {"x1": FloatDistribution(-5, 10), "x2": FloatDistribution(0, 15), **_floats(["n1", "n2"])}

    def f(p):
        x1, x2 = p["x1"], p["x2"]
        a, b, c, r, s, t = 1, 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
        return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s + 0.1 * p["n1"]

    return d, f


def hartmann3():
    d = _floats(["x0", "x1", "x2"])
    alpha = [1.0, 1.2, 3.0, 3.2]
    A = [[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]]
    P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]

    def f(p):
        x = [p["x0"], p["x1"], p["x2"]]
        return -sum(
            alpha[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(3))) for i in range(4)
        )

    return d, f


def conditional():
    # model=svm brings C (log), model=tree brings depth; lr is shared.
    top = {"model": CategoricalDistribution(["svm", "tree"]), "lr": FloatDistribution(1e-4, 1e-1, log=True)}
    branch = {"svm": {"C": FloatDistribution(1e-3, 1e3, log=True)}, "tree": {"depth": IntDistribution(1, 12)}}

    def f(p):
        base = abs(math.log10(p["C"])) / 3 if p["model"] == "svm" else abs(p["depth"] - 6) / 6 + 0.5
        return base + 0.3 * (math.log10(p["lr"]) + 2.5) ** 2

    return (top, branch), f


STUDIES = {
    "one-matters": one_matters,
    "additive": additive,
    "log+categorical": log_and_categorical,
    "branin+noise": branin_with_noise_dims,
    "hartmann3": hartmann3,
    "conditional": conditional,
}


def _draw(dist, rng):
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[rng.integers(len(dist.choices))]
    if isinstance(dist, IntDistribution):
        if dist.log:
            return int(min(dist.high, max(dist.low, round(math.exp(rng.uniform(math.log(dist.low), math.log(dist.high + 1)) - 0.0)))))
        return int(rng.integers(dist.low, dist.high + 1))
    if dist.log:
        return float(math.exp(rng.uniform(math.log(dist.low), math.log(dist.high))))
    return float(rng.uniform(dist.low, dist.high))


def _hs_dist(dist):
    if isinstance(dist, CategoricalDistribution):
        return hs.Categorical(list(dist.choices))
    if isinstance(dist, IntDistribution):
        return hs.Int(dist.low, dist.high, log=dist.log)
    return hs.Float(dist.low, dist.high, log=dist.log)


def build(name, n, seed=0):
    """The same n trials as an Optuna study and a hyperspace study."""
    spec, f = STUDIES[name]()
    rng = np.random.default_rng(seed)
    if isinstance(spec, tuple):
        top, branches = spec
        space = {k: _hs_dist(v) for k, v in top.items() if k != "model"}
        space["model"] = hs.Choice({m: {k: _hs_dist(v) for k, v in sub.items()} for m, sub in branches.items()})
    else:
        top, branches = spec, None
        space = {k: _hs_dist(v) for k, v in spec.items()}
    trials = []
    for _ in range(n):
        params = {k: _draw(v, rng) for k, v in top.items()}
        dists = dict(top)
        if branches is not None:
            sub = branches[params["model"]]
            params.update({k: _draw(v, rng) for k, v in sub.items()})
            dists.update(sub)
        trials.append((params, dists, f(params)))
    ostudy = optuna.create_study()
    ostudy.add_trials([optuna.trial.create_trial(params=p, distributions=d, value=v) for p, d, v in trials])
    hstudy = hs.create_study(seed=0, searcher="random", space=space)
    for p, _, v in trials:
        hstudy.enqueue(p)
        t = hstudy.ask()
        hstudy.tell(t, v)
    return ostudy, hstudy


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def compare(name, n, which):
    ostudy, hstudy = build(name, n)
    if which == "fanova":
        o_eval, h_eval = FanovaImportanceEvaluator(seed=0), hsi.FanovaImportanceEvaluator(seed=0)
    else:
        o_eval, h_eval = PedAnovaImportanceEvaluator(), hsi.PedAnovaImportanceEvaluator()
    o, o_time = timed(lambda: optuna.importance.get_param_importances(ostudy, evaluator=o_eval))
    h, h_time = timed(lambda: hsi.get_param_importances(hstudy, evaluator=h_eval))
    common = [k for k in o if k in h]
    rho = spearmanr([o[k] for k in common], [h[k] for k in common]).statistic if len(common) > 2 else float("nan")
    o_top = max(common, key=lambda k: o[k])
    h_top = max(common, key=lambda k: h[k])
    shares = f"{o[o_top]:.2f} / {h[h_top]:.2f}"
    return o_top, h_top, rho, o_time, h_time, shares


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=1000, help="trials per study for the rankings (0: skip)")
    ap.add_argument("--studies", default=",".join(STUDIES), help="comma-separated studies to rank")
    ap.add_argument("--timing", default="1000,10000", help="trial counts for the timing table")
    args = ap.parse_args()

    if args.trials > 0:
        rankings(args.trials, [x for x in args.studies.split(",") if x])
    timings([int(x) for x in args.timing.split(",") if x])


def rankings(n, names):
    print(f"## Rankings on {n} random trials (Spearman over the parameters Optuna ranks)\n")
    print("| study | evaluator | top (optuna) | top (hyperspace) | top share (optuna / hyperspace) | Spearman | optuna s | hyperspace s |")
    print("|---|---|---|---|---|---:|---:|---:|")
    for name in names:
        for which in ("fanova", "ped-anova"):
            o_top, h_top, rho, o_t, h_t, shares = compare(name, n, which)
            mark = "" if o_top == h_top else " ✗"
            print(
                f"| {name} | {which} | {o_top} | {h_top}{mark} | {shares} | {rho:.2f} | {o_t:.3f} | {h_t:.4f} |",
                flush=True,
            )


def timings(sizes):
    print("\n## Time of one evaluation (log+categorical, 5 parameters)\n")
    print("| trials | evaluator | optuna s | hyperspace s | speed-up |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        for which in ("fanova", "ped-anova"):
            _, _, _, o_t, h_t, _ = compare("log+categorical", n, which)
            print(f"| {n} | {which} | {o_t:.3f} | {h_t:.4f} | {o_t / h_t:.0f}× |", flush=True)


if __name__ == "__main__":
    main()
