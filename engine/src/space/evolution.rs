//! How a study's space may change once trials exist.
//!
//! Growing is safe: a parameter added with a default reads, in every older
//! trial, as having had that default, so the whole history still informs the
//! searcher. Removing, narrowing or moving a parameter would make old trials
//! lie about where they were; that is refused unless forced.

use super::param::{Param, ParamError};
use super::tree::{Condition, Entry, Space};
use crate::SpaceChangeError;
use crate::{Error, Result};

/// What replacing a space with another changes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpaceChange {
    /// Parameters that are new.
    pub added: Vec<String>,
    /// Parameters whose range or choices grew.
    pub widened: Vec<String>,
    /// Parameters dropped, narrowed or moved (only with `force`).
    pub forced: Vec<String>,
}

impl SpaceChange {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.widened.is_empty() && self.forced.is_empty()
    }
}

impl Space {
    /// Checks that `new` may replace this space in study `study`, whose
    /// older trials were drawn from this one. With `force`, changes that
    /// older trials cannot be read under are allowed and listed.
    pub fn evolve_to(&self, new: &Space, force: bool, study: &str) -> Result<SpaceChange> {
        let refuse = |param: &str, reason: SpaceChangeError| Error::SpaceEvolution {
            study: study.to_string(),
            param: param.to_string(),
            reason,
        };
        let mut change = SpaceChange::default();
        for old in self.entries() {
            let problem = match new.get(&old.name) {
                None => Some(SpaceChangeError::Removed),
                Some(n) if !old.param.is_covered_by(&n.param) => Some(SpaceChangeError::Narrowed {
                    old: describe(&old.param),
                    new: describe(&n.param),
                }),
                Some(n) if condition_key(self, old) != condition_key(new, n) => {
                    Some(SpaceChangeError::MovedBranch)
                }
                Some(n) => {
                    if !old.param.same_distribution(&n.param) {
                        change.widened.push(old.name.clone());
                    }
                    None
                }
            };
            if let Some(reason) = problem {
                if !force {
                    return Err(refuse(&old.name, reason));
                }
                change.forced.push(old.name.clone());
            }
        }
        for (i, entry) in new.entries().iter().enumerate() {
            if self.get(&entry.name).is_some() {
                continue;
            }
            let under_new_choice = entry.condition.is_some_and(|c| !self.had_choice(new, c));
            let is_new_root_of_new_branch = under_new_choice || self.has_new_ancestor(new, i);
            if entry.param.default_value().is_none() && !is_new_root_of_new_branch && !force {
                return Err(refuse(&entry.name, SpaceChangeError::NewWithoutDefault));
            }
            change.added.push(entry.name.clone());
        }
        Ok(change)
    }

    /// Whether the old space had the choice that condition `c` of `new`
    /// names (so older trials may have taken that branch).
    fn had_choice(&self, new: &Space, c: Condition) -> bool {
        let parent = &new.entries()[c.parent];
        let Param::Categorical(new_cat) = &parent.param else {
            return false;
        };
        match self.get(&parent.name).map(|e| &e.param) {
            Some(Param::Categorical(old_cat)) => {
                old_cat.index_of(&new_cat.choices()[c.choice]).is_some()
            }
            _ => false,
        }
    }

    /// Whether an ancestor of entry `i` of `new` is itself new here.
    fn has_new_ancestor(&self, new: &Space, i: usize) -> bool {
        let mut current = i;
        while let Some(c) = new.entries()[current].condition {
            if self.get(&new.entries()[c.parent].name).is_none() {
                return true;
            }
            current = c.parent;
        }
        false
    }

    /// This space with one more top-level parameter, met in a define-by-run
    /// trial. A name already present must keep its range and scale.
    pub fn with_param(&self, name: &str, param: &Param) -> Result<Space> {
        if let Some(existing) = self.get(name) {
            if existing.param.same_distribution(param) {
                return Ok(self.clone());
            }
            return Err(Error::InvalidParam {
                param: name.to_string(),
                reason: ParamError::Redefined {
                    suggested: describe(param),
                    existing: describe(&existing.param),
                },
            });
        }
        let mut entries = self.entries().to_vec();
        entries.push(Entry {
            name: name.to_string(),
            param: param.clone(),
            condition: None,
        });
        Space::from_entries(entries)
    }
}

/// The parent name and choice text that make an entry active.
fn condition_key(space: &Space, entry: &Entry) -> Option<(String, String)> {
    entry.condition.map(|c| {
        let parent = &space.entries()[c.parent];
        let choice = match &parent.param {
            Param::Categorical(cat) => cat.choices()[c.choice].to_string(),
            _ => String::new(),
        };
        (parent.name.clone(), choice)
    })
}

/// A short human description of a parameter's range.
pub(crate) fn describe(param: &Param) -> String {
    match param {
        Param::Float(p) => {
            let scale = if p.log() { ", log" } else { "" };
            let step = p.step().map(|s| format!(", step={s}")).unwrap_or_default();
            format!("float({}, {}{scale}{step})", p.low(), p.high())
        }
        Param::Int(p) => {
            let scale = if p.log() { ", log" } else { "" };
            let step = if p.step() != 1 {
                format!(", step={}", p.step())
            } else {
                String::new()
            };
            format!("int({}, {}{scale}{step})", p.low(), p.high())
        }
        Param::Categorical(p) => {
            let items: Vec<String> = p.choices().iter().map(|c| c.to_string()).collect();
            format!("choice({})", items.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Params, Space, Value};

    fn space(text: &str) -> Space {
        Space::parse(text).unwrap()
    }

    #[test]
    fn growing_with_defaults_is_allowed_and_reads_old_trials() {
        let old = space("x=float(0,1)");
        let new = space("x=float(-1,2) y=int(1,5,default=3) m=choice(a,b,default=a)");
        let change = old.evolve_to(&new, false, "s").unwrap();
        assert_eq!(change.added, ["y", "m"]);
        assert_eq!(change.widened, ["x"]);
        let mut params = Params::new();
        params.insert("x".into(), Value::Float(0.5));
        new.fill_defaults(&mut params);
        assert_eq!(params.get("y"), Some(&Value::Int(3)));
        assert_eq!(params.get("m"), Some(&Value::Str("a".into())));
    }

    #[test]
    fn refusals_explain_and_force_overrides() {
        let old = space("x=float(0,1) y=int(1,5)");
        let err = |new: &str| {
            old.evolve_to(&space(new), false, "s")
                .unwrap_err()
                .to_string()
        };
        assert!(err("x=float(0,1)").contains("'y' would be removed"));
        assert!(err("x=float(0.2,1) y=int(1,5)").contains("'x' would narrow"));
        assert!(err("x=float(0,1) y=int(1,5) z=int(0,3)").contains("'z' is new and has no default"));
        let forced = old.evolve_to(&space("x=float(0.2,1)"), true, "s").unwrap();
        assert_eq!(forced.forced, ["x", "y"]);
    }

    #[test]
    fn a_new_branch_needs_no_defaults() {
        let old = space("m=choice(a)");
        let new = space("m=choice(a, b{depth=int(1,4)})");
        assert_eq!(old.evolve_to(&new, false, "s").unwrap().added, ["depth"]);
        let bad = space("m=choice(a{k=int(1,4)})");
        assert!(old.evolve_to(&bad, false, "s").is_err());
    }

    #[test]
    fn define_by_run_params_keep_one_definition() {
        let s = space("x=float(0,1)");
        let same = s.get("x").unwrap().param.clone();
        assert_eq!(s.with_param("x", &same).unwrap(), s);
        let other = space("x=float(0,2)").get("x").unwrap().param.clone();
        assert!(s
            .with_param("x", &other)
            .unwrap_err()
            .to_string()
            .contains("use one definition per name"));
        assert_eq!(s.with_param("y", &other).unwrap().names(), ["x", "y"]);
    }
}
