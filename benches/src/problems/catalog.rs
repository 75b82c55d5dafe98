//! The catalog: every problem by name, built on demand (model problems load
//! their data only when picked).

use super::{
    continuous, Conditional, ElasticNetDiabetes, LinfaModelSelection, Mixed, ModelSelection, Noisy,
    SvmDiabetes, TreeWinequality,
};
use crate::problem::{Family, Problem};
use crate::{BenchError, Result};

/// One problem of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct CatalogEntry {
    /// Its name.
    pub name: &'static str,
    /// Its family (also a group name on the command line).
    pub family: Family,
    /// Whether quick mode runs it.
    pub quick: bool,
    build: fn() -> Result<Box<dyn Problem>>,
}

impl CatalogEntry {
    /// Builds the problem (loading its data, for model problems).
    pub fn build(&self) -> Result<Box<dyn Problem>> {
        (self.build)()
    }
}

fn boxed<P: Problem + 'static>(p: Result<P>) -> Result<Box<dyn Problem>> {
    Ok(Box::new(p?))
}

fn noisy<P: Problem + 'static>(p: Result<P>, sigma: f64) -> Result<Box<dyn Problem>> {
    Ok(Box::new(Noisy::new(Box::new(p?), sigma)))
}

const fn entry(
    name: &'static str,
    family: Family,
    quick: bool,
    build: fn() -> Result<Box<dyn Problem>>,
) -> CatalogEntry {
    CatalogEntry {
        name,
        family,
        quick,
        build,
    }
}

/// Every problem, in report order.
pub const CATALOG: &[CatalogEntry] = &[
    entry("branin", Family::Continuous, true, || {
        boxed(continuous::branin())
    }),
    entry("hartmann3", Family::Continuous, true, || {
        boxed(continuous::hartmann3())
    }),
    entry("hartmann6", Family::Continuous, true, || {
        boxed(continuous::hartmann6())
    }),
    entry("rosenbrock", Family::Continuous, true, || {
        boxed(continuous::rosenbrock())
    }),
    entry("ackley", Family::Continuous, true, || {
        boxed(continuous::ackley())
    }),
    entry("styblinski-tang", Family::Continuous, true, || {
        boxed(continuous::styblinski_tang())
    }),
    entry("levy", Family::Continuous, true, || {
        boxed(continuous::levy())
    }),
    // Kept out of quick mode and out of the problems `auto`'s rules were
    // chosen on, so they can check those rules out of sample.
    entry("goldstein-price", Family::Continuous, false, || {
        boxed(continuous::goldstein_price())
    }),
    entry("six-hump-camel", Family::Continuous, false, || {
        boxed(continuous::six_hump_camel())
    }),
    entry("rastrigin", Family::Continuous, false, || {
        boxed(continuous::rastrigin())
    }),
    entry("dixon-price", Family::Continuous, false, || {
        boxed(continuous::dixon_price())
    }),
    entry("mixed", Family::Mixed, true, || boxed(Mixed::new())),
    entry("conditional", Family::Conditional, true, || {
        boxed(Conditional::new())
    }),
    entry("model-selection", Family::Conditional, true, || {
        boxed(ModelSelection::new())
    }),
    // Tree-shaped, but real models (an SVR fit per fold): with the model
    // problems, and not quick.
    entry("linfa-model-selection", Family::Model, false, || {
        boxed(LinfaModelSelection::new())
    }),
    entry("noisy-branin", Family::Noisy, true, || {
        noisy(continuous::branin(), 1.0)
    }),
    entry("noisy-hartmann6", Family::Noisy, true, || {
        noisy(continuous::hartmann6(), 0.1)
    }),
    entry("noisy-mixed", Family::Noisy, true, || {
        noisy(Mixed::new(), 0.1)
    }),
    entry("elasticnet-diabetes", Family::Model, true, || {
        boxed(ElasticNetDiabetes::new())
    }),
    entry("tree-winequality", Family::Model, true, || {
        boxed(TreeWinequality::new())
    }),
    entry("svm-diabetes", Family::Model, false, || {
        boxed(SvmDiabetes::new())
    }),
];

/// The catalog entry named `name`.
pub fn catalog_entry(name: &str) -> Result<&'static CatalogEntry> {
    CATALOG
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| unknown(name))
}

/// Builds the problem named `name`.
pub fn problem(name: &str) -> Result<Box<dyn Problem>> {
    catalog_entry(name)?.build()
}

/// Resolves names and groups (`all`, `quick`, a family such as `continuous`
/// or `model`) to catalog entries, in catalog order, without repeats.
pub fn select(words: &[String]) -> Result<Vec<&'static CatalogEntry>> {
    let mut picked = vec![false; CATALOG.len()];
    for word in words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        let matches: Vec<bool> = match word {
            "all" => CATALOG.iter().map(|_| true).collect(),
            "quick" => CATALOG.iter().map(|e| e.quick).collect(),
            _ => match Family::ALL.iter().find(|f| f.as_str() == word) {
                Some(f) => CATALOG.iter().map(|e| e.family == *f).collect(),
                None => {
                    let e = catalog_entry(word)?;
                    CATALOG.iter().map(|c| c.name == e.name).collect()
                }
            },
        };
        for (p, m) in picked.iter_mut().zip(matches) {
            *p |= m;
        }
    }
    Ok(CATALOG
        .iter()
        .zip(picked)
        .filter_map(|(e, p)| p.then_some(e))
        .collect())
}

fn unknown(name: &str) -> BenchError {
    let names: Vec<&str> = CATALOG.iter().map(|e| e.name).collect();
    let groups: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
    BenchError::UnknownProblem {
        name: name.to_string(),
        known: format!(
            "{}; groups: all, quick, {}",
            names.join(", "),
            groups.join(", ")
        ),
    }
}
