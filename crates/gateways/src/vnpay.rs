//! Our client of the VNPAY payment gateway, API version 2.1.0, for fees paid online.
//!
//! Three conversations, each authenticated with HMAC-SHA512 under the merchant's hash secret:
//!
//! 1. **Payment URL** ([`Vnpay::payment_url`]): the citizen's browser is sent to
//!    `…/paymentv2/vpcpay.html?` with the `vnp_*` parameters sorted by name, each name and value
//!    encoded as `application/x-www-form-urlencoded` (space as `+`), joined with `&`, and
//!    `vnp_SecureHash` (hex HMAC-SHA512 of exactly that string) appended last.
//! 2. **Return URL and IPN** ([`Vnpay::verify_callback`]): VNPAY sends the outcome twice, by
//!    redirecting the browser to our `vnp_ReturnUrl` and by a server-to-server GET to the IPN URL
//!    registered with VNPAY (not part of the payment URL). Both carry the same signed `vnp_*`
//!    query; only the IPN may change the state of a payment, and it is answered with the JSON of
//!    [`IpnAnswer`]. VNPAY may send the IPN more than once: the merchant must answer a repeat
//!    with [`IpnAnswer::AlreadyConfirmed`].
//! 3. **Merchant API** ([`Vnpay::query`], [`Vnpay::refund`]): JSON POSTs to
//!    `…/merchant_webapi/api/transaction` (`vnp_Command` `querydr` or `refund`), signed over the
//!    values joined with `|` in an order fixed per command; the answers are signed the same way
//!    and are trusted only once that signature verifies.
//!
//! Times on the wire are `yyyyMMddHHmmss` in Vietnam time (GMT+7, no daylight saving); amounts
//! are VND × 100 as integers.
//!
//! `vnp_OrderInfo` is folded to unaccented ASCII letters, digits and a few punctuation marks
//! ([`order_info_text`]): VNPAY asks for Vietnamese without diacritics, and the reference
//! implementations encode `*`, `~`, `!`, `'`, `(` and `)` differently from one another, so a text
//! holding them could be signed one way and checked another.
//!
//! reqwest is built without a default TLS crypto provider: the process must install one (as for
//! [`crate::oidc`]) before [`Vnpay::new`].

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha512;

/// The protocol version this client speaks.
pub const VERSION: &str = "2.1.0";
/// VNPAY's sandbox, for configuration examples.
pub const SANDBOX_PAY_URL: &str = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html";
pub const SANDBOX_API_URL: &str = "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction";
/// `vnp_ResponseCode` and `vnp_TransactionStatus` of a successful payment.
pub const SUCCESS: &str = "00";
/// `vnp_ResponseCode` values the gateway reports on the return URL and the IPN.
pub const RESPONSE_CUSTOMER_CANCELLED: &str = "24";
pub const RESPONSE_INSUFFICIENT_FUNDS: &str = "51";
pub const RESPONSE_TIMEOUT: &str = "11";
/// Longest `vnp_TxnRef` (Alphanumeric[1,100]) and `vnp_OrderInfo` (Alphanumeric[1,255]).
pub const MAX_TXN_REF: usize = 100;
pub const MAX_ORDER_INFO: usize = 255;
/// `vnp_Amount` is Numeric[1,12] in units of 1/100 VND.
pub const MAX_AMOUNT_VND: i64 = 9_999_999_999;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const HASH: &str = "vnp_SecureHash";
/// Sent by versions before 2.1.0; never part of the signed data.
const HASH_TYPE: &str = "vnp_SecureHashType";
const WIRE_TIME: &str = "%Y%m%d%H%M%S";

/// Vietnam keeps GMT+7 all year.
const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("GMT+7 is a valid offset"),
};

/// The order of the values signed in a `querydr` request.
const QUERY_REQUEST_FIELDS: &[&str] = &[
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];
/// The order of the values signed in a `querydr` answer.
const QUERY_RESPONSE_FIELDS: &[&str] = &[
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
];
/// The order of the values signed in a `refund` request.
const REFUND_REQUEST_FIELDS: &[&str] = &[
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];
/// The order of the values signed in a `refund` answer.
const REFUND_RESPONSE_FIELDS: &[&str] = &[
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
];

type HmacSha512 = Hmac<Sha512>;

#[derive(Clone)]
pub struct VnpayConfig {
    /// The payment page, e.g. [`SANDBOX_PAY_URL`].
    pub pay_url: String,
    /// The merchant API endpoint, e.g. [`SANDBOX_API_URL`].
    pub api_url: String,
    /// Our terminal (website) code at VNPAY, `vnp_TmnCode`.
    pub tmn_code: String,
    /// The shared secret of the HMAC-SHA512 signatures.
    pub hash_secret: String,
}

impl fmt::Debug for VnpayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VnpayConfig")
            .field("pay_url", &self.pay_url)
            .field("api_url", &self.api_url)
            .field("tmn_code", &self.tmn_code)
            .field("hash_secret", &"***")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VnpayConfigError {
    #[error("VNPAY URL {0:?} is not an http(s) URL")]
    Url(String),
    #[error("VNPAY setting {0} is empty")]
    Missing(&'static str),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The language of VNPAY's payment pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Vietnamese,
    English,
}

impl Locale {
    /// `vnp_Locale`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Vietnamese => "vn",
            Self::English => "en",
        }
    }
}

/// One attempt to pay. Each attempt needs its own `txn_ref`: VNPAY refuses a reference it has
/// seen (a failed or abandoned attempt included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// `vnp_TxnRef`: letters, digits, `-`, `_` and `.`, at most [`MAX_TXN_REF`].
    pub txn_ref: String,
    pub amount_vnd: i64,
    /// What is paid for; folded by [`order_info_text`].
    pub order_info: String,
    /// Where VNPAY sends the browser back (`vnp_ReturnUrl`).
    pub return_url: String,
    /// The citizen's IP address (`vnp_IpAddr`).
    pub ip: String,
    pub locale: Locale,
    pub created_at: DateTime<Utc>,
    /// After this the payment page refuses to take the payment.
    pub expires_at: DateTime<Utc>,
    /// `vnp_BankCode`: skip VNPAY's choice of method (e.g. `VNBANK`, `INTCARD`, `NCB`).
    pub bank_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentRequestError {
    #[error("transaction reference {0:?} is empty, too long or has characters VNPAY refuses")]
    TxnRef(String),
    #[error("amount {0} VND is outside 1..={MAX_AMOUNT_VND}")]
    Amount(i64),
    #[error("the order description is empty once folded to unaccented ASCII")]
    OrderInfo,
    #[error("return URL {0:?} is not an http(s) URL")]
    ReturnUrl(String),
    #[error("the customer's IP address is empty")]
    Ip,
    #[error("the payment expires before it is created")]
    Expiry,
    #[error("bank code {0:?} is not 3 to 20 letters and digits")]
    BankCode(String),
}

impl PaymentRequest {
    /// What VNPAY would refuse in this request. [`Vnpay::payment_url`] does not check: a request
    /// that fails here makes a URL VNPAY answers with an error page.
    pub fn check(&self) -> Result<(), PaymentRequestError> {
        if !is_txn_ref(&self.txn_ref) {
            return Err(PaymentRequestError::TxnRef(self.txn_ref.clone()));
        }
        if !(1..=MAX_AMOUNT_VND).contains(&self.amount_vnd) {
            return Err(PaymentRequestError::Amount(self.amount_vnd));
        }
        if order_info_text(&self.order_info).is_empty() {
            return Err(PaymentRequestError::OrderInfo);
        }
        if !is_http_url(&self.return_url) {
            return Err(PaymentRequestError::ReturnUrl(self.return_url.clone()));
        }
        if self.ip.trim().is_empty() {
            return Err(PaymentRequestError::Ip);
        }
        if self.expires_at <= self.created_at {
            return Err(PaymentRequestError::Expiry);
        }
        if let Some(code) = &self.bank_code
            && !((3..=20).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(PaymentRequestError::BankCode(code.clone()));
        }
        Ok(())
    }
}

/// A payment outcome VNPAY signed, from the return URL or the IPN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub tmn_code: String,
    pub txn_ref: String,
    pub amount_vnd: i64,
    /// `vnp_ResponseCode`: [`SUCCESS`], [`RESPONSE_CUSTOMER_CANCELLED`], …
    pub response_code: String,
    /// `vnp_TransactionStatus`: `00` paid, `01` not completed, `02` failed, …
    pub transaction_status: String,
    /// VNPAY's transaction number; `None` when VNPAY sent none or `0` (no transaction there).
    pub transaction_no: Option<String>,
    pub bank_code: Option<String>,
    pub bank_tran_no: Option<String>,
    pub card_type: Option<String>,
    pub order_info: String,
    pub pay_date: Option<DateTime<Utc>>,
}

impl Callback {
    /// Whether the money was taken: both codes say success.
    pub fn is_paid(&self) -> bool {
        self.response_code == SUCCESS && self.transaction_status == SUCCESS
    }
}

/// Why a return URL or IPN query is not a payment outcome we can believe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The same parameter twice: which copy the signature covered and which copy a framework
    /// hands us may differ, the classic way to slip in an unsigned value.
    #[error("parameter {0} appears more than once")]
    Duplicate(String),
    #[error("parameter {0} is missing")]
    Missing(&'static str),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("malformed callback: {0}")]
    Malformed(String),
    /// Signed with our secret but for another terminal code: not a payment to us.
    #[error("callback for terminal {0:?}, not ours")]
    WrongMerchant(String),
}

impl CallbackError {
    /// What to answer VNPAY when an IPN fails verification.
    pub fn ipn_answer(&self) -> IpnAnswer {
        match self {
            Self::Duplicate(_) | Self::BadSignature | Self::Missing(HASH) => {
                IpnAnswer::InvalidSignature
            }
            Self::WrongMerchant(_) => IpnAnswer::OrderNotFound,
            Self::Missing(_) | Self::Malformed(_) => IpnAnswer::UnknownError,
        }
    }
}

/// The merchant's answers to an IPN (`RspCode`, `Message`), with the messages of VNPAY's
/// integration demo. VNPAY reads only `RspCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnAnswer {
    /// `00`: recorded (a failed payment recorded as failed is confirmed too).
    Confirmed,
    /// `01`: no such order.
    OrderNotFound,
    /// `02`: this order's outcome was recorded before (a repeated IPN).
    AlreadyConfirmed,
    /// `04`: the amount is not the order's.
    InvalidAmount,
    /// `97`: the signature does not verify.
    InvalidSignature,
    /// `99`: anything else; VNPAY tries again later.
    UnknownError,
}

impl IpnAnswer {
    pub fn code(self) -> &'static str {
        match self {
            Self::Confirmed => "00",
            Self::OrderNotFound => "01",
            Self::AlreadyConfirmed => "02",
            Self::InvalidAmount => "04",
            Self::InvalidSignature => "97",
            Self::UnknownError => "99",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Confirmed => "Confirm Success",
            Self::OrderNotFound => "Order not found",
            Self::AlreadyConfirmed => "Order already confirmed",
            Self::InvalidAmount => "invalid amount",
            Self::InvalidSignature => "Invalid signature",
            Self::UnknownError => "Unknown error",
        }
    }

    /// The JSON body of the IPN answer.
    pub fn to_json(self) -> Value {
        json!({ "RspCode": self.code(), "Message": self.message() })
    }
}

/// The JSON body answering an IPN, e.g. `{"RspCode":"00","Message":"Confirm Success"}`.
pub fn ipn_answer(answer: IpnAnswer) -> Value {
    answer.to_json()
}

/// Why a merchant API call did not give an answer we can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// VNPAY was unreachable, busy or failing; the same call may succeed later.
    #[error("VNPAY unavailable for now, retry later: {0}")]
    Transient(String),
    /// VNPAY answered with a refusal code (`vnp_ResponseCode`): retrying repeats it.
    #[error("VNPAY refused ({code}): {message}")]
    Refused { code: String, message: String },
    /// The request cannot work as it is, or the answer cannot be trusted (a signature that does
    /// not verify: a wrong hash secret, or someone in between).
    #[error("VNPAY call failed: {0}")]
    Permanent(String),
}

impl GatewayError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }

    /// VNPAY's response code, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A payment as VNPAY records it, from `querydr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub txn_ref: String,
    pub amount_vnd: i64,
    pub transaction_no: Option<String>,
    pub bank_code: Option<String>,
    pub pay_date: Option<DateTime<Utc>>,
    /// `01` payment, `02` full refund, `03` partial refund.
    pub transaction_type: String,
    /// `00` paid, `01` not completed, `02` failed, `04` reversed, `05`/`06` refund in progress,
    /// `07` suspected fraud, `09` refund refused.
    pub transaction_status: String,
    pub order_info: String,
}

impl Transaction {
    pub fn is_paid(&self) -> bool {
        self.transaction_status == SUCCESS
    }
}

/// What `querydr` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryResult {
    Found(Transaction),
    /// VNPAY says, signed, that it has no such transaction (code `91`).
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundKind {
    /// `02`: the whole amount.
    Full,
    /// `03`: part of it.
    Partial,
}

impl RefundKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "02",
            Self::Partial => "03",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The payment's `vnp_TxnRef`.
    pub txn_ref: String,
    pub amount_vnd: i64,
    pub kind: RefundKind,
    /// The payment's `vnp_TransactionNo`, when known.
    pub transaction_no: Option<String>,
    /// The payment's `vnp_CreateDate` ([`PaymentRequest::created_at`]).
    pub transaction_date: DateTime<Utc>,
    /// Who asks (`vnp_CreateBy`): the staff member's user name.
    pub created_by: String,
    /// Why; folded by [`order_info_text`].
    pub order_info: String,
    /// Our server's IP address.
    pub ip: String,
}

/// A refund VNPAY accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundResult {
    pub response_id: String,
    pub txn_ref: String,
    pub amount_vnd: i64,
    /// VNPAY's number of the refund transaction.
    pub transaction_no: Option<String>,
    pub transaction_type: String,
    /// `05` or `06` while VNPAY and the bank process it.
    pub transaction_status: String,
    pub bank_code: Option<String>,
    pub pay_date: Option<DateTime<Utc>>,
    pub message: String,
}

/// Our client of VNPAY for one terminal code.
pub struct Vnpay {
    config: VnpayConfig,
    http: reqwest::Client,
}

impl fmt::Debug for Vnpay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Vnpay {
    pub fn new(config: VnpayConfig) -> Result<Self, VnpayConfigError> {
        for url in [&config.pay_url, &config.api_url] {
            if !is_http_url(url) {
                return Err(VnpayConfigError::Url(url.clone()));
            }
            if !url.starts_with("https:") {
                tracing::warn!(%url, "VNPAY endpoint is not HTTPS");
            }
        }
        for (name, value) in [
            ("tmn_code", &config.tmn_code),
            ("hash_secret", &config.hash_secret),
        ] {
            if value.trim().is_empty() {
                return Err(VnpayConfigError::Missing(name));
            }
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self { config, http })
    }

    /// One line for the start-up log; never contains the hash secret.
    pub fn describe(&self) -> String {
        format!(
            "VNPAY {} (API {}) as terminal {:?}",
            self.config.pay_url, self.config.api_url, self.config.tmn_code
        )
    }

    pub fn tmn_code(&self) -> &str {
        &self.config.tmn_code
    }

    /// The signed URL of VNPAY's payment page for `p`. See [`PaymentRequest::check`].
    pub fn payment_url(&self, p: &PaymentRequest) -> String {
        let amount = p.amount_vnd.saturating_mul(100).to_string();
        let create = wire_time(p.created_at);
        let expire = wire_time(p.expires_at);
        let info = order_info_text(&p.order_info);
        let mut params: Vec<(&str, &str)> = vec![
            ("vnp_Version", VERSION),
            ("vnp_Command", "pay"),
            ("vnp_TmnCode", &self.config.tmn_code),
            ("vnp_Amount", &amount),
            ("vnp_CreateDate", &create),
            ("vnp_ExpireDate", &expire),
            ("vnp_CurrCode", "VND"),
            ("vnp_IpAddr", &p.ip),
            ("vnp_Locale", p.locale.code()),
            ("vnp_OrderInfo", &info),
            ("vnp_OrderType", "other"),
            ("vnp_ReturnUrl", &p.return_url),
            ("vnp_TxnRef", &p.txn_ref),
        ];
        if let Some(bank) = &p.bank_code {
            params.push(("vnp_BankCode", bank));
        }
        let data = canonical_query(params);
        let hash = self.sign(&data);
        let joiner = if self.config.pay_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{joiner}{data}&{HASH}={hash}", self.config.pay_url)
    }

    /// Checks a return URL or IPN query (its parameters decoded, in order, as the framework
    /// parsed them) and reads the outcome. Parameters not starting with `vnp_` are ignored: our
    /// own return URL may carry some, and VNPAY signs only its own.
    pub fn verify_callback(&self, query: &[(String, String)]) -> Result<Callback, CallbackError> {
        let mut seen = HashSet::new();
        for (name, _) in query {
            if !seen.insert(name.as_str()) {
                return Err(CallbackError::Duplicate(name.clone()));
            }
        }
        let get = |name: &str| {
            query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let hash = get(HASH).ok_or(CallbackError::Missing(HASH))?;
        let data = canonical_query(
            query
                .iter()
                .filter(|(n, _)| n.starts_with("vnp_") && n != HASH && n != HASH_TYPE)
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        if !self.verify(&data, hash) {
            return Err(CallbackError::BadSignature);
        }
        let required = |name: &'static str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or(CallbackError::Missing(name))
        };
        let optional = |name: &str| get(name).filter(|v| !v.is_empty()).map(str::to_owned);
        let tmn_code = required("vnp_TmnCode")?;
        if tmn_code != self.config.tmn_code {
            return Err(CallbackError::WrongMerchant(tmn_code.to_owned()));
        }
        let amount = required("vnp_Amount")?;
        let amount_vnd = parse_amount(amount)
            .ok_or_else(|| CallbackError::Malformed(format!("vnp_Amount {amount:?}")))?;
        let pay_date = match optional("vnp_PayDate") {
            None => None,
            Some(d) => Some(
                parse_wire_time(&d)
                    .ok_or_else(|| CallbackError::Malformed(format!("vnp_PayDate {d:?}")))?,
            ),
        };
        Ok(Callback {
            tmn_code: tmn_code.to_owned(),
            txn_ref: required("vnp_TxnRef")?.to_owned(),
            amount_vnd,
            response_code: required("vnp_ResponseCode")?.to_owned(),
            transaction_status: required("vnp_TransactionStatus")?.to_owned(),
            transaction_no: optional("vnp_TransactionNo").filter(|n| n != "0"),
            bank_code: optional("vnp_BankCode"),
            bank_tran_no: optional("vnp_BankTranNo"),
            card_type: optional("vnp_CardType"),
            order_info: optional("vnp_OrderInfo").unwrap_or_default(),
            pay_date,
        })
    }

    /// Asks VNPAY what became of a payment (`querydr`), e.g. when no IPN came.
    /// `transaction_date` is the payment's [`PaymentRequest::created_at`]: VNPAY finds the
    /// payment by reference and that date.
    pub async fn query(
        &self,
        txn_ref: &str,
        transaction_date: DateTime<Utc>,
        order_info: &str,
        ip: &str,
    ) -> Result<QueryResult, GatewayError> {
        if !is_txn_ref(txn_ref) {
            return Err(GatewayError::Permanent(format!(
                "transaction reference {txn_ref:?} is not one VNPAY accepts"
            )));
        }
        let mut body = Map::new();
        for (name, value) in [
            ("vnp_RequestId", request_id()),
            ("vnp_Version", VERSION.to_owned()),
            ("vnp_Command", "querydr".to_owned()),
            ("vnp_TmnCode", self.config.tmn_code.clone()),
            ("vnp_TxnRef", txn_ref.to_owned()),
            ("vnp_TransactionDate", wire_time(transaction_date)),
            ("vnp_CreateDate", wire_time(Utc::now())),
            ("vnp_IpAddr", ip.to_owned()),
            ("vnp_OrderInfo", non_empty_info(order_info, txn_ref)),
        ] {
            body.insert(name.to_owned(), Value::String(value));
        }
        let answer = self.call(body, QUERY_REQUEST_FIELDS).await?;
        let signed = self.check_answer(&answer, QUERY_RESPONSE_FIELDS, "querydr")?;
        let code = field(&answer, "vnp_ResponseCode");
        match code.as_str() {
            SUCCESS => {}
            "91" if signed => return Ok(QueryResult::NotFound),
            _ => return Err(refusal(&answer, &["94", "99"])),
        }
        if !signed {
            return Err(unsigned_success());
        }
        let answered_ref = field(&answer, "vnp_TxnRef");
        if answered_ref != txn_ref {
            return Err(GatewayError::Permanent(format!(
                "asked about {txn_ref:?}, VNPAY answered about {answered_ref:?}"
            )));
        }
        Ok(QueryResult::Found(Transaction {
            txn_ref: answered_ref,
            amount_vnd: answer_amount(&answer)?,
            transaction_no: optional_field(&answer, "vnp_TransactionNo").filter(|n| n != "0"),
            bank_code: optional_field(&answer, "vnp_BankCode"),
            pay_date: answer_date(&answer)?,
            transaction_type: field(&answer, "vnp_TransactionType"),
            transaction_status: field(&answer, "vnp_TransactionStatus"),
            order_info: field(&answer, "vnp_OrderInfo"),
        }))
    }

    /// Asks VNPAY to give money back (`refund`). A refund asked for twice is refused the second
    /// time (code `94`), which after an unanswered first attempt means the first got through:
    /// check with [`Vnpay::query`].
    pub async fn refund(&self, r: &RefundRequest) -> Result<RefundResult, GatewayError> {
        if !is_txn_ref(&r.txn_ref) {
            return Err(GatewayError::Permanent(format!(
                "transaction reference {:?} is not one VNPAY accepts",
                r.txn_ref
            )));
        }
        if !(1..=MAX_AMOUNT_VND).contains(&r.amount_vnd) {
            return Err(GatewayError::Permanent(format!(
                "refund amount {} VND is outside 1..={MAX_AMOUNT_VND}",
                r.amount_vnd
            )));
        }
        if r.created_by.trim().is_empty() {
            return Err(GatewayError::Permanent(
                "a refund must name who asks for it".into(),
            ));
        }
        let mut body = Map::new();
        for (name, value) in [
            ("vnp_RequestId", request_id()),
            ("vnp_Version", VERSION.to_owned()),
            ("vnp_Command", "refund".to_owned()),
            ("vnp_TmnCode", self.config.tmn_code.clone()),
            ("vnp_TransactionType", r.kind.code().to_owned()),
            ("vnp_TxnRef", r.txn_ref.clone()),
            ("vnp_Amount", (r.amount_vnd * 100).to_string()),
            // VNPAY's demo sends 0 when the merchant does not know the number.
            (
                "vnp_TransactionNo",
                r.transaction_no.clone().unwrap_or_else(|| "0".into()),
            ),
            ("vnp_TransactionDate", wire_time(r.transaction_date)),
            ("vnp_CreateBy", r.created_by.clone()),
            ("vnp_CreateDate", wire_time(Utc::now())),
            ("vnp_IpAddr", r.ip.clone()),
            ("vnp_OrderInfo", non_empty_info(&r.order_info, &r.txn_ref)),
        ] {
            body.insert(name.to_owned(), Value::String(value));
        }
        let answer = self.call(body, REFUND_REQUEST_FIELDS).await?;
        let signed = self.check_answer(&answer, REFUND_RESPONSE_FIELDS, "refund")?;
        if field(&answer, "vnp_ResponseCode") != SUCCESS {
            return Err(refusal(&answer, &["99"]));
        }
        if !signed {
            return Err(unsigned_success());
        }
        let answered_ref = field(&answer, "vnp_TxnRef");
        if answered_ref != r.txn_ref {
            return Err(GatewayError::Permanent(format!(
                "refund of {:?} answered about {answered_ref:?}",
                r.txn_ref
            )));
        }
        Ok(RefundResult {
            response_id: field(&answer, "vnp_ResponseId"),
            txn_ref: answered_ref,
            amount_vnd: answer_amount(&answer)?,
            transaction_no: optional_field(&answer, "vnp_TransactionNo").filter(|n| n != "0"),
            transaction_type: field(&answer, "vnp_TransactionType"),
            transaction_status: field(&answer, "vnp_TransactionStatus"),
            bank_code: optional_field(&answer, "vnp_BankCode"),
            pay_date: answer_date(&answer)?,
            message: field(&answer, "vnp_Message"),
        })
    }

    /// Signs `body` over `order`, posts it and reads the JSON object answered.
    async fn call(
        &self,
        mut body: Map<String, Value>,
        order: &[&str],
    ) -> Result<Map<String, Value>, GatewayError> {
        let data = pipe_joined(&body, order);
        body.insert(HASH.to_owned(), Value::String(self.sign(&data)));
        let response = self
            .http
            .post(&self.config.api_url)
            .json(&Value::Object(body))
            .send()
            .await
            .map_err(|e| GatewayError::Transient(format!("VNPAY API unreachable: {e}")))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            return Err(GatewayError::Transient(format!(
                "VNPAY API answered HTTP {status}"
            )));
        }
        if !status.is_success() {
            return Err(GatewayError::Permanent(format!(
                "VNPAY API refused the request with HTTP {status}"
            )));
        }
        match response.json::<Value>().await {
            Ok(Value::Object(answer)) => Ok(answer),
            Ok(other) => Err(GatewayError::Transient(format!(
                "VNPAY API answered something other than an object: {other}"
            ))),
            Err(e) => Err(GatewayError::Transient(format!(
                "VNPAY API answered something unreadable: {e}"
            ))),
        }
    }

    /// Whether `answer` is signed; an answer with a signature that does not verify, for another
    /// command or another terminal is an error.
    fn check_answer(
        &self,
        answer: &Map<String, Value>,
        order: &[&str],
        command: &str,
    ) -> Result<bool, GatewayError> {
        let signed = match answer.get(HASH) {
            None | Some(Value::Null) => false,
            Some(Value::String(hash)) if self.verify(&pipe_joined(answer, order), hash) => true,
            Some(_) => {
                return Err(GatewayError::Permanent(
                    "VNPAY's answer is not signed with our hash secret (wrong secret, or \
                     altered on the way)"
                        .into(),
                ));
            }
        };
        let answered_command = field(answer, "vnp_Command");
        if !answered_command.is_empty() && answered_command != command {
            return Err(GatewayError::Permanent(format!(
                "asked {command}, VNPAY answered {answered_command:?}"
            )));
        }
        let tmn = field(answer, "vnp_TmnCode");
        if !tmn.is_empty() && tmn != self.config.tmn_code {
            return Err(GatewayError::Permanent(format!(
                "VNPAY answered for terminal {tmn:?}, not ours"
            )));
        }
        Ok(signed)
    }

    fn sign(&self, data: &str) -> String {
        hex::encode(self.mac(data).finalize().into_bytes())
    }

    /// Constant-time comparison of `hash` (hex, either case) with our signature of `data`.
    fn verify(&self, data: &str, hash: &str) -> bool {
        match hex::decode(hash) {
            Ok(tag) => self.mac(data).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, data: &str) -> HmacSha512 {
        // HMAC takes keys of any length, so this never fails.
        let mut mac = <HmacSha512 as Mac>::new_from_slice(self.config.hash_secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(data.as_bytes());
        mac
    }
}

/// The signed form of query parameters: sorted by name, each name and value encoded as
/// `application/x-www-form-urlencoded`, joined with `&`.
fn canonical_query<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = params.into_iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

/// The merchant API's signed form: the values of `order` joined with `|`, absent ones empty.
fn pipe_joined(body: &Map<String, Value>, order: &[&str]) -> String {
    order
        .iter()
        .map(|name| field(body, name))
        .collect::<Vec<_>>()
        .join("|")
}

/// A JSON field as text: strings as they are, numbers in their JSON form, anything else empty.
fn field(body: &Map<String, Value>, name: &str) -> String {
    match body.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn optional_field(body: &Map<String, Value>, name: &str) -> Option<String> {
    Some(field(body, name)).filter(|v| !v.is_empty())
}

fn answer_amount(answer: &Map<String, Value>) -> Result<i64, GatewayError> {
    let amount = field(answer, "vnp_Amount");
    parse_amount(&amount)
        .ok_or_else(|| GatewayError::Permanent(format!("VNPAY answered vnp_Amount {amount:?}")))
}

fn answer_date(answer: &Map<String, Value>) -> Result<Option<DateTime<Utc>>, GatewayError> {
    match optional_field(answer, "vnp_PayDate") {
        None => Ok(None),
        Some(d) => parse_wire_time(&d)
            .map(Some)
            .ok_or_else(|| GatewayError::Permanent(format!("VNPAY answered vnp_PayDate {d:?}"))),
    }
}

/// A non-success answer as an error; `transient` codes mean "try again later".
fn refusal(answer: &Map<String, Value>, transient: &[&str]) -> GatewayError {
    let code = field(answer, "vnp_ResponseCode");
    let message = field(answer, "vnp_Message");
    if code.is_empty() {
        GatewayError::Transient(format!("VNPAY answered without a response code: {message}"))
    } else if transient.contains(&code.as_str()) {
        GatewayError::Transient(format!("VNPAY code {code}: {message}"))
    } else {
        GatewayError::Refused { code, message }
    }
}

fn unsigned_success() -> GatewayError {
    GatewayError::Permanent("VNPAY's success answer carries no signature".into())
}

/// 32 random hex digits: `vnp_RequestId` must not repeat within a day.
fn request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn non_empty_info(info: &str, txn_ref: &str) -> String {
    let text = order_info_text(info);
    if text.is_empty() {
        order_info_text(txn_ref)
    } else {
        text
    }
}

/// `vnp_OrderInfo` as VNPAY wants it: Vietnamese without diacritics (`đ` as `d`), keeping ASCII
/// letters, digits and `- _ . , : / #`, anything else a space, spaces collapsed, at most
/// [`MAX_ORDER_INFO`] characters.
pub fn order_info_text(text: &str) -> String {
    let folded = deunicode::deunicode(text);
    let mut out = String::new();
    let mut gap = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ',' | ':' | '/' | '#') {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out.chars().take(MAX_ORDER_INFO).collect()
}

/// `yyyyMMddHHmmss` in Vietnam time.
pub fn wire_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&VIETNAM).format(WIRE_TIME).to_string()
}

/// The instant a `yyyyMMddHHmmss` Vietnam time names.
pub fn parse_wire_time(s: &str) -> Option<DateTime<Utc>> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(s, WIRE_TIME).ok()?;
    naive
        .and_local_timezone(VIETNAM)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// VND from `vnp_Amount` (VND × 100); `None` unless whole digits naming whole đồng.
fn parse_amount(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hundredths: i64 = s.parse().ok()?;
    (hundredths % 100 == 0).then_some(hundredths / 100)
}

fn is_txn_ref(s: &str) -> bool {
    (1..=MAX_TXN_REF).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false)
}
