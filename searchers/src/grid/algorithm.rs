use super::ValidGridSettings;
use hyperspace_engine::{
    Condition, Param, Params, Proposal, SearchContext, SearchError, Searcher, Space,
};
use rand::seq::SliceRandom;
use rand::{RngCore, SeedableRng};
use std::collections::HashSet;

/// Walks the grid of a space in order (or in a seeded shuffled order) and
/// proposes the first point no trial has yet. Each proposal carries the
/// point as its claim key, so storage refuses a point that another worker
/// took in the meantime and the study asks again: no point is given twice.
#[derive(Debug, Clone)]
pub struct GridSearcher {
    settings: ValidGridSettings,
    /// The grid of the last space seen, in visiting order, with each point's
    /// key: rebuilt only when the space changes.
    cache: Option<(Space, Vec<(String, Params)>)>,
}

impl GridSearcher {
    /// A grid searcher with validated settings.
    pub fn new(settings: ValidGridSettings) -> Self {
        Self {
            settings,
            cache: None,
        }
    }

    /// The number of grid points of `space`, counted without building them
    /// (saturating).
    pub fn count(&self, space: &Space) -> u128 {
        count_under(space, None, self.settings.0.points)
    }

    /// Every point of the grid of `space`, in order.
    pub fn points(&self, space: &Space) -> Result<Vec<Params>, SearchError> {
        let settings = &self.settings.0;
        let total = self.count(space);
        if total > u128::from(settings.max_points) {
            return Err(SearchError::Unsupported {
                searcher: "grid".into(),
                reason: format!(
                    "the grid has {total} points, more than max_points = {}; use fewer points per continuous parameter, steps, or raise max_points",
                    settings.max_points
                ),
            });
        }
        let mut points = vec![Params::new()];
        for (i, entry) in space.entries().iter().enumerate() {
            let values = entry.param.grid_values(settings.points);
            let mut next = Vec::with_capacity(points.len());
            for point in points {
                if !space.is_active(i, &point) {
                    next.push(point);
                    continue;
                }
                for v in &values {
                    let mut p = point.clone();
                    p.insert(entry.name.clone(), v.clone());
                    next.push(p);
                }
                if next.len() as u64 > settings.max_points {
                    return Err(SearchError::Unsupported {
                        searcher: "grid".into(),
                        reason: format!(
                            "the grid has more than {} points; use fewer points per continuous parameter, steps, or raise max_points",
                            settings.max_points
                        ),
                    });
                }
            }
            points = next;
        }
        Ok(points)
    }
}

/// The number of grid points of the entries active under `condition`: the
/// product over those entries of their values, where a categorical's value
/// counts the points of the branch it brings.
fn count_under(space: &Space, condition: Option<Condition>, points: usize) -> u128 {
    space
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.condition == condition)
        .map(|(i, e)| match &e.param {
            Param::Categorical(c) => (0..c.choices().len())
                .map(|choice| count_under(space, Some(Condition { parent: i, choice }), points))
                .fold(0u128, u128::saturating_add),
            other => u128::from(other.grid_len(points)),
        })
        .fold(1u128, u128::saturating_mul)
}

/// The identity of a configuration: its canonical JSON.
fn key(params: &Params) -> String {
    serde_json::to_string(params).unwrap_or_default()
}

impl Searcher for GridSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        _rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        if self
            .cache
            .as_ref()
            .is_none_or(|(cached, _)| cached != space)
        {
            let mut points = self.points(space)?;
            if self.settings.0.shuffle {
                // One order for the whole study, whichever worker asks.
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(ctx.study_seed);
                points.shuffle(&mut rng);
            }
            let keyed = points.into_iter().map(|p| (key(&p), p)).collect();
            self.cache = Some((space.clone(), keyed));
        }
        let points = self
            .cache
            .as_ref()
            .map(|(_, p)| p.as_slice())
            .unwrap_or_default();
        let used: HashSet<String> = ctx
            .trials
            .iter()
            .filter(|t| !t.params.is_empty())
            .map(|t| {
                // Compare on the grid's parameters only, in space order.
                let own: Params = space
                    .entries()
                    .iter()
                    .filter_map(|e| t.params.get(&e.name).map(|v| (e.name.clone(), v.clone())))
                    .collect();
                key(&own)
            })
            .collect();
        let total = points.len();
        match points.iter().find(|(k, _)| !used.contains(k)) {
            Some((k, params)) => Ok(Proposal {
                claim: Some(format!("grid:{k}")),
                ..Proposal::new(params.clone())
            }),
            None => Err(SearchError::Exhausted {
                searcher: "grid".into(),
                reason: format!("all {total} points of the grid have been given out"),
            }),
        }
    }

    /// Every point given out, a grid has nothing left.
    fn may_run_out(&self) -> bool {
        true
    }

    /// A grid ignores results, so any number of objectives is fine.
    fn supports_multi_objective(&self) -> bool {
        true
    }
}
