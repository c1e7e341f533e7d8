//! Assisted submission (issue 15 item 6): a member of the commune's community digital team starts
//! an application for a citizen at their home, and the citizen consents with a one-time code sent
//! to the phone the state has for them. The rules of that code: its length, how long it holds, how
//! many tries, and the SMS that carries it.
//!
//! Decree 45/2020 Art. 11 lets a person authorise another to carry out a procedure online for
//! them; the one-time code is their act of consent, recorded with the dossier.

use chrono::{DateTime, TimeDelta, Utc};

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// How long a code holds.
pub const VALID_FOR: TimeDelta = TimeDelta::minutes(10);
/// Wrong codes allowed before the request is void (a 6-digit code is guessed with 5 tries at 1 in
/// 200,000).
pub const MAX_ATTEMPTS: u32 = 5;

/// Codes texted to one person in an hour, whoever asks: a helper cannot flood someone's phone.
pub const MAX_REQUESTS_PER_HOUR: u64 = 3;

/// Why a code is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The code was used already: one consent, one application.
    Used,
    Expired,
    TooManyAttempts,
    WrongCode,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Used => "consent_used",
            Refusal::Expired => "consent_expired",
            Refusal::TooManyAttempts => "consent_locked",
            Refusal::WrongCode => "consent_code_wrong",
        }
    }

    pub fn message_vi(self) -> &'static str {
        match self {
            Refusal::Used => "Mã xác nhận này đã được dùng cho một hồ sơ.",
            Refusal::Expired => "Mã xác nhận đã hết hạn; hãy gửi mã mới cho người dân.",
            Refusal::TooManyAttempts => "Nhập sai quá nhiều lần; hãy gửi mã mới cho người dân.",
            Refusal::WrongCode => {
                "Mã xác nhận không đúng; hãy hỏi lại người dân mã trong tin nhắn."
            }
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            Refusal::Used => "This confirmation code has already been used for a dossier.",
            Refusal::Expired => "The confirmation code has expired; send the person a new one.",
            Refusal::TooManyAttempts => "Too many wrong codes; send the person a new one.",
            Refusal::WrongCode => {
                "The code is wrong; ask the person again for the code in their SMS."
            }
        }
    }
}

/// Whether a code typed now is the person's consent. `attempts` counts the wrong ones before it.
pub fn check(
    now: DateTime<Utc>,
    requested_at: DateTime<Utc>,
    attempts: u32,
    used: bool,
    matches: bool,
) -> Result<(), Refusal> {
    if used {
        Err(Refusal::Used)
    } else if now >= requested_at + VALID_FOR || now < requested_at {
        Err(Refusal::Expired)
    } else if attempts >= MAX_ATTEMPTS {
        Err(Refusal::TooManyAttempts)
    } else if !matches {
        Err(Refusal::WrongCode)
    } else {
        Ok(())
    }
}

/// The SMS carrying the code: Vietnamese without diacritics in one GSM-7 part, naming who asks and
/// for what, and saying not to give it to anyone else.
pub fn sms_text(code: &str, helper: &str, procedure: &str) -> String {
    let text = |helper: &str, procedure: &str| {
        crate::notice::gsm_safe(&format!(
            "Ma xac nhan {code}: dong y de {helper} (To cong nghe so cong dong) nop ho so {procedure} giup ban. Het han sau 10 phut. Khong dua ma neu ban khong yeu cau."
        ))
    };
    let full = text(helper, procedure);
    if full.chars().count() <= 160 {
        return full;
    }
    // Shorten what is named, never the code or the warning.
    let short: String = procedure.chars().take(30).collect();
    let msg = text(helper, &short);
    if msg.chars().count() <= 160 {
        return msg;
    }
    text("can bo xa", &short).chars().take(160).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000) + TimeDelta::minutes(min)
    }

    #[test]
    fn a_right_code_within_ten_minutes_and_five_tries_is_consent() {
        assert_eq!(check(at(9), at(0), 4, false, true), Ok(()));
        assert_eq!(check(at(10), at(0), 0, false, true), Err(Refusal::Expired));
        assert_eq!(check(at(-1), at(0), 0, false, true), Err(Refusal::Expired));
        assert_eq!(
            check(at(1), at(0), 5, false, true),
            Err(Refusal::TooManyAttempts)
        );
        assert_eq!(
            check(at(1), at(0), 0, false, false),
            Err(Refusal::WrongCode)
        );
        assert_eq!(check(at(1), at(0), 0, true, true), Err(Refusal::Used));
    }

    #[test]
    fn the_sms_is_one_gsm_part_and_keeps_the_code_and_the_warning() {
        for procedure in [
            "Thủ tục đăng ký khai sinh",
            &"Liên thông điện tử: đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT ".repeat(3),
        ] {
            for helper in [
                "Nguyễn Thị Hoa",
                &"Tổ công nghệ số phường Ngô Quyền ".repeat(4),
            ] {
                let m = sms_text("482913", helper, procedure);
                assert!(m.chars().count() <= 160, "{m}");
                assert!(m.is_ascii(), "{m}");
                assert!(m.contains("482913"), "{m}");
                assert!(m.contains("Khong dua ma"), "{m}");
            }
        }
    }
}
