//! The registry: searcher and pruner names mapped to the factories that
//! build them from JSON settings.
//!
//! Both kinds of plug-in live in one registry because a study needs both
//! and is given one ([`Study::create`](crate::Study::create) and friends
//! take a `&Registry`). Built-ins register in `hyperspace-searchers`
//! (`builtin_registry()`); a user registers their own the same way, from
//! Rust or through the Python package.

use crate::{Error, Pruner, Result, SearchError, Searcher};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

/// Builds a searcher from its JSON settings, validating them.
pub type SearcherFactory =
    Arc<dyn Fn(&serde_json::Value) -> Result<Box<dyn Searcher>, SearchError> + Send + Sync>;

/// Builds a pruner from its JSON settings, validating them (an invalid
/// setting is an [`Error::InvalidPruner`] naming the pruner and the field).
pub type PrunerFactory = Arc<dyn Fn(&serde_json::Value) -> Result<Box<dyn Pruner>> + Send + Sync>;

/// Maps searcher names and pruner names to factories.
#[derive(Clone, Default)]
pub struct Registry {
    factories: BTreeMap<String, SearcherFactory>,
    pruners: BTreeMap<String, PrunerFactory>,
}

impl Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("searchers", &self.names())
            .field("pruners", &self.pruner_names())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) a searcher under `name`.
    pub fn register(
        &mut self,
        name: &str,
        factory: impl Fn(&serde_json::Value) -> Result<Box<dyn Searcher>, SearchError>
            + Send
            + Sync
            + 'static,
    ) {
        self.factories.insert(name.to_string(), Arc::new(factory));
    }

    /// The registered searcher names.
    pub fn names(&self) -> Vec<&str> {
        self.factories.keys().map(String::as_str).collect()
    }

    /// Builds the searcher `name` with `settings` (`null` or `{}` for the
    /// defaults).
    pub fn build(
        &self,
        name: &str,
        settings: &serde_json::Value,
    ) -> Result<Box<dyn Searcher>, SearchError> {
        let factory = self
            .factories
            .get(name)
            .ok_or_else(|| SearchError::UnknownSearcher {
                name: name.to_string(),
                known: self.names().join(", "),
            })?;
        factory(settings)
    }

    /// Registers (or replaces) a pruner under `name`.
    pub fn register_pruner(
        &mut self,
        name: &str,
        factory: impl Fn(&serde_json::Value) -> Result<Box<dyn Pruner>> + Send + Sync + 'static,
    ) {
        self.pruners.insert(name.to_string(), Arc::new(factory));
    }

    /// The registered pruner names.
    pub fn pruner_names(&self) -> Vec<&str> {
        self.pruners.keys().map(String::as_str).collect()
    }

    /// Builds the pruner `name` with `settings` (`null` or `{}` for the
    /// defaults); an unknown name is an error that lists the known ones.
    pub fn build_pruner(
        &self,
        name: &str,
        settings: &serde_json::Value,
    ) -> Result<Box<dyn Pruner>> {
        let factory = self.pruners.get(name).ok_or_else(|| Error::UnknownPruner {
            name: name.to_string(),
            known: self.pruner_names().join(", "),
        })?;
        factory(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruner::NopPruner;

    #[test]
    fn pruners_are_built_by_name_and_unknown_names_list_the_known() {
        let mut registry = Registry::new();
        registry.register_pruner("never", |_| Ok(Box::new(NopPruner)));
        assert_eq!(registry.pruner_names(), ["never"]);
        assert!(registry
            .build_pruner("never", &serde_json::Value::Null)
            .is_ok());
        let err = registry
            .build_pruner("nevr", &serde_json::Value::Null)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'nevr'") && err.contains("known pruners: never"),
            "{err}"
        );
        assert!(format!("{registry:?}").contains("never"));
    }
}
