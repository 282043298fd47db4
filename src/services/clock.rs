//! The time background work is due by.
//!
//! The system's clock, plus an offset that only moves forward. Nothing in the service moves
//! it; a test that drives the outbox step by step does, to reach a retry's or a review's time
//! without sleeping for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    ahead_micros: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        super::now() + chrono::Duration::microseconds(self.ahead_micros.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) `by` into the future.
    pub fn advance(&self, by: std::time::Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.ahead_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Moves this clock to `t` if `t` is later than its time.
    pub fn advance_to(&self, t: DateTime<Utc>) {
        if let Ok(by) = (t - self.now()).to_std() {
            self.advance(by);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_moves_forward_and_its_copies_with_it() {
        let c = Clock::default();
        let copy = c.clone();
        let before = c.now();
        c.advance(std::time::Duration::from_secs(3600));
        assert!(copy.now() - before >= chrono::Duration::seconds(3600));
        let later = copy.now();
        c.advance_to(later - chrono::Duration::seconds(10));
        assert!(c.now() >= later, "never back");
    }
}
