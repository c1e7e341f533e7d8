//! SMS delivery through a Vietnamese "brandname SMS" provider's HTTP API, in the shape eSMS.vn
//! documents for customer-care messages (`SendMultipleMessage_V4_post_json`, `SmsType` 2): one
//! JSON POST per message, answered with HTTP 200 and a `CodeResult` (`"100"` accepted).
//!
//! Each message is one SMS: at most 160 GSM-7 characters, or 70 UCS-2 code units when the text
//! needs Unicode (Vietnamese with diacritics does). Longer texts are refused here rather than
//! split and billed as several messages: the notification renderer must stay within one.
//!
//! Our `RequestId` makes a retry safe: the provider refuses a request id it has already accepted
//! (code 124), and that refusal means our earlier attempt got through.
//!
//! reqwest is built without a default TLS crypto provider: the process must install one (as for
//! [`crate::oidc`]) before [`SmsGateway::new`].

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};

pub use crate::delivery::DeliveryError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// What one SMS holds, in GSM-7 septets and in UCS-2 code units.
pub const SINGLE_SMS_GSM7: usize = 160;
pub const SINGLE_SMS_UCS2: usize = 70;
/// eSMS's customer-care type: the one for transactional messages from a registered brandname.
const SMS_TYPE_CUSTOMER_CARE: &str = "2";
const CODE_ACCEPTED: &str = "100";
/// "Duplicate RequestId": this request was accepted before.
const CODE_DUPLICATE_REQUEST: &str = "124";

/// eSMS result codes after which the same message may well be accepted later; every other code
/// but 100 and 124 is a refusal of this message (wrong key, unknown brandname, bad number, …).
const TRANSIENT_CODES: &[(&str, &str)] = &[
    // The account's prepaid balance ran out: the operator tops it up and sending resumes.
    ("103", "account balance too low"),
];

/// GSM 03.38 default alphabet (one septet each; 0x1B, the escape to the extension table, left out).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension table: each costs the escape plus itself, two septets.
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// The length of `text` in GSM-7 septets, or `None` when a character is outside the GSM 03.38
/// default alphabet and its extension table (the text then needs UCS-2).
pub fn gsm7_len(text: &str) -> Option<usize> {
    text.chars().try_fold(0usize, |n, c| {
        if GSM7_BASIC.contains(c) {
            Some(n + 1)
        } else if GSM7_EXTENSION.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

/// The length of `text` in UCS-2 code units (characters beyond the BMP take two).
pub fn ucs2_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Whether `text` fits one SMS, in whichever encoding it needs.
pub fn fits_one_sms(text: &str) -> bool {
    match gsm7_len(text) {
        Some(n) => n <= SINGLE_SMS_GSM7,
        None => ucs2_len(text) <= SINGLE_SMS_UCS2,
    }
}

/// A Vietnamese mobile number in national form (`0` + 9 digits, networks 03, 05, 07, 08, 09),
/// from `0…`, `84…` or `+84…`, ignoring spaces, dots and dashes; `None` for anything else.
pub fn normalize_vn_mobile(phone: &str) -> Option<String> {
    let compact: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = compact
        .strip_prefix("+84")
        .or_else(|| compact.strip_prefix("84").filter(|r| r.len() == 9))
        .or_else(|| compact.strip_prefix('0'))?;
    let ok = national.len() == 9
        && national.bytes().all(|b| b.is_ascii_digit())
        && national.starts_with(['3', '5', '7', '8', '9']);
    ok.then(|| format!("0{national}"))
}

#[derive(Clone)]
pub struct SmsConfig {
    /// The full endpoint URL, e.g.
    /// `https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/`.
    pub url: String,
    pub api_key: String,
    pub secret_key: String,
    /// The registered sender name shown on the phone.
    pub brandname: String,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .field("secret_key", &"***")
            .field("brandname", &self.brandname)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmsConfigError {
    #[error("SMS gateway URL {0:?} is not an http(s) URL")]
    Url(String),
    #[error("SMS gateway setting {0} is empty")]
    Missing(&'static str),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Our client of the SMS provider.
pub struct SmsGateway {
    config: SmsConfig,
    http: reqwest::Client,
}

impl fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SmsGateway {
    pub fn new(config: SmsConfig) -> Result<Self, SmsConfigError> {
        let url =
            url::Url::parse(&config.url).map_err(|_| SmsConfigError::Url(config.url.clone()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(SmsConfigError::Url(config.url));
        }
        for (name, value) in [
            ("api_key", &config.api_key),
            ("secret_key", &config.secret_key),
            ("brandname", &config.brandname),
        ] {
            if value.trim().is_empty() {
                return Err(SmsConfigError::Missing(name));
            }
        }
        if url.scheme() != "https" {
            tracing::warn!(url = %config.url, "SMS gateway endpoint is not HTTPS");
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self { config, http })
    }

    /// One line for the start-up log; never contains the secret key.
    pub fn describe(&self) -> String {
        format!(
            "SMS gateway {} as brandname {:?}",
            self.config.url, self.config.brandname
        )
    }

    /// Sends `text` to `to` as one SMS. `request_id` is our stable id of this message: sending
    /// it again after an unanswered attempt cannot make a second SMS.
    ///
    /// Returns the provider's SMSID. When the provider only says it accepted this request id
    /// before (code 124) and names no SMSID, the result is empty: sent, id unknown.
    pub async fn send(
        &self,
        to: &str,
        text: &str,
        request_id: &str,
    ) -> Result<String, DeliveryError> {
        let phone = normalize_vn_mobile(to).ok_or_else(|| {
            DeliveryError::Permanent(format!("{to:?} is not a Vietnamese mobile number"))
        })?;
        if text.trim().is_empty() {
            return Err(DeliveryError::Permanent("empty SMS text".into()));
        }
        if request_id.trim().is_empty() {
            return Err(DeliveryError::Permanent(
                "a request id is needed to make retries safe".into(),
            ));
        }
        let unicode = match gsm7_len(text) {
            Some(n) if n <= SINGLE_SMS_GSM7 => "0",
            Some(n) => {
                return Err(DeliveryError::Permanent(format!(
                    "text needs {n} GSM-7 characters; one SMS holds {SINGLE_SMS_GSM7}"
                )));
            }
            None if ucs2_len(text) <= SINGLE_SMS_UCS2 => "1",
            None => {
                return Err(DeliveryError::Permanent(format!(
                    "text needs Unicode and {} UCS-2 characters; one SMS holds {SINGLE_SMS_UCS2}",
                    ucs2_len(text)
                )));
            }
        };
        let body = json!({
            "ApiKey": self.config.api_key,
            "SecretKey": self.config.secret_key,
            "Phone": phone,
            "Content": text,
            "Brandname": self.config.brandname,
            "SmsType": SMS_TYPE_CUSTOMER_CARE,
            "IsUnicode": unicode,
            "Sandbox": "0",
            "RequestId": request_id,
        });
        let response = self
            .http
            .post(&self.config.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(format!("SMS gateway unreachable: {e}")))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            return Err(DeliveryError::Transient(format!(
                "SMS gateway answered HTTP {status}"
            )));
        }
        if !status.is_success() {
            return Err(DeliveryError::Permanent(format!(
                "SMS gateway refused the request with HTTP {status}"
            )));
        }
        // Whatever cannot be read leaves us not knowing whether the message was taken: retrying
        // is safe (the request id), so treat it as temporary.
        let v: Value = response.json().await.map_err(|e| {
            DeliveryError::Transient(format!("SMS gateway answered something unreadable: {e}"))
        })?;
        interpret(&v)
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The outcome an eSMS answer body stands for.
fn interpret(v: &Value) -> Result<String, DeliveryError> {
    let sms_id = text_of(&v["SMSID"]).unwrap_or_default();
    let Some(code) = text_of(&v["CodeResult"]) else {
        return Err(DeliveryError::Transient(format!(
            "SMS gateway answered without a CodeResult: {v}"
        )));
    };
    if code == CODE_ACCEPTED || code == CODE_DUPLICATE_REQUEST {
        return Ok(sms_id);
    }
    let message = v["ErrorMessage"].as_str().unwrap_or("no explanation");
    if let Some((_, why)) = TRANSIENT_CODES.iter().find(|(c, _)| *c == code) {
        Err(DeliveryError::Transient(format!(
            "SMS gateway code {code} ({why}): {message}"
        )))
    } else {
        Err(DeliveryError::Permanent(format!(
            "SMS gateway code {code}: {message}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_alphabet_sizes() {
        assert_eq!(GSM7_BASIC.chars().count(), 127);
        assert_eq!(GSM7_EXTENSION.chars().count(), 10);
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            normalize_vn_mobile("0912345678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_vn_mobile("+84 912 345 678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_vn_mobile("84912345678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_vn_mobile("0843.123.456").as_deref(),
            Some("0843123456")
        );
        assert_eq!(normalize_vn_mobile("0212345678"), None);
        assert_eq!(normalize_vn_mobile("091234567"), None);
        assert_eq!(normalize_vn_mobile("+1 912 345 6789"), None);
        assert_eq!(normalize_vn_mobile("09123456７8"), None);
    }

    #[test]
    fn answers() {
        assert_eq!(
            interpret(&json!({"CodeResult":"100","CountRegenerate":0,"SMSID":"abc"})),
            Ok("abc".into())
        );
        assert_eq!(interpret(&json!({"CodeResult":124})), Ok(String::new()));
        assert!(matches!(
            interpret(&json!({"CodeResult":"103","ErrorMessage":"balance"})),
            Err(DeliveryError::Transient(_))
        ));
        assert!(matches!(
            interpret(&json!({"CodeResult":"101","ErrorMessage":"Authorize Failed"})),
            Err(DeliveryError::Permanent(m)) if m.contains("101") && m.contains("Authorize Failed")
        ));
        assert!(matches!(
            interpret(&json!({"error":"Invalid request"})),
            Err(DeliveryError::Transient(_))
        ));
    }
}
