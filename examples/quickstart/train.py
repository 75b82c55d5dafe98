#!/usr/bin/env python3
"""A small real training job for the hyperspace quickstart: nothing beyond
Python's standard library.

Logistic regression trained by mini-batch SGD on a synthetic two-moons data
set, with a choice of feature map (linear, quadratic, or random Fourier
features approximating an RBF kernel of width `gamma`). It prints one line
per epoch, as a training script would:

    epoch 3 train_loss=0.4123 val_loss=0.4290 val_accuracy=0.8350

and a final JSON line with its metrics, which `hyperspace run` reads:

    {"val_loss": 0.4290, "val_accuracy": 0.835, "train_loss": 0.4123}

It knows nothing of hyperspace; run it by hand too:

    python3 train.py --lr 0.1 --features rbf --gamma 2
"""
import argparse
import json
import math
import random
import sys


def two_moons(n, noise, rng):
    """Two interleaving half circles, labels 0 and 1."""
    points = []
    for i in range(n):
        label = i % 2
        t = rng.uniform(0.0, math.pi)
        if label == 0:
            x, y = math.cos(t), math.sin(t)
        else:
            x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
        points.append(((x + rng.gauss(0, noise), y + rng.gauss(0, noise)), label))
    return points


def feature_map(kind, gamma, rng):
    """Returns a function from a 2-D point to a feature vector (bias first)."""
    if kind == "linear":
        return lambda p: [1.0, p[0], p[1]]
    if kind == "quadratic":
        return lambda p: [1.0, p[0], p[1], p[0] * p[0], p[0] * p[1], p[1] * p[1]]
    # Random Fourier features: cos(w.x + b) with w ~ N(0, 2 gamma).
    d = 40
    scale = math.sqrt(2.0 * gamma)
    ws = [(rng.gauss(0, scale), rng.gauss(0, scale)) for _ in range(d)]
    bs = [rng.uniform(0, 2 * math.pi) for _ in range(d)]
    norm = math.sqrt(2.0 / d)

    def rff(p):
        return [1.0] + [norm * math.cos(w[0] * p[0] + w[1] * p[1] + b) for w, b in zip(ws, bs)]

    return rff


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def evaluate(weights, data):
    loss, correct = 0.0, 0
    for x, y in data:
        p = sigmoid(sum(w * xi for w, xi in zip(weights, x)))
        p = min(max(p, 1e-12), 1 - 1e-12)
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        correct += (p >= 0.5) == (y == 1)
    return loss / len(data), correct / len(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--features", choices=["linear", "quadratic", "rbf"], default="linear")
    parser.add_argument("--gamma", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data_rng = random.Random(0)  # the data set is fixed: its version is recorded
    train_raw, val_raw = two_moons(400, 0.25, data_rng), two_moons(400, 0.25, data_rng)
    rng = random.Random(args.seed)  # the trial's own randomness
    phi = feature_map(args.features, args.gamma, rng)
    train = [(phi(p), y) for p, y in train_raw]
    val = [(phi(p), y) for p, y in val_raw]

    weights = [0.0] * len(train[0][0])
    for epoch in range(args.epochs):
        rng.shuffle(train)
        for start in range(0, len(train), args.batch):
            batch = train[start:start + args.batch]
            grad = [0.0] * len(weights)
            for x, y in batch:
                err = sigmoid(sum(w * xi for w, xi in zip(weights, x))) - y
                for j, xj in enumerate(x):
                    grad[j] += err * xj
            for j in range(len(weights)):
                weights[j] -= args.lr * (grad[j] / len(batch) + args.l2 * weights[j])
        train_loss, _ = evaluate(weights, train)
        val_loss, val_acc = evaluate(weights, val)
        if not math.isfinite(val_loss):
            print("diverged: the loss is not finite", file=sys.stderr)
            return 1
        print(f"epoch {epoch} train_loss={train_loss:.4f} val_loss={val_loss:.4f} val_accuracy={val_acc:.4f}")

    print(json.dumps({"val_loss": val_loss, "val_accuracy": val_acc, "train_loss": train_loss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
