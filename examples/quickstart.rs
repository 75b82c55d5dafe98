//! Quickstart: tune a real training loop with hyperspace, on SQLite.
//!
//! A logistic-regression classifier is trained by mini-batch SGD on a
//! synthetic two-moons data set; hyperspace tunes its learning rate, L2
//! penalty, epochs, batch size and feature map to minimise the validation
//! log-loss. Every trial is recorded in `hyperspace-quickstart.db`; run the
//! example again and the study resumes where it stopped.
//!
//!     cargo run --release --example quickstart

use hyperspace_engine::{open_storage, Outcome, Space, Study, StudyConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DB: &str = "hyperspace-quickstart.db";
const TRIALS: usize = 40;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let space = Space::parse(
        "lr=log(1e-3,1) l2=log(1e-6,1e-1) epochs=int(5,60) batch=choice(8,32,128) \
         features=choice(linear, quadratic, rbf{gamma=log(0.1,10)})",
    )?;
    let config = StudyConfig::new("two-moons")
        .space(space)
        .searcher("random", serde_json::json!({"sampler": "sobol"}))
        .seed(2026);
    let mut study = Study::open(
        open_storage(DB)?,
        config,
        &hyperspace_searchers::builtin_registry(),
    )?;
    let before = study.trials()?.len();
    if before > 0 {
        println!(
            "resuming study '{}' with {before} earlier trials",
            study.name()
        );
    }

    let (train, valid) = (moons(400, 1), moons(400, 2));
    for _ in 0..TRIALS {
        let trial = study.ask()?;
        let p = &trial.params;
        let settings = Settings {
            lr: p["lr"].as_f64().ok_or("lr")?,
            l2: p["l2"].as_f64().ok_or("l2")?,
            epochs: p["epochs"].as_i64().ok_or("epochs")? as usize,
            batch: p["batch"].as_i64().ok_or("batch")? as usize,
            features: match p["features"].as_str() {
                Some("linear") => Features::Linear,
                Some("quadratic") => Features::Quadratic,
                _ => Features::Rbf(p["gamma"].as_f64().ok_or("gamma")?),
            },
        };
        let mut model = Model::new(&settings, trial.meta.seed.unwrap_or(0));
        let mut loss = f64::INFINITY;
        for epoch in 0..settings.epochs {
            model.train_epoch(&train, &settings);
            loss = model.log_loss(&valid);
            study.report(trial.id, epoch as u64, loss)?;
        }
        study.tell(
            trial.id,
            Outcome::complete(loss)
                .fail_if_not_finite()
                .metric("accuracy", model.accuracy(&valid)),
        )?;
    }

    let best = study.best_trial()?.ok_or("no trial completed")?;
    println!(
        "ran {TRIALS} trials ({} in the study)",
        study.trials()?.len()
    );
    println!(
        "best trial #{}: validation log-loss {:.4}, accuracy {:.3}",
        best.number,
        best.value.unwrap_or(f64::NAN),
        best.metrics.get("accuracy").copied().unwrap_or(f64::NAN)
    );
    println!("  params: {}", serde_json::to_string(&best.params)?);
    let path = std::fs::canonicalize(DB)?;
    println!("results are stored in {} (SQLite, study 'two-moons'); run again to add {TRIALS} more trials", path.display());
    Ok(())
}

/// Two interleaved half circles with noise: not linearly separable.
fn moons(n: usize, seed: u64) -> Vec<([f64; 2], f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let t = rng.random::<f64>() * std::f64::consts::PI;
            let (x, y, label) = if i % 2 == 0 {
                (t.cos(), t.sin(), 0.0)
            } else {
                (1.0 - t.cos(), 0.5 - t.sin(), 1.0)
            };
            (
                [
                    x + 0.2 * (rng.random::<f64>() - 0.5),
                    y + 0.2 * (rng.random::<f64>() - 0.5),
                ],
                label,
            )
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Features {
    Linear,
    Quadratic,
    Rbf(f64),
}

struct Settings {
    lr: f64,
    l2: f64,
    epochs: usize,
    batch: usize,
    features: Features,
}

/// Fixed RBF centres on a grid over the data's range.
fn centres() -> Vec<[f64; 2]> {
    (0..5)
        .flat_map(|i| (0..4).map(move |j| [-1.0 + 0.75 * i as f64, -0.75 + 0.6 * j as f64]))
        .collect()
}

fn features(x: &[f64; 2], kind: &Features) -> Vec<f64> {
    let mut f = vec![1.0, x[0], x[1]];
    match kind {
        Features::Linear => {}
        Features::Quadratic => f.extend([x[0] * x[0], x[1] * x[1], x[0] * x[1]]),
        Features::Rbf(gamma) => f.extend(
            centres()
                .iter()
                .map(|c| (-gamma * ((x[0] - c[0]).powi(2) + (x[1] - c[1]).powi(2))).exp()),
        ),
    }
    f
}

struct Model {
    w: Vec<f64>,
    rng: ChaCha8Rng,
    kind: Features,
}

impl Model {
    fn new(s: &Settings, seed: u64) -> Self {
        let kind = s.features;
        let dim = features(&[0.0, 0.0], &kind).len();
        Model {
            w: vec![0.0; dim],
            rng: ChaCha8Rng::seed_from_u64(seed),
            kind,
        }
    }

    fn predict(&self, x: &[f64; 2]) -> f64 {
        let z: f64 = features(x, &self.kind)
            .iter()
            .zip(&self.w)
            .map(|(a, b)| a * b)
            .sum();
        1.0 / (1.0 + (-z).exp())
    }

    fn train_epoch(&mut self, data: &[([f64; 2], f64)], s: &Settings) {
        let mut order: Vec<usize> = (0..data.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, self.rng.random_range(0..=i));
        }
        for chunk in order.chunks(s.batch) {
            let mut grad = vec![0.0; self.w.len()];
            for &i in chunk {
                let (x, y) = &data[i];
                let err = self.predict(x) - y;
                for (g, f) in grad.iter_mut().zip(features(x, &self.kind)) {
                    *g += err * f / chunk.len() as f64;
                }
            }
            for (w, g) in self.w.iter_mut().zip(grad) {
                *w -= s.lr * (g + s.l2 * *w);
            }
        }
    }

    fn log_loss(&self, data: &[([f64; 2], f64)]) -> f64 {
        let eps = 1e-12;
        data.iter()
            .map(|(x, y)| {
                let p = self.predict(x).clamp(eps, 1.0 - eps);
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            })
            .sum::<f64>()
            / data.len() as f64
    }

    fn accuracy(&self, data: &[([f64; 2], f64)]) -> f64 {
        data.iter()
            .filter(|(x, y)| (self.predict(x) > 0.5) == (*y > 0.5))
            .count() as f64
            / data.len() as f64
    }
}
