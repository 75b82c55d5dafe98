//! Keeping SQLite whole across `fork()`.
//!
//! A process that forks while one of its threads is inside SQLite hands the
//! child SQLite's in-process state as it was at that instant: a mutex held
//! by a thread the child does not have, or lock records saying a file lock
//! is held that nobody in the child will release. The child then hangs, or
//! every connection it opens waits out its busy timeout ("do not carry an
//! open connection across fork", SQLite's FAQ). Python forks at any moment
//! (a fork-context process pool starting its workers while a lease
//! heartbeat writes), so the Python binding registers [`prepare_fork`] to
//! run before every `os.fork` and [`after_fork`] after it, in both
//! processes; every SQLite call of [`super::SqliteStorage`] holds an
//! [`Activity`] while it runs. The fork then happens between calls.
//!
//! Atomics rather than a mutex: a mutex held by another thread at the
//! instant of the fork would stay locked in the child for ever.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Set while a fork is being prepared: new SQLite calls wait.
static FORKING: AtomicBool = AtomicBool::new(false);
/// SQLite calls under way in this process.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// The longest [`prepare_fork`] waits for calls under way (a call stuck on
/// a busy database for longer forks anyway, as before).
const MOST_WAIT: Duration = Duration::from_secs(10);
const PAUSE: Duration = Duration::from_micros(200);

/// One SQLite call under way; a fork waits until it is dropped.
#[derive(Debug)]
pub(crate) struct Activity(());

impl Activity {
    /// Starts a call, first waiting out a fork being prepared.
    pub(crate) fn enter() -> Activity {
        loop {
            while FORKING.load(Ordering::SeqCst) {
                std::thread::sleep(PAUSE);
            }
            ACTIVE.fetch_add(1, Ordering::SeqCst);
            if !FORKING.load(Ordering::SeqCst) {
                return Activity(());
            }
            // A fork began between the check and the count: step back.
            ACTIVE.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Holds new SQLite calls back and waits (up to 10 s) until none is under
/// way; call just before `fork()`, then [`after_fork`] in both processes.
pub fn prepare_fork() {
    FORKING.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while ACTIVE.load(Ordering::SeqCst) > 0 && start.elapsed() < MOST_WAIT {
        std::thread::sleep(PAUSE);
    }
}

/// Lets SQLite calls go on after a fork, in the parent and in the child
/// (`in_child`: the calls counted were other threads', which the child
/// does not have).
pub fn after_fork(in_child: bool) {
    if in_child {
        ACTIVE.store(0, Ordering::SeqCst);
    }
    FORKING.store(false, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    /// A prepared fork waits for the call under way and holds new ones back
    /// until it is over.
    #[test]
    fn a_fork_waits_for_calls_and_holds_new_ones() {
        let call = Activity::enter();
        let prepared = Arc::new(AtomicBool::new(false));
        let p = Arc::clone(&prepared);
        let forker = std::thread::spawn(move || {
            prepare_fork();
            p.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(!prepared.load(Ordering::SeqCst), "prepared during a call");
        drop(call);
        forker.join().unwrap();
        assert!(prepared.load(Ordering::SeqCst));
        let entered = Arc::new(AtomicBool::new(false));
        let e = Arc::clone(&entered);
        let caller = std::thread::spawn(move || {
            let _call = Activity::enter();
            e.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !entered.load(Ordering::SeqCst),
            "a call began during a fork"
        );
        after_fork(false);
        caller.join().unwrap();
        assert!(entered.load(Ordering::SeqCst));
    }
}
