//! What the applicant is told at each step (SPEC §10), in Vietnamese or English, as an email and as
//! one SMS.
//!
//! The email carries the full facts; the SMS is the one-line version: Vietnamese without diacritics
//! and in the GSM 03.38 alphabet, because a "brandname" SMS with diacritics is sent as UCS-2 with 70
//! characters per part, and operators bill (and phones split) per part. Every text names the dossier
//! code and links to the dossier page.

use chrono::{DateTime, FixedOffset, Utc};

/// One SMS part in the GSM 7-bit alphabet.
pub const SMS_MAX: usize = 160;

/// The language a person reads their messages in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Vi
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// A step that concerns the applicant, with the facts the message states.
#[derive(Debug, Clone, PartialEq)]
pub enum DossierEvent {
    /// An online application arrived; the agency must confirm receipt by `receipt_due`
    /// (8 working hours, Decree 45/2020 Art. 11).
    Submitted { receipt_due: Option<DateTime<Utc>> },
    /// Officially received; the result is due (the appointment) at `due`.
    Received { due: Option<DateTime<Utc>> },
    /// Not received, with the reason (Decree 61/2018 Art. 19).
    Refused { reason: String },
    /// Supplementation asked for, once and in writing: the components (by name) and the note. The
    /// processing clock stands still until the applicant supplements.
    SupplementRequested {
        components: Vec<String>,
        note: String,
    },
    /// A fee or charge is due before processing goes on.
    PaymentRequested {
        amount_vnd: Option<i64>,
        note: String,
    },
    /// The signed result is ready: online, it can be downloaded at once; otherwise collected at
    /// the counter named on the receipt.
    ResultReady { online: bool },
    /// The dossier will be late: the agency apologises in writing and sets a new date (Decree
    /// 118/2025 and the apology form, Mẫu 04).
    Late {
        new_due: DateTime<Utc>,
        reason: String,
    },
    /// Processing stopped, with the reason.
    Stopped { reason: String },
    /// The applicant's request to withdraw was accepted.
    Withdrawn,
}

impl DossierEvent {
    /// The event's stable name (stored with each message).
    pub fn name(&self) -> &'static str {
        match self {
            DossierEvent::Submitted { .. } => "submitted",
            DossierEvent::Received { .. } => "received",
            DossierEvent::Refused { .. } => "refused",
            DossierEvent::SupplementRequested { .. } => "supplement_requested",
            DossierEvent::PaymentRequested { .. } => "payment_requested",
            DossierEvent::ResultReady { .. } => "result_ready",
            DossierEvent::Late { .. } => "late",
            DossierEvent::Stopped { .. } => "stopped",
            DossierEvent::Withdrawn => "withdrawn",
        }
    }
}

/// Where and for whom a message is written.
#[derive(Debug, Clone)]
pub struct NoticeContext<'a> {
    pub code: &'a str,
    pub procedure_name: &'a str,
    /// The dossier page, absolute.
    pub link: &'a str,
    /// The apology letter or the result, absolute, when the event has one.
    pub document_link: Option<&'a str>,
    pub lang: Lang,
    /// Local time of the agency (dates are read by people there).
    pub offset: FixedOffset,
}

/// A message in both forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub sms: String,
}

fn when(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

fn day(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%d/%m/%Y").to_string()
}

/// Groups of three digits with dots, as amounts are written in Vietnam ("1.500.000").
pub fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if amount < 0 {
        out.insert(0, '-');
    }
    out
}

/// Writes the applicant's message for `event`.
pub fn dossier_notice(event: &DossierEvent, ctx: &NoticeContext<'_>) -> Notice {
    let (title, lines, sms_core) = match ctx.lang {
        Lang::Vi => vi(event, ctx),
        Lang::En => en(event, ctx),
    };
    let mut body = String::new();
    body.push_str(&match ctx.lang {
        Lang::Vi => format!("Hồ sơ {} — {}\n\n", ctx.code, ctx.procedure_name),
        Lang::En => format!("Dossier {} — {}\n\n", ctx.code, ctx.procedure_name),
    });
    for l in lines {
        body.push_str(&l);
        body.push('\n');
    }
    body.push('\n');
    body.push_str(&match ctx.lang {
        Lang::Vi => format!("Xem hồ sơ: {}\n", ctx.link),
        Lang::En => format!("See the dossier: {}\n", ctx.link),
    });
    if let Some(doc) = ctx.document_link {
        body.push_str(&match (ctx.lang, event) {
            (Lang::Vi, DossierEvent::Late { .. }) => format!("Văn bản xin lỗi: {doc}\n"),
            (Lang::En, DossierEvent::Late { .. }) => format!("Apology letter: {doc}\n"),
            (Lang::Vi, _) => format!("Xác thực kết quả điện tử đã ký số: {doc}\n"),
            (Lang::En, _) => format!("Verify the signed electronic result: {doc}\n"),
        });
    }
    body.push_str(match ctx.lang {
        Lang::Vi => "\nĐây là thư tự động của Cổng dịch vụ công; vui lòng không trả lời thư này.\n",
        Lang::En => {
            "\nThis is an automatic message from the public service portal; please do not reply.\n"
        }
    });
    Notice {
        title: format!("[{}] {}", ctx.code, title),
        body,
        sms: sms(&sms_core, ctx),
    }
}

type Parts = (String, Vec<String>, String);

fn vi(event: &DossierEvent, ctx: &NoticeContext<'_>) -> Parts {
    let o = ctx.offset;
    match event {
        DossierEvent::Submitted { receipt_due } => (
            "Đã nhận hồ sơ trực tuyến".into(),
            vec![
                "Hệ thống đã nhận hồ sơ của Ông/Bà.".into(),
                match receipt_due {
                    Some(t) => format!("Cơ quan sẽ kiểm tra và tiếp nhận hoặc hướng dẫn bổ sung trước {}.", when(*t, o)),
                    None => "Cơ quan sẽ kiểm tra và tiếp nhận hoặc hướng dẫn bổ sung trong 8 giờ làm việc.".into(),
                },
            ],
            match receipt_due {
                Some(t) => format!("Ho so {} da duoc nop, se duoc xem xet truoc {}.", ctx.code, when(*t, o)),
                None => format!("Ho so {} da duoc nop.", ctx.code),
            },
        ),
        DossierEvent::Received { due } => (
            "Hồ sơ đã được tiếp nhận".into(),
            vec![
                "Hồ sơ đã được tiếp nhận chính thức.".into(),
                match due {
                    Some(t) => format!("Ngày hẹn trả kết quả: {}.", when(*t, o)),
                    None => "Thủ tục này không có thời hạn hẹn trả.".into(),
                },
            ],
            match due {
                Some(t) => format!("Ho so {} da duoc tiep nhan, hen tra ket qua {}.", ctx.code, day(*t, o)),
                None => format!("Ho so {} da duoc tiep nhan.", ctx.code),
            },
        ),
        DossierEvent::Refused { reason } => (
            "Hồ sơ không được tiếp nhận".into(),
            vec![
                "Cơ quan từ chối tiếp nhận hồ sơ.".into(),
                format!("Lý do: {reason}"),
            ],
            format!("Ho so {} khong duoc tiep nhan. Xem ly do tai", ctx.code),
        ),
        DossierEvent::SupplementRequested { components, note } => {
            let mut lines = vec!["Cơ quan đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ:".to_owned()];
            lines.extend(components.iter().map(|c| format!("- {c}")));
            if !note.trim().is_empty() {
                lines.push(format!("Ghi chú: {}", note.trim()));
            }
            lines.push("Thời hạn giải quyết tạm dừng cho đến khi Ông/Bà nộp bổ sung trên cổng.".into());
            (
                "Yêu cầu bổ sung hồ sơ".into(),
                lines,
                format!("Ho so {} can bo sung giay to. Xem va nop bo sung tai", ctx.code),
            )
        }
        DossierEvent::PaymentRequested { amount_vnd, note } => {
            let mut lines = vec![match amount_vnd {
                Some(a) => format!("Ông/Bà cần nộp phí, lệ phí: {} đồng.", vnd(*a)),
                None => "Ông/Bà cần nộp phí, lệ phí theo quy định.".into(),
            }];
            if !note.trim().is_empty() {
                lines.push(format!("Ghi chú: {}", note.trim()));
            }
            lines.push("Hồ sơ được giải quyết tiếp sau khi nộp phí.".into());
            (
                "Đề nghị nộp phí, lệ phí".into(),
                lines,
                match amount_vnd {
                    Some(a) => format!("Ho so {} can nop phi {} dong. Thanh toan tai", ctx.code, vnd(*a)),
                    None => format!("Ho so {} can nop phi, le phi. Thanh toan tai", ctx.code),
                },
            )
        }
        DossierEvent::ResultReady { online } => (
            "Đã có kết quả".into(),
            vec![
                "Kết quả giải quyết đã có, được ký số.".into(),
                if *online {
                    "Ông/Bà tải kết quả điện tử trên cổng; bản điện tử có giá trị như bản giấy.".into()
                } else {
                    "Ông/Bà nhận kết quả tại nơi nộp hồ sơ (mang theo phiếu hẹn), hoặc tải bản điện tử trên cổng.".into()
                },
            ],
            format!("Ho so {} da co ket qua. Xem tai", ctx.code),
        ),
        DossierEvent::Late { new_due, reason } => (
            "Thư xin lỗi và hẹn lại ngày trả kết quả".into(),
            vec![
                "Cơ quan xin lỗi vì hồ sơ của Ông/Bà không giải quyết được đúng hẹn.".into(),
                format!("Lý do: {reason}"),
                format!("Ngày hẹn mới: {}.", when(*new_due, o)),
            ],
            format!("Xin loi: ho so {} bi cham, hen tra moi {}.", ctx.code, day(*new_due, o)),
        ),
        DossierEvent::Stopped { reason } => (
            "Dừng xử lý hồ sơ".into(),
            vec!["Hồ sơ đã dừng xử lý.".into(), format!("Lý do: {reason}")],
            format!("Ho so {} da dung xu ly. Xem ly do tai", ctx.code),
        ),
        DossierEvent::Withdrawn => (
            "Đã rút hồ sơ".into(),
            vec!["Yêu cầu rút hồ sơ của Ông/Bà đã được chấp nhận.".into()],
            format!("Ho so {} da duoc rut theo yeu cau.", ctx.code),
        ),
    }
}

fn en(event: &DossierEvent, ctx: &NoticeContext<'_>) -> Parts {
    let o = ctx.offset;
    match event {
        DossierEvent::Submitted { receipt_due } => (
            "Online application received".into(),
            vec![
                "We have your application.".into(),
                match receipt_due {
                    Some(t) => format!(
                        "The agency will check it and receive it, or tell you what is missing, by {}.",
                        when(*t, o)
                    ),
                    None => "The agency will check it within 8 working hours.".into(),
                },
            ],
            match receipt_due {
                Some(t) => format!(
                    "Dossier {} submitted; it will be checked by {}.",
                    ctx.code,
                    when(*t, o)
                ),
                None => format!("Dossier {} submitted.", ctx.code),
            },
        ),
        DossierEvent::Received { due } => (
            "Dossier received".into(),
            vec![
                "Your dossier has been officially received.".into(),
                match due {
                    Some(t) => format!("Result due (appointment): {}.", when(*t, o)),
                    None => "This procedure has no appointment date.".into(),
                },
            ],
            match due {
                Some(t) => format!("Dossier {} received; result due {}.", ctx.code, day(*t, o)),
                None => format!("Dossier {} received.", ctx.code),
            },
        ),
        DossierEvent::Refused { reason } => (
            "Dossier not received".into(),
            vec![
                "The agency refused to receive the dossier.".into(),
                format!("Reason: {reason}"),
            ],
            format!("Dossier {} was not received. Reason at", ctx.code),
        ),
        DossierEvent::SupplementRequested { components, note } => {
            let mut lines = vec!["The agency asks you to complete the dossier:".to_owned()];
            lines.extend(components.iter().map(|c| format!("- {c}")));
            if !note.trim().is_empty() {
                lines.push(format!("Note: {}", note.trim()));
            }
            lines.push(
                "The processing time stands still until you supplement on the portal.".into(),
            );
            (
                "Supplementation requested".into(),
                lines,
                format!("Dossier {} needs more documents. Supplement at", ctx.code),
            )
        }
        DossierEvent::PaymentRequested { amount_vnd, note } => {
            let mut lines = vec![match amount_vnd {
                Some(a) => format!("A fee of {} VND is due.", vnd(*a)),
                None => "A fee is due.".into(),
            }];
            if !note.trim().is_empty() {
                lines.push(format!("Note: {}", note.trim()));
            }
            lines.push("Processing continues once it is paid.".into());
            (
                "Fee due".into(),
                lines,
                match amount_vnd {
                    Some(a) => format!("Dossier {}: fee of {} VND due. Pay at", ctx.code, vnd(*a)),
                    None => format!("Dossier {}: a fee is due. Pay at", ctx.code),
                },
            )
        }
        DossierEvent::ResultReady { online } => (
            "Result ready".into(),
            vec![
                "The result is ready and digitally signed.".into(),
                if *online {
                    "Download the electronic result on the portal; it is as valid as paper.".into()
                } else {
                    "Collect it where you applied (bring the appointment slip), or download the electronic copy on the portal.".into()
                },
            ],
            format!("Dossier {}: result ready. See", ctx.code),
        ),
        DossierEvent::Late { new_due, reason } => (
            "Apology and new date".into(),
            vec![
                "We apologise: your dossier could not be handled by the date promised.".into(),
                format!("Reason: {reason}"),
                format!("New date: {}.", when(*new_due, o)),
            ],
            format!(
                "Sorry: dossier {} is late; new date {}.",
                ctx.code,
                day(*new_due, o)
            ),
        ),
        DossierEvent::Stopped { reason } => (
            "Processing stopped".into(),
            vec![
                "Processing of the dossier has stopped.".into(),
                format!("Reason: {reason}"),
            ],
            format!("Dossier {}: processing stopped. Reason at", ctx.code),
        ),
        DossierEvent::Withdrawn => (
            "Dossier withdrawn".into(),
            vec!["Your request to withdraw the dossier was accepted.".into()],
            format!("Dossier {} withdrawn as you asked.", ctx.code),
        ),
    }
}

/// One list of a staff digest: the most urgent dossiers as (code, deadline), and how many the
/// list holds in all (at least as many).
pub struct DigestList<'a> {
    pub items: &'a [(String, DateTime<Utc>)],
    pub total: u64,
}

impl DigestList<'_> {
    fn total(&self) -> u64 {
        self.total.max(self.items.len() as u64)
    }

    fn more(&self) -> u64 {
        self.total() - self.items.len() as u64
    }
}

/// A staff member's morning digest: the dossiers past or near a deadline in their queues, the
/// most urgent of each listed; `link` is the back office.
pub fn staff_digest(
    lang: Lang,
    overdue: &DigestList<'_>,
    near: &DigestList<'_>,
    link: &str,
    offset: FixedOffset,
) -> (String, String) {
    let line = |(code, at): &(String, DateTime<Utc>)| format!("- {code}: {}\n", when(*at, offset));
    let more = |n: u64| match lang {
        Lang::Vi => format!("- … và {n} hồ sơ khác\n"),
        Lang::En if n == 1 => "- … and 1 more dossier\n".to_owned(),
        Lang::En => format!("- … and {n} more dossiers\n"),
    };
    let mut body = String::new();
    let title = match lang {
        Lang::Vi => format!(
            "Hồ sơ cần xử lý: {} quá hạn, {} sắp đến hạn",
            overdue.total(),
            near.total()
        ),
        Lang::En => format!(
            "Dossiers to handle: {} overdue, {} due soon",
            overdue.total(),
            near.total()
        ),
    };
    let (overdue_more, near_more) = (overdue.more(), near.more());
    let (overdue, near) = (overdue.items, near.items);
    if !overdue.is_empty() {
        body.push_str(match lang {
            Lang::Vi => "Đã quá hạn:\n",
            Lang::En => "Overdue:\n",
        });
        overdue.iter().for_each(|o| body.push_str(&line(o)));
        if overdue_more > 0 {
            body.push_str(&more(overdue_more));
        }
        body.push('\n');
    }
    if !near.is_empty() {
        body.push_str(match lang {
            Lang::Vi => "Sắp đến hạn (trong một ngày làm việc; hồ sơ chờ tiếp nhận: trong hai giờ làm việc trước hạn 8 giờ):\n",
            Lang::En => "Due soon (within a working day; awaiting receipt: within two working hours of the 8-hour limit):\n",
        });
        near.iter().for_each(|o| body.push_str(&line(o)));
        if near_more > 0 {
            body.push_str(&more(near_more));
        }
        body.push('\n');
    }
    body.push_str(&match lang {
        Lang::Vi => format!("Mở hàng đợi: {link}\n"),
        Lang::En => format!("Open your queues: {link}\n"),
    });
    (title, body)
}

/// The SMS: the core sentence plus the link when the whole fits one GSM part; without the link
/// (the portal is named instead) when it does not.
fn sms(core: &str, ctx: &NoticeContext<'_>) -> String {
    let core = gsm_safe(core);
    let with_link = format!("{core} {}", ctx.link);
    if gsm7_len(&with_link).is_some_and(|n| n <= SMS_MAX) {
        return with_link;
    }
    let tail = match ctx.lang {
        Lang::Vi => " Cong DVC.",
        Lang::En => " the portal.",
    };
    let mut short = core.clone();
    if short.ends_with(" tai") || short.ends_with(" at") || short.ends_with(" See") {
        short.push_str(tail);
    }
    truncate_gsm(&short, SMS_MAX)
}

/// Text transliterated to plain ASCII letters (Vietnamese without diacritics, đ → d) and limited to
/// the GSM 7-bit alphabet.
pub fn gsm_safe(s: &str) -> String {
    let ascii: String = s
        .split_whitespace()
        .map(|w| deunicode::deunicode_with_tofu(w, "?"))
        .collect::<Vec<_>>()
        .join(" ");
    ascii
        .chars()
        .map(|c| if gsm7_width(c).is_some() { c } else { '?' })
        .collect()
}

fn truncate_gsm(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in s.chars() {
        let w = gsm7_width(c).unwrap_or(1);
        if n + w > max {
            break;
        }
        n += w;
        out.push(c);
    }
    out
}

/// Septets a character takes in GSM 03.38 (1 basic, 2 from the extension table), or `None` when it
/// is outside the alphabet (the message would have to go as UCS-2).
pub fn gsm7_width(c: char) -> Option<usize> {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENSION: &str = "^{}\\[~]|€\u{c}";
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Septets the text takes in GSM 03.38, or `None` when a character is outside the alphabet.
pub fn gsm7_len(s: &str) -> Option<usize> {
    s.chars().map(gsm7_width).sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx(lang: Lang, link: &str) -> NoticeContext<'_> {
        NoticeContext {
            code: "000.00.31.H22-261207-0123",
            procedure_name: "Đăng ký khai sinh",
            link,
            document_link: Some(
                "https://dichvucong.example.gov.vn/my/000.00.31.H22-261207-0123/notices/apology",
            ),
            lang,
            offset: FixedOffset::east_opt(7 * 3600).unwrap(),
        }
    }

    fn all_events(long_text: &str) -> Vec<DossierEvent> {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 31, 10, 0, 0)
            .single()
            .unwrap();
        vec![
            DossierEvent::Submitted {
                receipt_due: Some(t),
            },
            DossierEvent::Submitted { receipt_due: None },
            DossierEvent::Received { due: Some(t) },
            DossierEvent::Received { due: None },
            DossierEvent::Refused {
                reason: long_text.into(),
            },
            DossierEvent::SupplementRequested {
                components: vec![long_text.into(), "Tờ khai".into()],
                note: long_text.into(),
            },
            DossierEvent::PaymentRequested {
                amount_vnd: Some(1_500_000_000),
                note: long_text.into(),
            },
            DossierEvent::PaymentRequested {
                amount_vnd: None,
                note: String::new(),
            },
            DossierEvent::ResultReady { online: true },
            DossierEvent::ResultReady { online: false },
            DossierEvent::Late {
                new_due: t,
                reason: long_text.into(),
            },
            DossierEvent::Stopped {
                reason: long_text.into(),
            },
            DossierEvent::Withdrawn,
        ]
    }

    #[test]
    fn every_sms_fits_one_gsm_part_and_names_the_code() {
        let long = "Lý do rất dài ".repeat(40);
        for link in [
            "https://dichvucong.example.gov.vn/my/000.00.31.H22-261207-0123",
            "http://127.0.0.1:8080/my/000.00.31.H22-261207-0123",
            // A deployment with a long address: the link is dropped, never the code.
            "https://dichvucong.sotuphap.tinhthanhphotrungương.example.gov.vn/cong-dich-vu/my/000.00.31.H22-261207-0123",
        ] {
            for lang in [Lang::Vi, Lang::En] {
                for e in all_events(&long) {
                    let n = dossier_notice(&e, &ctx(lang, link));
                    let len = gsm7_len(&n.sms);
                    assert!(
                        len.is_some_and(|l| l <= SMS_MAX),
                        "{lang:?} {e:?}: {} ({len:?})",
                        n.sms
                    );
                    assert!(n.sms.contains("000.00.31.H22-261207-0123"), "{}", n.sms);
                }
            }
        }
    }

    #[test]
    fn short_links_are_kept_in_the_sms() {
        let link = "https://dvc.example.vn/my/000.00.31.H22-261207-0123";
        for lang in [Lang::Vi, Lang::En] {
            for e in all_events("x") {
                let n = dossier_notice(&e, &ctx(lang, link));
                assert!(n.sms.ends_with(link), "{}", n.sms);
            }
        }
    }

    #[test]
    fn email_names_code_procedure_link_and_the_facts() {
        let link = "https://dvc.example.vn/my/000.00.31.H22-261207-0123";
        let t = Utc
            .with_ymd_and_hms(2026, 12, 31, 10, 0, 0)
            .single()
            .unwrap();
        let n = dossier_notice(
            &DossierEvent::Received { due: Some(t) },
            &ctx(Lang::Vi, link),
        );
        assert!(n.title.contains("000.00.31.H22-261207-0123"));
        assert!(n.body.contains("Đăng ký khai sinh"));
        assert!(n.body.contains(link));
        // Local time of the agency (UTC+7), not UTC.
        assert!(n.body.contains("17:00 31/12/2026"), "{}", n.body);
        let n = dossier_notice(
            &DossierEvent::SupplementRequested {
                components: vec!["Giấy chứng sinh".into()],
                note: "Bản rõ nét".into(),
            },
            &ctx(Lang::En, link),
        );
        assert!(
            n.body.contains("- Giấy chứng sinh") && n.body.contains("Note: Bản rõ nét"),
            "{}",
            n.body
        );
        assert!(n.title.contains("Supplementation requested"));
        let n = dossier_notice(
            &DossierEvent::Late {
                new_due: t,
                reason: "Chờ xác minh".into(),
            },
            &ctx(Lang::Vi, link),
        );
        assert!(
            n.body.contains("Văn bản xin lỗi: https://") && n.body.contains("Chờ xác minh"),
            "{}",
            n.body
        );
    }

    #[test]
    fn vietnamese_sms_has_no_diacritics() {
        let link = "https://dvc.example.vn/my/x";
        for e in all_events("Đơn của ông Nguyễn Văn Đức") {
            let n = dossier_notice(&e, &ctx(Lang::Vi, link));
            assert!(n.sms.is_ascii(), "{}", n.sms);
        }
    }

    #[test]
    fn the_digest_lists_overdue_before_near_in_local_time() {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 7, 1, 30, 0)
            .single()
            .unwrap();
        let o = FixedOffset::east_opt(7 * 3600).unwrap();
        let overdue = [("A-1".to_owned(), t)];
        let near = [("B-2".to_owned(), t), ("C-3".to_owned(), t)];
        let list = |items, total| DigestList { items, total };
        let (title, body) = staff_digest(
            Lang::Vi,
            &list(&overdue, 1),
            &list(&near, 2),
            "https://x/staff",
            o,
        );
        assert_eq!(title, "Hồ sơ cần xử lý: 1 quá hạn, 2 sắp đến hạn");
        let a = body.find("A-1: 08:30 07/12/2026").unwrap();
        let b = body.find("B-2").unwrap();
        assert!(a < b && body.contains("https://x/staff"), "{body}");
        assert!(!body.contains("khác"), "nothing left out: {body}");
        let one = [("B".to_owned(), t)];
        let (title, _) = staff_digest(Lang::En, &list(&[], 0), &list(&one, 1), "l", o);
        assert_eq!(title, "Dossiers to handle: 0 overdue, 1 due soon");
        // A long list: the title counts them all, the body lists the most urgent and says so.
        let (title, body) = staff_digest(Lang::En, &list(&overdue, 51), &list(&one, 2), "l", o);
        assert_eq!(title, "Dossiers to handle: 51 overdue, 2 due soon");
        assert!(body.contains("- … and 50 more dossiers\n"), "{body}");
        assert!(body.contains("- … and 1 more dossier\n"), "{body}");
        let (_, body) = staff_digest(Lang::Vi, &list(&overdue, 3), &list(&[], 0), "l", o);
        assert!(body.contains("- … và 2 hồ sơ khác\n"), "{body}");
    }

    #[test]
    fn amounts_are_grouped_by_dots() {
        assert_eq!(vnd(0), "0");
        assert_eq!(vnd(999), "999");
        assert_eq!(vnd(1000), "1.000");
        assert_eq!(vnd(1_500_000), "1.500.000");
        assert_eq!(vnd(-20_000), "-20.000");
    }

    #[test]
    fn gsm_alphabet() {
        assert_eq!(gsm7_len("Hello"), Some(5));
        assert_eq!(gsm7_len("[€]"), Some(6));
        assert_eq!(gsm7_len("Hồ sơ"), None);
        assert_eq!(gsm_safe("Hồ sơ Đức €"), "Ho so Duc EUR");
    }
}
