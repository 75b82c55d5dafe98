//! One encoding of trials for the model-based searchers (`tpe`, `gp`): each
//! parameter of the (flat) space is one column — a unit coordinate for
//! numbers (log scales in log space), a choice index for categoricals — and
//! a cache of each trial's row, so a proposal encodes only the trials that
//! changed since the last one.
//!
//! The models differ in one thing only, what a row holds where a trial has
//! no value for a parameter (inactive in its branch, or out of the space):
//! [`Absent`] makes that choice explicit.

use hyperspace_engine::{Param, Params, Space, Trial, TrialId, Value};

/// What a row holds where a trial has no value for a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Absent {
    /// NaN: TPE models a group of parameters from the trials that have all
    /// of them, so it must be able to tell which do.
    Nan,
    /// The parameter's [`inactive_value`]: the GP uses every trial, and
    /// trials of the same branch must agree on the inactive part.
    InactiveValue,
}

/// The coordinate an inactive numeric parameter holds under
/// [`Absent::InactiveValue`]: the middle of the unit interval.
pub(crate) const INACTIVE_NUMERIC: f64 = 0.5;

/// The coordinate of an inactive parameter under [`Absent::InactiveValue`]:
/// the middle for numbers, and for categoricals one more choice index,
/// unequal to every real one.
pub(crate) fn inactive_value(param: &Param) -> f64 {
    match param {
        Param::Categorical(c) => c.choices().len() as f64,
        _ => INACTIVE_NUMERIC,
    }
}

/// The coordinate of a value, or `None` if the value does not fit.
pub(crate) fn coordinate(param: &Param, value: &Value) -> Option<f64> {
    match param {
        Param::Categorical(c) => c.index_of(value).map(|i| i as f64),
        other => other.to_unit(value),
    }
}

/// The value at a coordinate: categoricals take the nearest choice index
/// (clamped to the choices), numbers their unit map's value.
pub(crate) fn value(param: &Param, x: f64) -> Value {
    match param {
        Param::Categorical(c) => {
            let i = (x.round().max(0.0) as usize).min(c.choices().len() - 1);
            c.choices()[i].clone()
        }
        other => other.from_unit(x),
    }
}

/// Every trial's row over one space, by trial number, with the trial's id
/// and the change counter it was read at (a trial's parameters change while
/// it runs in define-by-run studies).
#[derive(Debug, Clone)]
pub(crate) struct EncodedHistory {
    absent: Absent,
    space: Option<Space>,
    /// Per column, the coordinate of an absent value.
    fill: Vec<f64>,
    rows: Vec<Option<Encoded>>,
    /// The last update's trials by position: each one's number and id, read
    /// in the update's pass over them, so that [`Self::row_at`] finds a
    /// trial's row without reading the `Trial` again (a 40-float TPE study
    /// reads 1,000 rows an ask, and each `Trial` it touched was a cache
    /// miss: about 3 % of its samples).
    positions: Vec<(u64, TrialId)>,
    /// The stamp of the next row encoded.
    next_stamp: u64,
}

/// One trial's row, as [`EncodedHistory`] keeps it.
#[derive(Debug, Clone)]
struct Encoded {
    id: TrialId,
    change: u64,
    row: Vec<f64>,
    /// Unique to this encoding of the row in this cache (a row encoded
    /// again, over a new space or after the trial changed, gets a new one):
    /// a copy of the row made under the same stamp is still the row.
    stamp: u64,
    /// Whether no coordinate is NaN: then every group of the row is
    /// complete, which TPE asks of every row on every ask (a 40-float
    /// study's 1,000 rows, 40 values each), and is answered here once per
    /// change of the trial.
    whole: bool,
}

impl EncodedHistory {
    /// An empty cache whose rows hold `absent` where a trial has no value.
    pub(crate) fn new(absent: Absent) -> Self {
        Self {
            absent,
            space: None,
            fill: Vec::new(),
            rows: Vec::new(),
            positions: Vec::new(),
            next_stamp: 0,
        }
    }

    /// Brings the cache up to date with `trials` over `space`; a new space
    /// starts the cache afresh.
    pub(crate) fn update(&mut self, space: &Space, trials: &[Trial]) {
        if self.space.as_ref() != Some(space) {
            self.space = Some(space.clone());
            self.rows.clear();
            self.fill = space
                .entries()
                .iter()
                .map(|e| match self.absent {
                    Absent::Nan => f64::NAN,
                    Absent::InactiveValue => inactive_value(&e.param),
                })
                .collect();
        }
        self.positions.clear();
        self.positions
            .extend(trials.iter().map(|t| (t.number, t.id)));
        for t in trials {
            let n = t.number as usize;
            if n >= self.rows.len() {
                self.rows.resize(n + 1, None);
            }
            if matches!(&self.rows[n], Some(e) if e.id == t.id && e.change == t.change) {
                continue;
            }
            let row = encode(space, &t.params, &self.fill);
            // A fold, not `any`: no early exit, so it vectorises.
            let whole = !row.iter().fold(false, |nan, v| nan | v.is_nan());
            self.rows[n] = Some(Encoded {
                id: t.id,
                change: t.change,
                row,
                stamp: self.next_stamp,
                whole,
            });
            self.next_stamp += 1;
        }
    }

    /// The row of a trial seen by the last update.
    pub(crate) fn row(&self, trial: &Trial) -> Option<&[f64]> {
        self.row_stamped(trial).map(|(row, _, _)| row)
    }

    /// The row of a trial seen by the last update, whether none of its
    /// coordinates is NaN (so that any group of it is complete), and its
    /// stamp (see [`Encoded::stamp`]).
    pub(crate) fn row_stamped(&self, trial: &Trial) -> Option<(&[f64], bool, u64)> {
        self.row_of(trial.number, trial.id)
    }

    /// [`Self::row_stamped`] of the trial at position `i` of the last
    /// update's trials (`None` past them), and its number, read from the
    /// update's copy of its number and id: the same answer while those
    /// trials are the ones asked about.
    pub(crate) fn row_at(&self, i: usize) -> Option<(&[f64], bool, u64, u64)> {
        let &(number, id) = self.positions.get(i)?;
        let (row, whole, stamp) = self.row_of(number, id)?;
        Some((row, whole, stamp, number))
    }

    fn row_of(&self, number: u64, id: TrialId) -> Option<(&[f64], bool, u64)> {
        match self.rows.get(number as usize) {
            Some(Some(e)) if e.id == id => Some((e.row.as_slice(), e.whole, e.stamp)),
            _ => None,
        }
    }
}

/// The row of a configuration; `fill[i]` where parameter `i` is absent or
/// its value does not fit.
fn encode(space: &Space, params: &Params, fill: &[f64]) -> Vec<f64> {
    space
        .entries()
        .iter()
        .zip(fill)
        .map(|(e, f)| {
            params
                .get(&e.name)
                .and_then(|v| coordinate(&e.param, v))
                .unwrap_or(*f)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hyperspace_engine::{open_storage, FloatParam, Study, StudyConfig};

    /// An in-memory study (random searcher) over `space`, or define-by-run.
    fn study(space: Option<&str>) -> Study {
        let mut config = StudyConfig::new("encode").searcher("random", serde_json::json!({}));
        if let Some(space) = space {
            config = config.space(Space::parse(space).unwrap());
        }
        let storage = open_storage(":memory:").unwrap();
        Study::create(storage, config, &crate::builtin_registry()).unwrap()
    }

    /// A trial of a study over `space` with these parameters.
    pub(crate) fn trial_with(space: &str, params: Params) -> Trial {
        let study = &mut study(Some(space));
        study.enqueue(params).unwrap();
        study.ask().unwrap()
    }

    fn params(pairs: &[(&str, Value)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn absent_parameters_are_nan_or_their_inactive_value() {
        let text = "x=float(0,10) m=choice(a{c=int(0,3)}, b)";
        let space = Space::parse(text).unwrap();
        let t = trial_with(text, params(&[("x", Value::Float(2.5)), ("m", "b".into())]));
        let mut nan = EncodedHistory::new(Absent::Nan);
        let mut inactive = EncodedHistory::new(Absent::InactiveValue);
        nan.update(&space, std::slice::from_ref(&t));
        inactive.update(&space, std::slice::from_ref(&t));
        let (a, b) = (nan.row(&t).unwrap(), inactive.row(&t).unwrap());
        assert_eq!(&a[..2], [0.25, 1.0]);
        assert_eq!(&b[..2], [0.25, 1.0]);
        assert!(a[2].is_nan());
        assert_eq!(b[2], INACTIVE_NUMERIC);
        // An inactive categorical is one past its choices.
        let only_m = Space::parse("m=choice(a,b,c)").unwrap();
        let mut h = EncodedHistory::new(Absent::InactiveValue);
        h.update(&only_m, std::slice::from_ref(&t));
        assert_eq!(h.row(&t).unwrap(), [1.0]);
        let only_n = Space::parse("n=choice(a,b,c)").unwrap();
        h.update(&only_n, std::slice::from_ref(&t));
        assert_eq!(h.row(&t).unwrap(), [3.0]);
    }

    #[test]
    fn rows_follow_changes_and_trial_ids_and_a_new_space_starts_afresh() {
        let space = Space::parse("x=float(0,1)").unwrap();
        let x = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
        let mut s = study(None);
        let mut h = EncodedHistory::new(Absent::Nan);
        let open = s.ask_open().unwrap();
        h.update(&space, s.trials().unwrap());
        assert!(h.row(&open).unwrap()[0].is_nan(), "nothing suggested yet");
        let (_, whole, first_stamp) = h.row_stamped(&open).unwrap();
        assert!(!whole, "a NaN");
        // The same trial after a suggestion (define-by-run) is read again.
        let v = s.suggest(open.id, "x", &x).unwrap().as_f64().unwrap();
        h.update(&space, s.trials().unwrap());
        let later = s.trials().unwrap()[0].clone();
        assert!(later.change != open.change);
        assert_eq!(h.row(&later).unwrap(), [v]);
        let (_, whole, stamp) = h.row_stamped(&later).unwrap();
        assert!(whole && stamp != first_stamp, "read again, a new stamp");
        // Another trial under the same number (a history rebuilt
        // elsewhere) has no row, nor has a trial never seen.
        let mut stranger = later.clone();
        stranger.id = TrialId(later.id.0 + 99);
        assert_eq!(h.row(&stranger), None);
        let unseen = s.ask_open().unwrap();
        assert_eq!(h.row(&unseen), None);
        // A new space: rows are read again over it.
        let wider = Space::parse("x=float(0,2)").unwrap();
        h.update(&wider, std::slice::from_ref(&later));
        assert_eq!(h.row(&later).unwrap(), [v / 2.0]);
        let (_, _, wider_stamp) = h.row_stamped(&later).unwrap();
        assert!(wider_stamp != stamp, "a new space, a new stamp");
        // Unchanged, the row keeps its stamp.
        h.update(&wider, std::slice::from_ref(&later));
        assert_eq!(h.row_stamped(&later).unwrap().2, wider_stamp);
    }

    /// `row_at(i)` is `row_stamped` of the update's trial `i` (and its
    /// number): with two trials under one number (only the later one's row
    /// is kept), a trial whose row has a NaN, and past the trials.
    #[test]
    fn row_at_is_the_row_of_the_trial_at_that_position() {
        let text = "x=float(0,1) y=float(0,1)";
        let space = Space::parse(text).unwrap();
        let mut s = study(Some(text));
        for _ in 0..3 {
            s.ask().unwrap();
        }
        let mut trials = s.trials().unwrap().to_vec();
        trials[1].params.shift_remove("y");
        let mut clash = trials[2].clone();
        clash.id = TrialId(clash.id.0 + 99);
        clash.params.insert("x".into(), Value::Float(0.125));
        trials.push(clash);
        let mut h = EncodedHistory::new(Absent::Nan);
        h.update(&space, &trials);
        assert_eq!(h.row_at(2), None, "the later trial under its number");
        assert_eq!(h.row_at(3).unwrap().0[0], 0.125);
        assert!(!h.row_at(1).unwrap().1, "a NaN");
        // Rows compared by their bits: NaN is one of them.
        let bits = |r: &[f64]| -> Vec<u64> { r.iter().map(|x| x.to_bits()).collect() };
        for (i, t) in trials.iter().enumerate() {
            let got = h.row_at(i).map(|(r, w, st, n)| (bits(r), w, st, n));
            let expected = h
                .row_stamped(t)
                .map(|(r, w, st)| (bits(r), w, st, t.number));
            assert_eq!(got, expected, "trial {i}");
        }
        assert_eq!(h.row_at(trials.len()), None);
    }

    #[test]
    fn values_round_to_the_nearest_choice_and_stay_in_range() {
        let space = Space::parse("m=choice(a,b,c)").unwrap();
        let m = &space.entries()[0].param;
        assert_eq!(value(m, 1.0), Value::from("b"));
        assert_eq!(value(m, 1.4), Value::from("b"));
        assert_eq!(value(m, 1.6), Value::from("c"));
        assert_eq!(value(m, -3.0), Value::from("a"));
        assert_eq!(value(m, 7.0), Value::from("c"));
        assert_eq!(coordinate(m, &Value::from("c")), Some(2.0));
        assert_eq!(coordinate(m, &Value::from("z")), None);
    }
}
