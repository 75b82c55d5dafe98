//! A search space: named parameters, some of them active only under a
//! particular choice of a categorical parent (conditional branches).
//!
//! The tree is kept flat: entries in depth-first order, each child after its
//! parent, each with the condition that makes it active. Searchers iterate
//! the entries; a configuration is a flat map from name to value holding
//! exactly the active parameters.

use super::param::{Param, ParamError};
use crate::ConfigError;
use crate::{Error, Result, Value};
use indexmap::IndexMap;
use std::collections::HashMap;

/// A configuration: parameter name to value, in the space's order.
pub type Params = IndexMap<String, Value>;

/// When a parameter is active: its parent categorical has this choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// Index of the parent entry in [`Space::entries`].
    pub parent: usize,
    /// Index of the parent's choice that brings this parameter.
    pub choice: usize,
}

/// One parameter of a space, with its place in the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The parameter's name, unique in the whole space.
    pub name: String,
    /// Its definition.
    pub param: Param,
    /// `None` for top-level parameters.
    pub condition: Option<Condition>,
}

/// A validated search space. Build one with [`SpaceBuilder`], parse one with
/// [`Space::parse`](crate::Space::parse) / [`Space::from_json`], or read a
/// file with [`Space::from_file`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Space {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    /// What the parser narrowed (see [`Space::notes`]); not part of what
    /// the space is, so not compared.
    notes: super::narrow::Notes,
}

impl Space {
    /// A space with no parameters (for define-by-run studies).
    pub fn empty() -> Self {
        Self::default()
    }

    /// The entries, parents before children.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The number of parameters, in every branch.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of a parameter by name.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.index.get(name).map(|&i| &self.entries[i])
    }

    /// The index of a parameter by name.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Whether any parameter is conditional.
    pub fn is_conditional(&self) -> bool {
        self.entries.iter().any(|e| e.condition.is_some())
    }

    /// Whether entry `i` is active in a (possibly partial) configuration: its
    /// parent is active and has the choice that brings it.
    pub fn is_active(&self, i: usize, params: &Params) -> bool {
        let mut current = i;
        while let Some(cond) = self.entries[current].condition {
            let parent = &self.entries[cond.parent];
            let Param::Categorical(cat) = &parent.param else {
                return false;
            };
            match params.get(&parent.name).and_then(|v| cat.index_of(v)) {
                Some(chosen) if chosen == cond.choice => current = cond.parent,
                _ => return false,
            }
        }
        true
    }

    /// A configuration drawn uniformly on each parameter's unit interval
    /// (so log-uniform on log scales), branch by branch: only the parameters
    /// the drawn choices make active. The random searcher's draw, and
    /// Python's `Space.sample`.
    pub fn sample_uniform(&self, rng: &mut dyn rand::RngCore) -> Params {
        use rand::Rng;
        let mut params = Params::with_capacity(self.len());
        for (i, entry) in self.entries.iter().enumerate() {
            if self.is_active(i, &params) {
                params.insert(
                    entry.name.clone(),
                    entry.param.from_unit(rng.random::<f64>()),
                );
            }
        }
        params
    }

    /// Checks a complete configuration: every active parameter present and
    /// valid, nothing unknown or inactive. Missing parameters that have a
    /// default take it. Returns the configuration in canonical form and order.
    pub fn check_config(&self, params: &Params) -> Result<Params> {
        self.check(params, true)
    }

    /// Like [`Space::check_config`], but parameters may be missing (an
    /// enqueued trial that fixes only some parameters).
    pub fn check_partial(&self, params: &Params) -> Result<Params> {
        self.check(params, false)
    }

    fn check(&self, params: &Params, complete: bool) -> Result<Params> {
        for name in params.keys() {
            if !self.index.contains_key(name) {
                return Err(Error::InvalidConfig {
                    param: name.clone(),
                    reason: ConfigError::NotInSpace {
                        known: self.names().iter().map(|n| n.to_string()).collect(),
                    },
                });
            }
        }
        let mut out = Params::with_capacity(params.len());
        for (i, entry) in self.entries.iter().enumerate() {
            let given = params.get(&entry.name);
            if !self.is_active(i, &out) {
                if given.is_some() && self.parent_is_set(i, &out) {
                    return Err(Error::InvalidConfig {
                        param: entry.name.clone(),
                        reason: ConfigError::Inactive,
                    });
                }
                continue;
            }
            let value = match (given, entry.param.default_value()) {
                (Some(v), _) => entry
                    .param
                    .coerce(v)
                    .map_err(|reason| Error::InvalidConfig {
                        param: entry.name.clone(),
                        reason: reason.into(),
                    })?,
                (None, Some(d)) => d,
                (None, None) if complete => {
                    return Err(Error::InvalidConfig {
                        param: entry.name.clone(),
                        reason: ConfigError::Missing,
                    })
                }
                (None, None) => continue,
            };
            out.insert(entry.name.clone(), value);
        }
        Ok(out)
    }

    /// What is wrong with a stored trial's parameters, if anything: a value
    /// that the space's parameter of that name does not admit. Names the
    /// space does not know are let be (another process may have grown the
    /// space since this copy was read).
    pub fn invalid_value(&self, params: &Params) -> Option<String> {
        params.iter().find_map(|(name, value)| {
            let entry = self.get(name)?;
            entry
                .param
                .coerce(value)
                .err()
                .map(|reason| format!("parameter '{name}': {reason}"))
        })
    }

    /// Whether the ancestors of entry `i` all have values in `params` (so an
    /// inactive entry is inactive for sure, not just undecided).
    fn parent_is_set(&self, i: usize, params: &Params) -> bool {
        let mut current = i;
        while let Some(cond) = self.entries[current].condition {
            if !params.contains_key(&self.entries[cond.parent].name) {
                return false;
            }
            current = cond.parent;
        }
        true
    }

    /// Adds the defaults of active parameters that `params` lacks; how older
    /// trials are read after the space gained parameters.
    pub fn fill_defaults(&self, params: &mut Params) {
        for (i, entry) in self.entries.iter().enumerate() {
            if params.contains_key(&entry.name) || !self.is_active(i, params) {
                continue;
            }
            if let Some(d) = entry.param.default_value() {
                params.insert(entry.name.clone(), d);
            }
        }
    }

    /// The parameter names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// The entries whose parent is entry `parent` with choice `choice`.
    pub fn children(&self, parent: usize, choice: usize) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.condition == Some(Condition { parent, choice }))
    }

    /// A space from entries of one valid space (names unique and valid,
    /// choices within limits) with conditions the caller inferred, each
    /// pointing at an earlier entry's choice and nested at most
    /// [`MAX_DEPTH`](super::limits::MAX_DEPTH) deep: put in depth-first
    /// order. Nothing is left to check, so nothing can fail: the tree a
    /// define-by-run study reads off its history.
    pub(crate) fn from_inferred(entries: Vec<Entry>) -> Self {
        let entries = order_depth_first(entries);
        debug_assert!(super::limits::check_entries(&entries).is_ok());
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        Self {
            entries,
            index,
            notes: Default::default(),
        }
    }

    /// The one door every space goes through (parsers, the builder, storage
    /// reading a study back), so the limits hold for all of them.
    pub(crate) fn from_entries(entries: Vec<Entry>) -> Result<Self> {
        super::limits::check_entries(&entries)?;
        let mut index = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if index.insert(e.name.clone(), i).is_some() {
                return Err(Error::DuplicateParam {
                    param: e.name.clone(),
                });
            }
            if let Some(c) = e.condition {
                let parent_ok = c.parent < i
                    && matches!(&entries[c.parent].param, Param::Categorical(p) if c.choice < p.choices().len());
                if !parent_ok {
                    return Err(Error::InvalidParam {
                        param: e.name.clone(),
                        reason: ParamError::ConditionWithoutChoice,
                    });
                }
            }
        }
        Ok(Self {
            entries,
            index,
            notes: Default::default(),
        })
    }

    /// The parameters whose `high` the parser narrowed to fit their step
    /// (empty for a space built in code or read back from storage): the
    /// warnings a client shows its user.
    pub fn notes(&self) -> &[super::StepNarrowed] {
        &self.notes.0
    }

    pub(crate) fn with_notes(mut self, notes: Vec<super::StepNarrowed>) -> Self {
        self.notes = super::narrow::Notes(notes);
        self
    }
}

/// Builds a space in code; every parameter is validated as it is added, and
/// errors carry the parameter's name.
///
/// ```
/// use hyperspace_engine::{SpaceBuilder, Value};
/// let space = SpaceBuilder::new()
///     .float("lr", 1e-5, 1e-1, true)
///     .int("layers", 1, 8)
///     .categorical("model", ["svm", "tree"])
///     .branch("model", "svm", |b| b.float("C", 1e-3, 1e3, true))
///     .branch("model", "tree", |b| b.int("depth", 1, 12))
///     .build()
///     .unwrap();
/// assert_eq!(space.len(), 5);
/// ```
#[derive(Debug, Default)]
pub struct SpaceBuilder {
    entries: Vec<Entry>,
    condition: Option<Condition>,
    error: Option<Error>,
}

impl SpaceBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an already validated parameter.
    pub fn param(mut self, name: &str, param: Param) -> Self {
        self.entries.push(Entry {
            name: name.to_string(),
            param,
            condition: self.condition,
        });
        self
    }

    /// Adds a parameter from a constructor result, recording its error.
    pub fn try_param(mut self, name: &str, param: std::result::Result<Param, ParamError>) -> Self {
        match param {
            Ok(p) => self.param(name, p),
            Err(reason) => {
                self.error.get_or_insert(Error::InvalidParam {
                    param: name.to_string(),
                    reason,
                });
                self
            }
        }
    }

    /// Adds a float in `[low, high]`.
    pub fn float(self, name: &str, low: f64, high: f64, log: bool) -> Self {
        let p = super::FloatParam::new(low, high, log, None, None).map(Param::Float);
        self.try_param(name, p)
    }

    /// Adds an integer in `[low, high]`.
    pub fn int(self, name: &str, low: i64, high: i64) -> Self {
        let p = super::IntParam::new(low, high, false, None, None).map(Param::Int);
        self.try_param(name, p)
    }

    /// Adds a categorical parameter.
    pub fn categorical<V: Into<Value>>(
        self,
        name: &str,
        choices: impl IntoIterator<Item = V>,
    ) -> Self {
        let choices = choices.into_iter().map(Into::into).collect();
        let p = super::CategoricalParam::new(choices, None).map(Param::Categorical);
        self.try_param(name, p)
    }

    /// Adds the parameters that `choice` of the categorical `parent` brings.
    pub fn branch(
        mut self,
        parent: &str,
        choice: impl Into<Value>,
        build: impl FnOnce(Self) -> Self,
    ) -> Self {
        let choice = choice.into();
        let found = self
            .entries
            .iter()
            .position(|e| e.name == parent)
            .and_then(|i| match &self.entries[i].param {
                Param::Categorical(c) => c.index_of(&choice).map(|j| (i, j)),
                _ => None,
            });
        let Some((parent_index, choice_index)) = found else {
            self.error.get_or_insert(Error::InvalidParam {
                param: parent.to_string(),
                reason: ParamError::BranchWithoutParent {
                    choice: choice.clone(),
                    parent: parent.to_string(),
                },
            });
            return self;
        };
        let outer = self.condition;
        self.condition = Some(Condition {
            parent: parent_index,
            choice: choice_index,
        });
        let mut built = build(self);
        built.condition = outer;
        built
    }

    /// Validates the whole space.
    pub fn build(self) -> Result<Space> {
        if let Some(e) = self.error {
            return Err(e);
        }
        Space::from_entries(order_depth_first(self.entries))
    }
}

/// Reorders entries so every child directly follows its parent's other
/// children, in depth-first order, re-pointing the conditions. Children are
/// grouped by condition first, so this costs one pass, not one scan of the
/// entries per choice; and the walk keeps its own stack, not the thread's.
fn order_depth_first(entries: Vec<Entry>) -> Vec<Entry> {
    let mut children: HashMap<Option<(usize, usize)>, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let key = e.condition.map(|c| (c.parent, c.choice));
        children.entry(key).or_default().push(i);
    }
    let mut order = Vec::with_capacity(entries.len());
    // Each frame holds the siblings still to visit, last first.
    let reversed = |mut v: Vec<usize>| {
        v.reverse();
        v
    };
    let mut stack = vec![reversed(children.remove(&None).unwrap_or_default())];
    while let Some(frame) = stack.last_mut() {
        let Some(i) = frame.pop() else {
            stack.pop();
            continue;
        };
        order.push(i);
        if let Param::Categorical(cat) = &entries[i].param {
            let mut below = Vec::new();
            for choice in 0..cat.choices().len() {
                below.extend(children.remove(&Some((i, choice))).unwrap_or_default());
            }
            stack.push(reversed(below));
        }
    }
    let mut new_index = vec![usize::MAX; entries.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    order
        .iter()
        .map(|&old| {
            let mut e = entries[old].clone();
            if let Some(c) = &mut e.condition {
                c.parent = new_index[c.parent];
            }
            e
        })
        .collect()
}
