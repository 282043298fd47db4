//! Per-client rate limits for the public scan and PIN routes (in memory, per app node; the
//! limits that matter for guessing are kept in the database: PINs in `services::pin_claims`,
//! passwords in `services::sign_in_limits`).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct Limits {
    scan: Option<DefaultKeyedRateLimiter<IpAddr>>,
    pin: DefaultKeyedRateLimiter<IpAddr>,
}

/// PIN form submissions per client per minute.
const PIN_PER_MINUTE: u32 = 10;

impl Limits {
    /// `scan_per_minute` = 0 turns the scan limit off (for load tests).
    pub fn new(scan_per_minute: u32) -> Self {
        let keyed = |n: NonZeroU32| RateLimiter::keyed(Quota::per_minute(n));
        Self {
            scan: NonZeroU32::new(scan_per_minute).map(keyed),
            pin: keyed(NonZeroU32::new(PIN_PER_MINUTE).unwrap_or(NonZeroU32::MIN)),
        }
    }

    pub fn allow_scan(&self, client: IpAddr) -> bool {
        self.scan
            .as_ref()
            .is_none_or(|l| l.check_key(&client).is_ok())
    }

    pub fn allow_pin(&self, client: IpAddr) -> bool {
        self.pin.check_key(&client).is_ok()
    }

    /// Forgets clients that have been quiet (call now and then, so memory stays bounded).
    pub fn forget_idle(&self) {
        if let Some(l) = &self.scan {
            l.retain_recent();
        }
        self.pin.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_budget_and_zero_means_unlimited() {
        let l = Limits::new(2);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        assert!(l.allow_scan(a) && l.allow_scan(a));
        assert!(!l.allow_scan(a), "the third scan in a minute waits");
        assert!(l.allow_scan(b));
        let off = Limits::new(0);
        assert!((0..1000).all(|_| off.allow_scan(a)));
        assert!((0..PIN_PER_MINUTE).all(|_| l.allow_pin(a)));
        assert!(!l.allow_pin(a));
    }
}
