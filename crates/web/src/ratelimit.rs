//! A fixed-window rate limit per client address, in memory (public lookups, SPEC §15). Each web
//! process limits on its own; behind a load balancer the effective limit is N times higher, which
//! is acceptable for abuse protection of a public, read-only lookup.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    hits: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_window: u32, window: Duration) -> Self {
        Self {
            per_window,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit; false when the address is over its limit for the current window.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return true;
        };
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = hits.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_then_refuses_per_address() {
        let l = RateLimiter::new(3, Duration::from_secs(60));
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        assert!(l.allow(a) && l.allow(a) && l.allow(a));
        assert!(!l.allow(a));
        assert!(l.allow(b));
    }

    #[test]
    fn a_new_window_starts_over() {
        let l = RateLimiter::new(1, Duration::from_millis(20));
        let a: IpAddr = [10, 0, 0, 1].into();
        assert!(l.allow(a));
        assert!(!l.allow(a));
        std::thread::sleep(Duration::from_millis(30));
        assert!(l.allow(a));
    }
}
