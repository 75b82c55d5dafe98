//! What each coordinate of the search can hold, and which coordinates are
//! active: the candidates of the sweep and the moves of the local search
//! must both stay on these domains and follow the conditions, so both read
//! them from here.

/// The values one coordinate can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// Anywhere in `[0, 1]`.
    Continuous,
    /// One of these coordinates (sorted ascending), e.g. an integer's grid.
    Discrete(Vec<f64>),
    /// A choice index in `0..n`.
    Categorical(usize),
}

/// One coordinate of the search.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// Its values.
    pub domain: Domain,
    /// Active only when coordinate `parent` (earlier, categorical, itself
    /// active) holds choice `choice`: `Some((parent, choice))`.
    pub condition: Option<(usize, usize)>,
    /// The value it holds while inactive (what the model was given for
    /// trials where it was inactive).
    pub inactive_value: f64,
}

impl Dimension {
    /// An unconditional dimension.
    pub fn new(domain: Domain) -> Self {
        Self {
            domain,
            condition: None,
            inactive_value: 0.5,
        }
    }
}

/// Whether each coordinate is active at `x`.
pub(super) fn activity(dims: &[Dimension], x: &[f64]) -> Vec<bool> {
    let mut active = vec![true; dims.len()];
    for (i, d) in dims.iter().enumerate() {
        if let Some((p, c)) = d.condition {
            active[i] = p < i && active[p] && x[p] == c as f64;
        }
    }
    active
}

/// Maps a point of the unit cube onto the domains, in order (so a parent's
/// choice is known before its children).
pub(super) fn decode(dims: &[Dimension], u: &[f64], out: &mut [f64]) {
    let mut active = vec![true; dims.len()];
    for (i, d) in dims.iter().enumerate() {
        if let Some((p, c)) = d.condition {
            active[i] = p < i && active[p] && out[p] == c as f64;
        }
        out[i] = if !active[i] {
            d.inactive_value
        } else {
            let ui = u[i].clamp(0.0, 1.0);
            match &d.domain {
                Domain::Continuous => ui,
                Domain::Discrete(levels) => {
                    let k =
                        ((ui * levels.len() as f64) as usize).min(levels.len().saturating_sub(1));
                    levels.get(k).copied().unwrap_or(0.5)
                }
                Domain::Categorical(n) => {
                    ((ui * *n as f64) as usize).min(n.saturating_sub(1)) as f64
                }
            }
        };
    }
}

/// Index of the level nearest to `x`.
pub(super) fn nearest_level(levels: &[f64], x: f64) -> usize {
    let i = levels.partition_point(|l| *l < x);
    if i == 0 {
        0
    } else if i >= levels.len() {
        levels.len() - 1
    } else if (x - levels[i - 1]).abs() <= (levels[i] - x).abs() {
        i - 1
    } else {
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_respects_conditions_and_domains() {
        let dims = vec![
            Dimension::new(Domain::Categorical(3)),
            Dimension {
                domain: Domain::Continuous,
                condition: Some((0, 1)),
                inactive_value: 0.5,
            },
            Dimension::new(Domain::Discrete(vec![0.125, 0.375, 0.625, 0.875])),
        ];
        let mut out = [0.0; 3];
        decode(&dims, &[0.5, 0.9, 0.3], &mut out);
        assert_eq!(out, [1.0, 0.9, 0.375]);
        decode(&dims, &[0.1, 0.9, 0.99], &mut out);
        assert_eq!(out, [0.0, 0.5, 0.875]);
        assert_eq!(activity(&dims, &out), [true, false, true]);
        assert_eq!(nearest_level(&[0.125, 0.375, 0.625], 0.3), 1);
    }
}
