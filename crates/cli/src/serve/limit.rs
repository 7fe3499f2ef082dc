//! The rate limits of the Balanzio contract: 60 requests a minute with a valid API key, 10 a minute
//! without one (the seed's "anonymous users"; here that is every request whose key is missing or
//! wrong, so guessing keys is as slow as the contract allows). A fixed one-minute window per
//! bucket: simple, exact, and what the three headers describe.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Requests a minute with a valid API key.
pub const AUTHENTICATED_PER_MINUTE: u32 = 60;
/// Requests a minute without one.
pub const ANONYMOUS_PER_MINUTE: u32 = 10;

/// What one request gets from a bucket: the numbers the `X-RateLimit-*` headers carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// When the window ends, in seconds since the Unix epoch (`X-RateLimit-Reset`).
    pub reset_epoch: u64,
    /// Whole seconds until then, at least 1 (`Retry-After` of a 429).
    pub retry_after: u64,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    started_wall: SystemTime,
    used: u32,
}

/// `limit` requests per `window`.
#[derive(Debug)]
pub struct Limiter {
    limit: u32,
    window: Duration,
    state: Mutex<Window>,
}

impl Limiter {
    pub fn per_minute(limit: u32) -> Limiter {
        Limiter::new(limit, Duration::from_secs(60))
    }

    pub fn new(limit: u32, window: Duration) -> Limiter {
        Limiter {
            limit,
            window,
            state: Mutex::new(Window {
                started: Instant::now(),
                started_wall: SystemTime::now(),
                used: 0,
            }),
        }
    }

    /// Counts one request (a refused one counts too: hammering does not buy a later slot).
    pub fn take(&self) -> Decision {
        let mut w = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if now.duration_since(w.started) >= self.window {
            w.started = now;
            w.started_wall = SystemTime::now();
            w.used = 0;
        }
        w.used = w.used.saturating_add(1);
        let allowed = w.used <= self.limit;
        let ends = w.started_wall + self.window;
        let reset_epoch = ends
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
        let left = (w.started + self.window).saturating_duration_since(now);
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(w.used),
            reset_epoch,
            retry_after: (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_refuses_then_opens_a_new_window() {
        let l = Limiter::new(3, Duration::from_millis(200));
        let d: Vec<Decision> = (0..4).map(|_| l.take()).collect();
        assert_eq!(
            d.iter()
                .map(|d| (d.allowed, d.remaining))
                .collect::<Vec<_>>(),
            vec![(true, 2), (true, 1), (true, 0), (false, 0)]
        );
        assert!(d
            .iter()
            .all(|x| x.limit == 3 && x.reset_epoch == d[0].reset_epoch));
        std::thread::sleep(Duration::from_millis(250));
        let again = l.take();
        assert!(again.allowed);
        assert_eq!(again.remaining, 2);
    }
}
