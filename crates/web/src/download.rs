//! `Content-Disposition` for every file we send, so a name arrives as it was given (spaces and
//! Vietnamese included) in every browser and `curl -OJ`.
//!
//! RFC 6266 with an RFC 8187 extended value: `filename*=UTF-8''…` carries the real name,
//! percent-encoded byte by byte (a space is `%20`, never `+`, which is form encoding and would
//! come back as a plus sign); `filename="…"` is the ASCII fallback for the few clients that ignore
//! the extended value: transliterated (Giấy → Giay), quotes and backslashes escaped as quoted-pairs,
//! and `%` replaced because some clients percent-decode the fallback (RFC 6266 appendix D).
//!
//! The name goes through the same cleaning as an upload's (`clean_file_name`) first, so a name
//! stored before that cleaning existed cannot carry a bidirectional override or a control
//! character into a save dialog either.

use motcua_store::filecheck::clean_file_name;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Shown by the browser, or saved as a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Attachment,
}

/// Bytes that RFC 8187 `attr-char` lets through unencoded; everything else is percent-encoded.
const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A PDF the server writes on request (a notice, a preview), as a response: shown in the browser
/// or downloaded under `file_name`, never cached (it is made from the dossier's current facts).
pub fn pdf_response(
    disposition: Disposition,
    file_name: &str,
    pdf: Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(disposition, file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// The header value for a file called `file_name`. Always visible ASCII, so always a valid header.
pub fn content_disposition(disposition: Disposition, file_name: &str) -> String {
    let name = clean_file_name(file_name);
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    format!(
        "{kind}; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(&name),
        utf8_percent_encode(&name, NOT_ATTR_CHAR)
    )
}

fn ascii_fallback(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in deunicode::deunicode_with_tofu(name, "_").chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push('_'),
            ' '..='~' => out.push(c),
            _ => out.push('_'),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The two parameters as a client reads them: the fallback unquoted, the extended value
    /// percent-decoded.
    fn parse(header: &str) -> (String, String, String) {
        let (kind, rest) = header.split_once("; filename=\"").unwrap();
        let (quoted, extended) = rest.split_once("\"; filename*=UTF-8''").unwrap();
        let mut fallback = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            assert_ne!(c, '"', "an unescaped quote in {header}");
            fallback.push(if c == '\\' { chars.next().unwrap() } else { c });
        }
        let real = percent_encoding::percent_decode_str(extended)
            .decode_utf8()
            .unwrap()
            .into_owned();
        (kind.to_owned(), fallback, real)
    }

    #[test]
    fn the_real_name_survives_and_the_fallback_is_plain_ascii() {
        let names = [
            "Giấy chứng sinh.pdf",
            "scan 1 (final).jpg",
            "báo cáo  hai   khoảng trắng.pdf",
            "a+b=c & d%20e.png",
            "quote\"and more.pdf",
            "中文文件.tiff",
            "emoji 📄 file.pdf",
            "semi;colon,comma'apostrophe.pdf",
        ];
        for name in names {
            for d in [Disposition::Inline, Disposition::Attachment] {
                let header = content_disposition(d, name);
                assert!(
                    header.bytes().all(|b| (b' '..=b'~').contains(&b)),
                    "{header}"
                );
                assert!(axum::http::HeaderValue::from_str(&header).is_ok());
                let (kind, fallback, real) = parse(&header);
                assert_eq!(
                    kind,
                    if d == Disposition::Inline {
                        "inline"
                    } else {
                        "attachment"
                    }
                );
                assert_eq!(real, name, "{header}");
                let extended = header.split("filename*=").nth(1).unwrap();
                assert!(!extended.contains(' '), "{header}");
                assert_eq!(extended.matches("%20").count(), name.matches(' ').count());
                // Transliteration may add spaces between syllables (中文 → "Zhong Wen"), never drop one.
                assert!(
                    fallback.matches(' ').count() >= name.matches(' ').count(),
                    "spaces kept in the fallback: {header}"
                );
                assert!(!fallback.contains('%'));
            }
        }
        let header = content_disposition(Disposition::Attachment, "Giấy chứng sinh.pdf");
        assert_eq!(
            header,
            "attachment; filename=\"Giay chung sinh.pdf\"; filename*=UTF-8''Gi%E1%BA%A5y%20ch%E1%BB%A9ng%20sinh.pdf"
        );
    }

    #[test]
    fn names_are_cleaned_before_they_are_sent() {
        for (stored, shown) in [
            ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
            ("line\r\nbreak.pdf", "line  break.pdf"),
            ("zero\u{200B}width.pdf", "zerowidth.pdf"),
            ("", "file"),
        ] {
            let (_, fallback, real) = parse(&content_disposition(Disposition::Attachment, stored));
            assert_eq!(real, shown);
            assert_eq!(fallback, shown);
        }
    }
}
