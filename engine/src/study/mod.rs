//! The study: drives the loop of asking the searcher, recording trials in
//! storage and handing the full history back to the searcher.

mod add;
mod artifacts;
mod ask;
mod attrs;
mod batch;
mod define_by_run;
mod driver;
mod history;
mod joint_space;
mod journal;
mod kept;
mod lease;
mod objectives;
mod outcome;
mod pruning;
mod record;
mod recovery;
mod report;
mod reproducible;
mod retarget;

pub use add::AddedTrial;
pub use batch::MAX_BATCH;
pub use driver::Study;
pub use joint_space::joint_space;
pub use journal::{PendingEnding, PendingResult, ResultJournal};
pub use kept::{describe_kept, kept_settings, AskedSettings, KeptSetting};
pub use lease::DEFAULT_LEASE;
pub use outcome::{NonFinite, Outcome};
pub use report::{Report, Reported, Series, OBJECTIVE_KEY};
pub(crate) use reproducible::gave_up;
pub use reproducible::DEFAULT_WAIT_TIMEOUT;
