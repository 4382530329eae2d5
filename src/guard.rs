//! Fair use at the door: a rate and a concurrency limit per verified principal, a small budget
//! of failed authentications per client address, and a sampled log of those failures. Checked by
//! the HTTP handler before a request's body is read or a slot is taken; over a limit the answer
//! is 429 `RATE_LIMITED` with `Retry-After`, and nothing runs.
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use sea_orm::prelude::Uuid;
use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// The limits, from configuration (0 turns one off).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub rate_per_second: u32,
    pub rate_burst: u32,
    pub concurrency_per_principal: u32,
    pub unauthenticated_per_minute: u32,
}

/// Why a request was turned away, and when to come back (whole seconds, at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after_secs: u64,
}

/// Forget keys unused for a while every this many checks (the keyed limiters' memory).
const SWEEP_EVERY: u64 = 4096;

pub struct Guards {
    per_principal: Option<DefaultKeyedRateLimiter<Uuid>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    concurrency: usize,
    running: Arc<Mutex<HashMap<Uuid, usize>>>,
    checks: AtomicU64,
    failures: FailureLog,
}

/// Held while a principal's request runs; gives its concurrency back when dropped.
pub struct Permit {
    who: Uuid,
    running: Option<Arc<Mutex<HashMap<Uuid, usize>>>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            let mut m = running.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = m.get_mut(&self.who) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.who);
                }
            }
        }
    }
}

impl Guards {
    pub fn new(l: Limits) -> Self {
        let per_principal = NonZeroU32::new(l.rate_per_second).map(|rate| {
            let burst = NonZeroU32::new(l.rate_burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        let per_address = NonZeroU32::new(l.unauthenticated_per_minute).map(|n| {
            // The whole minute's budget may be spent at once, then one per 60/n seconds.
            RateLimiter::keyed(Quota::per_minute(n).allow_burst(n))
        });
        Guards {
            per_principal,
            per_address,
            concurrency: l.concurrency_per_principal as usize,
            running: Default::default(),
            checks: AtomicU64::new(0),
            failures: FailureLog::default(),
        }
    }

    /// Admits one request of a verified principal, or refuses it (rate or concurrency).
    pub fn admit(&self, who: Uuid) -> Result<Permit, Refused> {
        self.sweep();
        if let Some(limiter) = &self.per_principal
            && let Err(not_until) = limiter.check_key(&who)
        {
            return Err(refused(not_until));
        }
        if self.concurrency == 0 {
            return Ok(Permit { who, running: None });
        }
        let mut m = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(who).or_insert(0);
        if *n >= self.concurrency {
            return Err(Refused { retry_after_secs: 1 });
        }
        *n += 1;
        Ok(Permit { who, running: Some(self.running.clone()) })
    }

    /// Counts a failed authentication against the client's address: `Err` once its budget is
    /// spent (the caller answers 429 instead of 401). Logs the failure, sampled.
    pub fn unauthenticated(&self, from: Option<IpAddr>, reason: &dyn std::fmt::Display) -> Result<(), Refused> {
        self.failures.note(reason);
        self.sweep();
        let (Some(limiter), Some(ip)) = (&self.per_address, from) else { return Ok(()) };
        limiter.check_key(&ip).map_err(refused)
    }

    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            if let Some(l) = &self.per_principal {
                l.retain_recent();
            }
            if let Some(l) = &self.per_address {
                l.retain_recent();
            }
        }
    }
}

/// When a rate limiter will let the next request through, in whole seconds (at least 1).
fn refused(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> Refused {
    let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
    Refused { retry_after_secs: wait.as_secs() + 1 }
}

/// At most one WARN line per [`FailureLog::EVERY`] for failed authentications, carrying how
/// many there were since the last line: a flood of bad tokens cannot flood the log.
#[derive(Default)]
pub struct FailureLog {
    state: Mutex<(Option<Instant>, u64)>,
}

impl FailureLog {
    pub const EVERY: Duration = Duration::from_secs(10);

    pub fn note(&self, reason: &dyn std::fmt::Display) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.1 += 1;
        let due = st.0.is_none_or(|last| last.elapsed() >= Self::EVERY);
        if due {
            // `reason` is ours (an `AuthError`), its library part already escaped.
            tracing::warn!(%reason, failures = st.1, "authentication failed (one line per 10 s at most)");
            *st = (Some(Instant::now()), 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guards(rate: u32, burst: u32, conc: u32, unauth: u32) -> Guards {
        Guards::new(Limits {
            rate_per_second: rate,
            rate_burst: burst,
            concurrency_per_principal: conc,
            unauthenticated_per_minute: unauth,
        })
    }

    #[test]
    fn a_principal_gets_its_burst_then_waits_and_others_are_unaffected() {
        let g = guards(1, 3, 0, 0);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(g.admit(a).is_ok());
        }
        let refused = g.admit(a).err().expect("over the burst");
        assert!(refused.retry_after_secs >= 1);
        assert!(g.admit(b).is_ok(), "another principal has its own budget");
    }

    #[test]
    fn concurrency_is_given_back_when_a_request_ends() {
        let g = guards(0, 1, 2, 0);
        let a = Uuid::now_v7();
        let p1 = g.admit(a).unwrap();
        let _p2 = g.admit(a).unwrap();
        assert!(g.admit(a).is_err());
        drop(p1);
        assert!(g.admit(a).is_ok());
    }

    #[test]
    fn failed_authentications_spend_the_address_budget() {
        let g = guards(0, 1, 0, 3);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            assert!(g.unauthenticated(Some(ip), &"bad").is_ok());
        }
        assert!(g.unauthenticated(Some(ip), &"bad").is_err());
        assert!(g.unauthenticated(Some("192.0.2.8".parse().unwrap()), &"bad").is_ok());
        assert!(g.unauthenticated(None, &"bad").is_ok(), "no address known (in-process): not limited");
    }
}
