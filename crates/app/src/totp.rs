//! Time-based one-time passwords for staff (RFC 6238 over RFC 4226, HMAC-SHA1, 6 digits, 30-second
//! steps — what every authenticator app speaks). Pure functions; storage and the login rule are in
//! `identity`.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// The code for a secret at a time step (RFC 4226 §5.3 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> Option<u32> {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.get(19)? & 0x0f);
    let bytes: [u8; 4] = digest.get(offset..offset + 4)?.try_into().ok()?;
    let value = u32::from_be_bytes(bytes) & 0x7fff_ffff;
    Some(value % 10u32.pow(DIGITS))
}

pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step a typed code matches, allowing one step of clock drift either way, if it is later
/// than `last_step` (a code is accepted once).
pub fn accept(secret: &[u8], typed: &str, unix_seconds: i64, last_step: i64) -> Option<i64> {
    let typed = typed.trim().replace(' ', "");
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = typed.parse().ok()?;
    let now = step_of(unix_seconds);
    (now - 1..=now + 1)
        .filter(|s| *s > last_step)
        .find(|s| code_at(secret, *s) == Some(wanted))
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = BASE32.iter().position(|x| *x == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// A new 160-bit secret (RFC 4226 recommends the HMAC-SHA1 output length).
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// The `otpauth://` address an authenticator app reads (Key Uri Format).
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| url_escape(s);
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_sha1_vectors_truncated_to_six_digits() {
        // Appendix B of RFC 6238 gives 8 digits; 6-digit codes are the same value mod 10^6.
        for (t, eight) in [
            (59, 94_287_082u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(
                code_at(RFC_SECRET, step_of(t)),
                Some(eight % 1_000_000),
                "T={t}"
            );
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_of_drift_and_only_once() {
        let t = 1_234_567_890;
        let code = format!("{:06}", code_at(RFC_SECRET, step_of(t)).unwrap());
        let step = accept(RFC_SECRET, &code, t, 0).unwrap();
        assert_eq!(step, step_of(t));
        assert_eq!(
            accept(RFC_SECRET, &code, t + 30, 0),
            Some(step),
            "one step late"
        );
        assert_eq!(
            accept(RFC_SECRET, &code, t + 90, 0),
            None,
            "three steps late"
        );
        assert_eq!(accept(RFC_SECRET, &code, t, step), None, "replayed");
        assert_eq!(accept(RFC_SECRET, "12345", t, 0), None);
        assert_eq!(accept(RFC_SECRET, "abcdef", t, 0), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        let s = new_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
        assert_ne!(new_secret(), s);
        assert_eq!(base32_decode("not base32!"), None);
    }

    #[test]
    fn otpauth_uri_escapes_the_account() {
        assert_eq!(
            otpauth_uri("motcua", "officer@H31.11341", "ABC"),
            "otpauth://totp/motcua:officer@H31.11341?secret=ABC&issuer=motcua&algorithm=SHA1&digits=6&period=30"
        );
        assert!(
            otpauth_uri("Một cửa", "a b", "X")
                .starts_with("otpauth://totp/M%E1%BB%99t%20c%E1%BB%ADa:a%20b?")
        );
    }
}
