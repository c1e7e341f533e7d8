//! A fixed-window rate limit per client address, in memory (public lookups, SPEC §15). Each web
//! process limits on its own; behind a load balancer the effective limit is N times higher, which
//! is acceptable for abuse protection of a public, read-only lookup.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::{AppError, ErrorCode};

use crate::i18n::t;
use crate::pages::UiLang;
use crate::problem::Problem;

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
        self.check(ip).is_ok()
    }

    /// Counts a hit; when the address is over its limit, how long until its window starts over
    /// (for `Retry-After`).
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return Ok(());
        };
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = hits.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 <= self.per_window {
            Ok(())
        } else {
            Err(self.window.saturating_sub(now.duration_since(entry.0)))
        }
    }
}

/// Whole seconds to wait, at least one (`Retry-After` takes integers).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

/// `r` with `Retry-After` saying how long to wait.
pub fn with_retry_after(mut r: Response, wait: Duration) -> Response {
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs(wait).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The API's answer to a client over its limit: 429 problem+json with `Retry-After`.
pub fn too_many_problem(wait: Duration) -> Response {
    let p = Problem(AppError::new(
        ErrorCode::TooManyRequests,
        "too_many_requests",
        "Quá nhiều yêu cầu, vui lòng thử lại sau ít phút.",
        "Too many requests; try again shortly.",
    ));
    with_retry_after(p.into_response(), wait)
}

/// A page's answer to a client over its limit: 429 in the user's language with `Retry-After`.
pub fn too_many_page(ui: &UiLang, wait: Duration) -> Response {
    let r = crate::pages::error_page(
        ui,
        &None,
        StatusCode::TOO_MANY_REQUESTS,
        t(ui.lang, "error.too_many_title"),
        t(ui.lang, "error.too_many_text"),
    );
    with_retry_after(r, wait)
}

/// The abuse limits of the public (unauthenticated) surface, per client address, and a cap on
/// searches running at once so a burst cannot take every database connection.
pub struct PublicLimits {
    /// Procedure search, page and API.
    pub search: RateLimiter,
    /// Searches in flight at once, whoever asks.
    pub search_slots: tokio::sync::Semaphore,
    /// Dossier tracking by code, page and API: per minute, and per day so sequential codes cannot
    /// be walked in bulk.
    pub lookup: RateLimiter,
    pub lookup_daily: RateLimiter,
    /// Citizen login starts and callbacks (each start writes a row until it expires).
    pub login: RateLimiter,
    /// Checking a PDF's signature (parsing and hashing megabytes).
    pub verify: RateLimiter,
    /// Every unauthenticated request.
    pub anonymous: RateLimiter,
}

impl Default for PublicLimits {
    fn default() -> Self {
        Self::scaled(1)
    }
}

impl PublicLimits {
    /// Every per-client limit `factor` times the default (`MOTCUA_PUBLIC_LIMIT_FACTOR`): for a
    /// load test whose clients all come from one address, never for a public deployment. The
    /// searches in flight at once stay bounded: they protect the cores, not a client's share.
    pub fn scaled(factor: u32) -> Self {
        let minute = Duration::from_secs(60);
        let n = |per_window: u32| per_window.saturating_mul(factor.max(1));
        Self {
            search: RateLimiter::new(n(120), minute),
            search_slots: tokio::sync::Semaphore::new(SEARCH_SLOTS),
            lookup: RateLimiter::new(n(30), minute),
            lookup_daily: RateLimiter::new(n(300), Duration::from_secs(24 * 3600)),
            login: RateLimiter::new(n(30), minute),
            verify: RateLimiter::new(n(20), minute),
            anonymous: RateLimiter::new(n(ANONYMOUS_PER_MINUTE), minute),
        }
    }
}

/// Anonymous requests of any kind per client address and minute: far above what a person clicking
/// through pages makes, low enough that one client cannot keep a core busy.
pub const ANONYMOUS_PER_MINUTE: u32 = 600;

/// A ceiling on everything an unauthenticated client asks for, on top of the per-operation limits
/// (search, tracking, login, signature checks). Signed-in callers (a bearer token or a session
/// cookie) are not counted here: their requests are tied to an account and audited, and a burst
/// of anonymous traffic from a shared address must not lock them out.
pub async fn anonymous(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    let exempt = path.starts_with("/static/") || path == "/health" || path == "/ready";
    let credentialed = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.contains("motcua_session="));
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if !exempt
        && !credentialed
        && let Some(ip) = peer
        && let Err(wait) = s.public.anonymous.check(ip)
    {
        if path.starts_with("/api/") {
            return too_many_problem(wait);
        }
        let (parts, _) = req.into_parts();
        let ui = UiLang::of(&parts);
        return too_many_page(&ui, wait);
    }
    next.run(req).await
}

/// Searches at once: enough to keep both cores busy, few enough to leave connections to others.
pub const SEARCH_SLOTS: usize = 4;

impl PublicLimits {
    /// Both tracking windows.
    pub fn lookup(&self, ip: IpAddr) -> Result<(), Duration> {
        self.lookup.check(ip)?;
        self.lookup_daily.check(ip)
    }
}

/// Growing delays between failed staff sign-ins, per account and per (account, address), in
/// place of a hard lock: an attacker guessing from one address is slowed exponentially, a
/// distributed guess is slowed per account, and nobody can lock a colleague out with a few
/// requests (their own address stays free of the attacker's delay). Usernames are tracked whether
/// or not they exist, so the answers do not tell which do.
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Free failures per (account, address), then 1 s, 2 s, 4 s… up to 15 minutes.
const PAIR_FREE: u32 = 3;
const PAIR_CAP: Duration = Duration::from_secs(15 * 60);
/// Free failures per account from everywhere, then 1 s, 2 s… up to one minute.
const ACCOUNT_FREE: u32 = 10;
const ACCOUNT_CAP: Duration = Duration::from_secs(60);

fn delay(failures: u32, free: u32, cap: Duration) -> Duration {
    match failures.checked_sub(free) {
        None => Duration::ZERO,
        Some(over) => Duration::from_secs(1u64 << over.min(20)).min(cap),
    }
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl SignInThrottle {
    fn keys(username: &str, ip: Option<IpAddr>) -> (String, String) {
        let user = username.trim().to_lowercase();
        let addr = ip.map(|i| i.to_string()).unwrap_or_default();
        (format!("a:{user}"), format!("p:{user}|{addr}"))
    }

    /// Whether a sign-in may be tried now; otherwise how long to wait.
    pub fn check(&self, username: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let (account, pair) = Self::keys(username, ip);
        let Ok(map) = self.failures.lock() else {
            return Ok(());
        };
        let wait = |key: &str, free: u32, cap: Duration| {
            map.get(key).map_or(Duration::ZERO, |(n, last)| {
                delay(*n, free, cap).saturating_sub(last.elapsed())
            })
        };
        let w = wait(&pair, PAIR_FREE, PAIR_CAP).max(wait(&account, ACCOUNT_FREE, ACCOUNT_CAP));
        if w.is_zero() { Ok(()) } else { Err(w) }
    }

    pub fn failed(&self, username: &str, ip: Option<IpAddr>) {
        let (account, pair) = Self::keys(username, ip);
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| last.elapsed() < PAIR_CAP * 4);
        }
        let now = Instant::now();
        for key in [account, pair] {
            let e = map.entry(key).or_insert((0, now));
            *e = (e.0.saturating_add(1), now);
        }
    }

    pub fn succeeded(&self, username: &str, ip: Option<IpAddr>) {
        let (account, pair) = Self::keys(username, ip);
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&account);
            map.remove(&pair);
        }
    }
}

/// The API's answer while a sign-in must wait, with `Retry-After`.
pub fn sign_in_wait_problem(wait: Duration) -> Response {
    with_retry_after(Problem(sign_in_wait_error(wait)).into_response(), wait)
}

/// The answer while a sign-in must wait: the same for every username, existing or not.
pub fn sign_in_wait_error(wait: Duration) -> AppError {
    let secs = retry_after_secs(wait);
    AppError::new(
        ErrorCode::TooManyRequests,
        "too_many_attempts",
        format!("Đăng nhập sai nhiều lần. Vui lòng thử lại sau {secs} giây."),
        format!("Too many failed sign-ins. Try again in {secs} seconds."),
    )
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
    fn a_load_test_may_raise_every_per_client_limit_by_a_factor() {
        let a: IpAddr = [192, 0, 2, 1].into();
        let count = |l: &RateLimiter| (0..100_000).take_while(|_| l.allow(a)).count();
        let plain = PublicLimits::default();
        let raised = PublicLimits::scaled(100);
        assert_eq!(count(&plain.lookup), 30);
        assert_eq!(count(&raised.lookup), 3_000);
        assert_eq!(count(&raised.lookup_daily), 30_000);
        assert_eq!(count(&raised.search), 12_000);
        assert_eq!(count(&raised.anonymous), 60_000);
        // Zero is read as one: a typo cannot turn the limits off.
        assert_eq!(count(&PublicLimits::scaled(0).verify), 20);
    }

    #[test]
    fn refusals_say_how_long_to_wait() {
        let l = RateLimiter::new(1, Duration::from_secs(60));
        let a: IpAddr = [10, 0, 0, 9].into();
        assert!(l.check(a).is_ok());
        let wait = l.check(a).err().unwrap_or_default();
        assert!(wait > Duration::from_secs(58) && wait <= Duration::from_secs(60));
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(59)), 59);
        assert_eq!(retry_after_secs(Duration::from_millis(59_001)), 60);
    }

    #[test]
    fn failed_sign_ins_slow_down_per_address_and_per_account() {
        let t = SignInThrottle::default();
        let attacker: IpAddr = [203, 0, 113, 7].into();
        let colleague: IpAddr = [10, 1, 1, 1].into();
        for _ in 0..PAIR_FREE {
            assert!(t.check("leader@H31", Some(attacker)).is_ok());
            t.failed("leader@H31", Some(attacker));
        }
        // The attacker now waits; the owner at their own desk does not.
        assert!(t.check("Leader@H31 ", Some(attacker)).is_err());
        assert!(t.check("leader@H31", Some(colleague)).is_ok());
        // Unknown and existing names are treated alike (the throttle never looks them up).
        for _ in 0..PAIR_FREE {
            t.failed("nobody@H31", Some(attacker));
        }
        assert!(t.check("nobody@H31", Some(attacker)).is_err());
        // Success clears the slate.
        t.succeeded("leader@H31", Some(attacker));
        assert!(t.check("leader@H31", Some(attacker)).is_ok());
        assert_eq!(
            delay(PAIR_FREE, PAIR_FREE, PAIR_CAP),
            Duration::from_secs(1)
        );
        assert_eq!(
            delay(PAIR_FREE + 3, PAIR_FREE, PAIR_CAP),
            Duration::from_secs(8)
        );
        assert_eq!(delay(60, PAIR_FREE, PAIR_CAP), PAIR_CAP);
        assert_eq!(delay(u32::MAX, ACCOUNT_FREE, ACCOUNT_CAP), ACCOUNT_CAP);
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
