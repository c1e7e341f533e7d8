//! The life of one payment (SPEC §8): created → pending → succeeded | failed | cancelled | expired,
//! and a succeeded payment → refunded.
//!
//! The gateway's word settles a pending payment — its server-to-server notification (IPN) or the
//! answer to a re-query — never the page the payer's browser comes back to. A settlement that
//! arrives twice changes nothing the second time; one whose amount differs from what was asked is
//! refused. A payment the gateway reports as paid after we gave up on it (expired) still counts:
//! the money was taken, so the dossier must move on.
//!
//! Counter payments (cash or card at the one-stop desk) are recorded as succeeded at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Created,
    Pending,
    Succeeded,
    Failed,
    Cancelled,
    Expired,
    Refunded,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 7] = [
        PaymentStatus::Created,
        PaymentStatus::Pending,
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Cancelled,
        PaymentStatus::Expired,
        PaymentStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Still waiting for the gateway's word.
    pub fn is_open(self) -> bool {
        matches!(self, PaymentStatus::Created | PaymentStatus::Pending)
    }

    /// Ended without money taken: the payer may try again.
    pub fn may_retry(self) -> bool {
        matches!(
            self,
            PaymentStatus::Failed | PaymentStatus::Cancelled | PaymentStatus::Expired
        )
    }
}

/// What the gateway said about a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayVerdict {
    Paid,
    /// Refused by the bank (insufficient funds, card blocked, …).
    Declined,
    /// The payer cancelled at the gateway.
    Cancelled,
    /// The payer never finished in time.
    TimedOut,
}

/// Something that happens to a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    /// The payer was sent to the gateway.
    Redirected,
    /// The gateway's notification or re-query answer, with the amount it says was paid.
    Settled {
        verdict: GatewayVerdict,
        amount_vnd: i64,
    },
    /// Recorded at the counter (cash or card), for the full amount.
    PaidAtCounter,
    /// Past its expiry with no word from the gateway, and a re-query found nothing paid.
    Expire,
    /// The gateway confirmed a refund.
    Refunded,
}

/// What an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The payment moved to this status.
    Moved(PaymentStatus),
    /// The same settlement again (a repeated notification): nothing changes.
    AlreadySettled,
}

/// Why an event was refused; the stored payment is untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("the gateway reports {reported} VND for a payment of {expected} VND")]
    AmountMismatch { expected: i64, reported: i64 },
    #[error("a {status:?} payment cannot {event}")]
    NotAllowed {
        status: PaymentStatus,
        event: &'static str,
    },
}

fn event_name(e: &PaymentEvent) -> &'static str {
    match e {
        PaymentEvent::Redirected => "be sent to the gateway",
        PaymentEvent::Settled { .. } => "be settled",
        PaymentEvent::PaidAtCounter => "be paid at the counter",
        PaymentEvent::Expire => "expire",
        PaymentEvent::Refunded => "be refunded",
    }
}

/// Decides what `event` does to a payment of `amount_vnd` now in `status`.
pub fn decide(
    status: PaymentStatus,
    amount_vnd: i64,
    event: &PaymentEvent,
) -> Result<Outcome, PaymentError> {
    use PaymentStatus as S;
    let not_allowed = || PaymentError::NotAllowed {
        status,
        event: event_name(event),
    };
    match event {
        PaymentEvent::Redirected => match status {
            S::Created => Ok(Outcome::Moved(S::Pending)),
            // The payer pressed "pay" again in another tab: still the same pending payment.
            S::Pending => Ok(Outcome::AlreadySettled),
            _ => Err(not_allowed()),
        },
        PaymentEvent::Settled {
            verdict,
            amount_vnd: reported,
        } => {
            if *reported != amount_vnd {
                return Err(PaymentError::AmountMismatch {
                    expected: amount_vnd,
                    reported: *reported,
                });
            }
            let target = match verdict {
                GatewayVerdict::Paid => S::Succeeded,
                GatewayVerdict::Declined => S::Failed,
                GatewayVerdict::Cancelled => S::Cancelled,
                GatewayVerdict::TimedOut => S::Expired,
            };
            match (status, target) {
                (S::Created | S::Pending, t) => Ok(Outcome::Moved(t)),
                // Money taken after we gave up, or after a failure we recorded from a re-query
                // that raced the payer: the gateway's "paid" wins, the dossier moves on.
                (S::Expired | S::Failed | S::Cancelled, S::Succeeded) => {
                    Ok(Outcome::Moved(S::Succeeded))
                }
                // The same word again, a "paid" for a refunded payment, or a late "failed" that
                // must never undo a payment that succeeded nor change one ended otherwise.
                _ => Ok(Outcome::AlreadySettled),
            }
        }
        PaymentEvent::PaidAtCounter => match status {
            S::Created | S::Pending | S::Failed | S::Cancelled | S::Expired => {
                Ok(Outcome::Moved(S::Succeeded))
            }
            S::Succeeded => Ok(Outcome::AlreadySettled),
            S::Refunded => Err(not_allowed()),
        },
        PaymentEvent::Expire => match status {
            S::Created | S::Pending => Ok(Outcome::Moved(S::Expired)),
            _ => Err(not_allowed()),
        },
        PaymentEvent::Refunded => match status {
            S::Succeeded => Ok(Outcome::Moved(S::Refunded)),
            S::Refunded => Ok(Outcome::AlreadySettled),
            _ => Err(not_allowed()),
        },
    }
}

/// A pending payment is re-queried once the payer has had time to finish and the notification
/// should have come: `expires_at` plus a grace for a slow notification.
pub fn due_for_requery(
    status: PaymentStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    status.is_open() && now >= expires_at + chrono::Duration::minutes(5)
}

/// Why a paid dossier ended without its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndedBy {
    /// Not received (refused at receipt).
    Refused,
    /// Withdrawn at the applicant's request.
    Withdrawn,
    /// Processing stopped by the agency.
    Stopped,
}

/// What of a paid amount goes back when a dossier ends without its result.
///
/// Nothing was done for a dossier that was never received (refused, or withdrawn before
/// receipt): everything paid is returned. Once received, the work a *phí* pays for (appraisal,
/// the service rendered) has been done and is kept, while a *lệ phí* (the charge for the state's
/// act, which never happened) is returned — the distinction of the Law on Fees and Charges 2015
/// Art. 3. `lines` are (amount paid, is a lệ phí).
pub fn refundable(ended_by: EndedBy, received: bool, lines: &[(i64, bool)]) -> i64 {
    let everything = matches!(ended_by, EndedBy::Refused)
        || (matches!(ended_by, EndedBy::Withdrawn) && !received);
    lines
        .iter()
        .filter(|(_, charge)| everything || *charge)
        .map(|(amount, _)| (*amount).max(0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use GatewayVerdict as V;
    use PaymentStatus as S;

    fn settled(v: V, amount: i64) -> PaymentEvent {
        PaymentEvent::Settled {
            verdict: v,
            amount_vnd: amount,
        }
    }

    #[test]
    fn a_pending_payment_is_settled_by_the_gateways_verdict() {
        for (v, to) in [
            (V::Paid, S::Succeeded),
            (V::Declined, S::Failed),
            (V::Cancelled, S::Cancelled),
            (V::TimedOut, S::Expired),
        ] {
            assert_eq!(
                decide(S::Pending, 200_000, &settled(v, 200_000)),
                Ok(Outcome::Moved(to))
            );
            // Settled twice: the second changes nothing.
            assert_eq!(
                decide(to, 200_000, &settled(v, 200_000)),
                Ok(Outcome::AlreadySettled)
            );
        }
    }

    #[test]
    fn another_amount_is_refused_whatever_the_status() {
        for s in S::ALL {
            assert_eq!(
                decide(s, 200_000, &settled(V::Paid, 20_000_000)),
                Err(PaymentError::AmountMismatch {
                    expected: 200_000,
                    reported: 20_000_000
                })
            );
        }
    }

    #[test]
    fn paid_after_giving_up_still_counts_but_a_late_failure_never_undoes_a_payment() {
        for s in [S::Expired, S::Failed, S::Cancelled] {
            assert_eq!(
                decide(s, 5, &settled(V::Paid, 5)),
                Ok(Outcome::Moved(S::Succeeded))
            );
        }
        for v in [V::Declined, V::Cancelled, V::TimedOut] {
            assert_eq!(
                decide(S::Succeeded, 5, &settled(v, 5)),
                Ok(Outcome::AlreadySettled)
            );
            assert_eq!(
                decide(S::Refunded, 5, &settled(v, 5)),
                Ok(Outcome::AlreadySettled)
            );
        }
    }

    #[test]
    fn only_open_payments_expire_and_only_succeeded_ones_are_refunded() {
        for s in S::ALL {
            let expire = decide(s, 1, &PaymentEvent::Expire);
            assert_eq!(expire.is_ok(), s.is_open(), "{s:?}");
            let refund = decide(s, 1, &PaymentEvent::Refunded);
            assert_eq!(
                refund.is_ok(),
                matches!(s, S::Succeeded | S::Refunded),
                "{s:?}"
            );
        }
    }

    #[test]
    fn statuses_round_trip_and_retry_is_for_payments_that_took_no_money() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert!(S::Failed.may_retry() && S::Expired.may_retry() && S::Cancelled.may_retry());
        assert!(!S::Pending.may_retry() && !S::Succeeded.may_retry() && !S::Refunded.may_retry());
    }

    #[test]
    fn what_goes_back_depends_on_whether_the_work_was_done() {
        // A 200,000 appraisal fee (phí) and a 50,000 charge (lệ phí).
        let lines = [(200_000, false), (50_000, true)];
        assert_eq!(refundable(EndedBy::Refused, false, &lines), 250_000);
        assert_eq!(refundable(EndedBy::Withdrawn, false, &lines), 250_000);
        assert_eq!(refundable(EndedBy::Withdrawn, true, &lines), 50_000);
        assert_eq!(refundable(EndedBy::Stopped, true, &lines), 50_000);
        assert_eq!(refundable(EndedBy::Stopped, true, &[(200_000, false)]), 0);
        assert_eq!(refundable(EndedBy::Refused, false, &[]), 0);
    }

    #[test]
    fn a_pending_payment_is_requeried_after_its_expiry_and_a_grace() {
        let exp: DateTime<Utc> = "2026-12-07T03:15:00Z".parse().unwrap_or_default();
        assert!(!due_for_requery(S::Pending, exp, exp));
        assert!(due_for_requery(
            S::Pending,
            exp,
            exp + chrono::Duration::minutes(5)
        ));
        assert!(!due_for_requery(
            S::Succeeded,
            exp,
            exp + chrono::Duration::hours(1)
        ));
    }
}
