//! Feedback and recommendations (phản ánh, kiến nghị) on a real database (SQLite, or PostgreSQL
//! with `TEST_DATABASE_URL`): codes and due dates on the working calendar (a Friday before the
//! Hùng Kings' and 30/4 holidays, and after hours), the whole journey with the pause for details,
//! who may take which step, what the public sees, every step audited and told to the sender by
//! email and SMS through the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use motcua_app::feedback::{self, Audience, ContactInput, NewFeedback, Viewer};
use motcua_app::identity::Principal;
use motcua_domain::feedback::{Command, Rating, Status};
use motcua_domain::notice::{SMS_MAX, gsm7_len};
use motcua_store::entities::{audit_entry, message};
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use motcua_testkit::*;

/// Local Vietnam time (UTC+7) as UTC.
fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn principal(t: &TestApp, token: &str) -> Principal {
    motcua_app::identity::resolve_token(&t.app, token)
        .await
        .unwrap()
        .unwrap()
}

async fn staff(t: &TestApp, username: &str) -> Principal {
    let token = t.staff_token(username).await;
    principal(t, &token).await
}

fn anonymous(content: &str) -> NewFeedback {
    NewFeedback {
        kind: "complaint".into(),
        content: content.into(),
        contact: Some(ContactInput {
            name: Some("Trần Thị Bình".into()),
            email: Some("binh@example.vn".into()),
            phone: Some("0912 345 678".into()),
        }),
        ..NewFeedback::default()
    }
}

fn as_principal(p: &Principal) -> Viewer<'_> {
    Viewer {
        principal: Some(p),
        key: None,
    }
}

async fn audited(t: &TestApp, action: &str) -> Vec<audit_entry::Model> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(action))
        .order_by_asc(audit_entry::Column::Seq)
        .all(&t.app.db)
        .await
        .unwrap()
}

async fn messages_about(t: &TestApp, event: &str) -> Vec<message::Model> {
    message::Entity::find()
        .filter(message::Column::Event.eq(event))
        .order_by_asc(message::Column::Channel)
        .all(&t.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_friday_before_the_holidays_and_after_hours() {
    // Friday 24/4/2026 10:00: Monday 27/4 (Hùng Kings' day, taken for Sunday 26/4), Thursday 30/4
    // and Friday 1/5 are days off.
    let t = TestApp::spawn_at(vn(2026, 4, 24, 10, 0)).await;
    let sent = feedback::submit(&t.app, None, anonymous("Cán bộ một cửa hẹn lại nhiều lần."))
        .await
        .unwrap();
    assert_eq!(sent.code, "PAKN-260424-0001");
    assert_eq!(sent.status, Status::Received);
    // 15 working days: Tue 28, Wed 29 April; 4–8, 11–15, 18–20 May.
    assert_eq!(sent.due_at, vn(2026, 5, 20, 10, 0));
    assert!(sent.access_key.is_some(), "an anonymous sender gets a key");

    // The same Friday after closing time counts from Tuesday 28/4 07:30.
    t.clock.set(vn(2026, 4, 24, 18, 30));
    let late = feedback::submit(
        &t.app,
        None,
        anonymous("Gửi sau giờ làm việc chiều thứ Sáu."),
    )
    .await
    .unwrap();
    assert_eq!(
        late.code, "PAKN-260424-0002",
        "numbered on the day it was sent"
    );
    assert_eq!(late.due_at, vn(2026, 5, 20, 17, 0));

    // The agency's page shows the other limits on the same calendar.
    let leader = staff(&t, "leader@H31").await;
    let v = feedback::get(&t.app, &as_principal(&leader), &late.code)
        .await
        .unwrap();
    assert_eq!(v.view, Audience::Staff);
    let limits = v.limits.unwrap();
    assert_eq!(limits.refuse_by, vn(2026, 4, 29, 17, 0));
    assert_eq!(limits.details_by, vn(2026, 5, 6, 17, 0));
    assert!(limits.on_time);

    // Received messages went out by email and SMS, in Vietnamese, with the sender's link.
    let email = Recorder::up();
    let sms = Recorder::up();
    drain(&t.worker(&email, &sms)).await;
    let mails = email.sent();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].to, "binh@example.vn");
    assert!(mails[0].title.as_deref().unwrap().contains(&sent.code));
    assert!(
        mails[0].body.contains("10:00 20/05/2026"),
        "{}",
        mails[0].body
    );
    let key = sent.access_key.unwrap();
    assert!(
        mails[0]
            .body
            .contains(&format!("{}/phan-anh/{}?k={key}", t.base, sent.code)),
        "{}",
        mails[0].body
    );
    let texts = sms.sent();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0].to, "0912345678");
    for m in &texts {
        assert!(m.body.is_ascii(), "{}", m.body);
        assert!(
            gsm7_len(&m.body).is_some_and(|n| n <= SMS_MAX),
            "{}",
            m.body
        );
    }
    assert!(texts[0].body.contains("20/05/2026"), "{}", texts[0].body);
    let received = messages_about(&t, "feedback_received").await;
    assert_eq!(received.len(), 4);
    assert!(received.iter().all(|m| m.subject.starts_with("feedback:")));
}

#[tokio::test]
async fn the_journey_pauses_for_details_and_every_step_is_audited_and_told() {
    let t = TestApp::spawn().await; // Tuesday 17/11/2026 09:00
    let citizen_token = t.citizen_token(CITIZEN_A).await;
    let citizen = principal(&t, &citizen_token).await;
    let dossier = t.submitted_birth_registration(&citizen_token).await;
    let sent = feedback::submit(
        &t.app,
        Some(&citizen),
        NewFeedback {
            kind: "complaint".into(),
            content: "Hồ sơ của tôi chưa được tiếp nhận dù đã quá 8 giờ làm việc.".into(),
            dossier: Some(dossier.clone()),
            contact: Some(ContactInput {
                email: Some("an@example.vn".into()),
                phone: Some("0987654321".into()),
                ..ContactInput::default()
            }),
            lang: Some("en".into()),
            ..NewFeedback::default()
        },
    )
    .await
    .unwrap();
    assert!(
        sent.access_key.is_none(),
        "a signed-in sender signs in again"
    );
    assert_eq!(sent.due_at, vn(2026, 12, 9, 9, 0), "24/11 is Culture Day");
    // It went to the dossier's agency.
    let officer = staff(&t, &format!("officer@{AGENCY_A}")).await;
    let v = feedback::get(&t.app, &as_principal(&officer), &sent.code)
        .await
        .unwrap();
    assert_eq!(v.agency.code, AGENCY_A);
    assert_eq!(v.subject, "dossier");
    assert_eq!(v.dossier.as_deref(), Some(dossier.as_str()));

    // Wednesday 09:00: the officer asks for details.
    t.clock.set(vn(2026, 11, 18, 9, 0));
    let v = feedback::act(
        &t.app,
        &as_principal(&officer),
        &sent.code,
        Command::RequestDetails {
            request: "Please give the date you applied.".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(v.status, "details_requested");
    // Nothing is overdue while the sender is awaited, however long.
    t.clock.set(vn(2026, 11, 27, 9, 0));
    let v = feedback::get(&t.app, &as_principal(&citizen), &sent.code)
        .await
        .unwrap();
    assert_eq!(v.view, Audience::Submitter);
    assert!(!v.overdue);
    assert_eq!(v.can, vec!["give_details"]);
    // Friday 27/11 09:00: the details; 6 working days of waiting move the date from 9/12 to 17/12.
    let v = feedback::act(
        &t.app,
        &as_principal(&citizen),
        &sent.code,
        Command::GiveDetails {
            details: "I applied on 16/11.".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(v.status, "details_given");
    assert_eq!(v.due_at, vn(2026, 12, 17, 9, 0));

    // A specialist answers; the leader publishes; the citizen rates.
    t.clock.set(vn(2026, 12, 1, 10, 0));
    let specialist = staff(&t, &format!("specialist@{AGENCY_A}")).await;
    feedback::act(
        &t.app,
        &as_principal(&specialist),
        &sent.code,
        Command::Answer {
            answer: "Your dossier was received on 18/11; we apologise for the delay.".into(),
        },
    )
    .await
    .unwrap();
    let leader = staff(&t, &format!("leader@{AGENCY_A}")).await;
    let v = feedback::act(&t.app, &as_principal(&leader), &sent.code, Command::Publish)
        .await
        .unwrap();
    assert_eq!(v.status, "published");
    assert!(v.limits.unwrap().on_time);
    let v = feedback::act(
        &t.app,
        &as_principal(&citizen),
        &sent.code,
        Command::Rate {
            rating: Rating::Satisfied,
            reason: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(v.rating.as_deref(), Some("satisfied"));

    // Every step is in the audit chain, in order, and the chain holds.
    for action in [
        "feedback.submit",
        "feedback.request_details",
        "feedback.give_details",
        "feedback.answer",
        "feedback.publish",
        "feedback.rate",
    ] {
        let entries = audited(&t, action).await;
        assert_eq!(entries.len(), 1, "{action}");
        assert!(entries[0].subject.starts_with("feedback:"));
    }
    let submit = &audited(&t, "feedback.submit").await[0];
    assert!(
        !submit.data.contains("an@example.vn") && !submit.data.contains("0987654321"),
        "contact details are masked in the audit log: {}",
        submit.data
    );
    assert!(
        motcua_store::audit::verify(&t.app.db)
            .await
            .unwrap()
            .is_ok()
    );

    // The sender was told of each agency step, in English, by email and SMS.
    for event in [
        "feedback_received",
        "feedback_details_requested",
        "feedback_answered",
        "feedback_published",
    ] {
        let m = messages_about(&t, event).await;
        assert_eq!(m.len(), 2, "{event}");
        assert_eq!(
            (m[0].channel.as_str(), m[1].channel.as_str()),
            ("email", "sms")
        );
        assert!(m.iter().all(|m| m.lang == "en"), "{event}");
    }
    let email = Recorder::up();
    let sms = Recorder::up();
    drain(&t.worker(&email, &sms)).await;
    let about_feedback: Vec<_> = email
        .sent()
        .into_iter()
        .filter(|m| m.title.as_deref().is_some_and(|t| t.contains(&sent.code)))
        .collect();
    assert_eq!(about_feedback.len(), 4);
    let answered = about_feedback
        .iter()
        .find(|m| m.title.as_deref().unwrap().contains("answered"))
        .unwrap();
    assert!(
        answered.body.contains("we apologise for the delay"),
        "{}",
        answered.body
    );
    assert!(
        !answered.body.contains("?k="),
        "signed-in senders get the plain link"
    );
    for m in sms.sent() {
        assert!(
            gsm7_len(&m.body).is_some_and(|n| n <= SMS_MAX),
            "{}",
            m.body
        );
    }
}

#[tokio::test]
async fn only_the_agencys_handlers_act_and_only_its_leader_publishes() {
    let t = TestApp::spawn().await;
    let sent = feedback::submit(
        &t.app,
        None,
        NewFeedback {
            agency: Some(AGENCY_A.into()),
            ..anonymous("Bộ phận một cửa không niêm yết phí.")
        },
    )
    .await
    .unwrap();
    let answer = || Command::Answer {
        answer: "Đã niêm yết.".into(),
    };
    // Staff of another agency: the step is refused and they see only the public view.
    let other = staff(&t, &format!("leader@{AGENCY_B}")).await;
    let e = feedback::act(&t.app, &as_principal(&other), &sent.code, answer())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.kind),
        ("role_not_allowed", motcua_app::ErrorCode::Forbidden)
    );
    let v = feedback::get(&t.app, &as_principal(&other), &sent.code)
        .await
        .unwrap();
    assert_eq!(v.view, Audience::Public);
    // The agency's administrator and clerk neither handle feedback nor read the sender's details;
    // a citizen who did not send it is not its sender.
    for who in [format!("admin@{AGENCY_A}"), format!("clerk@{AGENCY_A}")] {
        let p = staff(&t, &who).await;
        let e = feedback::act(&t.app, &as_principal(&p), &sent.code, answer())
            .await
            .unwrap_err();
        assert_eq!(e.code, "role_not_allowed", "{who}");
        let v = feedback::get(&t.app, &as_principal(&p), &sent.code)
            .await
            .unwrap();
        assert!(
            v.contact.is_none(),
            "{who} does not see the sender's contact"
        );
    }
    let stranger = principal(&t, &t.citizen_token(CITIZEN_B).await).await;
    let e = feedback::act(
        &t.app,
        &as_principal(&stranger),
        &sent.code,
        Command::Rate {
            rating: Rating::Dissatisfied,
            reason: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "not_submitter");
    // A refusal needs its reason (per field), then it is final.
    let officer = staff(&t, &format!("officer@{AGENCY_A}")).await;
    let e = feedback::act(
        &t.app,
        &as_principal(&officer),
        &sent.code,
        Command::Refuse {
            reason: "   ".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "text_required");
    assert_eq!(e.fields[0].field, "reason");
    feedback::act(&t.app, &as_principal(&officer), &sent.code, answer())
        .await
        .unwrap();
    let e = feedback::act(
        &t.app,
        &as_principal(&officer),
        &sent.code,
        Command::Publish,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "role_not_allowed");
    let e = feedback::act(&t.app, &as_principal(&officer), &sent.code, answer())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.kind),
        ("illegal_transition", motcua_app::ErrorCode::Conflict)
    );
    assert_eq!(
        audited(&t, "feedback.answer").await.len(),
        1,
        "refusals write nothing"
    );
}

#[tokio::test]
async fn an_anonymous_sender_comes_back_with_their_key() {
    let t = TestApp::spawn().await;
    let sent = feedback::submit(
        &t.app,
        None,
        NewFeedback {
            kind: "recommendation".into(),
            procedure: Some("1.001193".into()),
            ..anonymous("Nên cho phép nộp bản chụp giấy chứng sinh bằng điện thoại.")
        },
    )
    .await
    .unwrap();
    let key = sent.access_key.clone().unwrap();
    // A commune-level procedure without a commune goes to the province.
    let leader = staff(&t, "leader@H31").await;
    feedback::act(
        &t.app,
        &as_principal(&leader),
        &sent.code,
        Command::RequestDetails {
            request: "Ông/Bà gặp khó khăn ở bước nào?".into(),
        },
    )
    .await
    .unwrap();
    let wrong = Viewer {
        principal: None,
        key: Some("not-the-key"),
    };
    let e = feedback::act(
        &t.app,
        &wrong,
        &sent.code,
        Command::GiveDetails {
            details: "Bước tải tệp.".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "not_submitter");
    let v = feedback::get(&t.app, &wrong, &sent.code).await.unwrap();
    assert_eq!(v.view, Audience::Public);
    let mine = Viewer {
        principal: None,
        key: Some(&key),
    };
    let v = feedback::get(&t.app, &mine, &sent.code).await.unwrap();
    assert_eq!(v.view, Audience::Submitter);
    assert_eq!(
        v.details_request.as_deref(),
        Some("Ông/Bà gặp khó khăn ở bước nào?")
    );
    feedback::act(
        &t.app,
        &mine,
        &sent.code,
        Command::GiveDetails {
            details: "Bước tải tệp.".into(),
        },
    )
    .await
    .unwrap();
    feedback::act(
        &t.app,
        &as_principal(&leader),
        &sent.code,
        Command::Answer {
            answer: "Cổng đã nhận ảnh chụp JPEG.".into(),
        },
    )
    .await
    .unwrap();
    let v = feedback::act(
        &t.app,
        &mine,
        &sent.code,
        Command::Rate {
            rating: Rating::Dissatisfied,
            reason: "Vẫn chậm.".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(v.rating.as_deref(), Some("dissatisfied"));
    assert_eq!(v.rating_reason.as_deref(), Some("Vẫn chậm."));
    let e = feedback::act(
        &t.app,
        &mine,
        &sent.code,
        Command::Rate {
            rating: Rating::Satisfied,
            reason: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "already_rated");
    // The key is stored sealed, never as given.
    let row = motcua_store::entities::feedback::Entity::find()
        .filter(motcua_store::entities::feedback::Column::Code.eq(sent.code.clone()))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.agency_code, "H31");
    assert_eq!(row.subject_type, "procedure");
    assert!(!row.access_key.unwrap().contains(&key));
    // The rating is the sender's, audited without their name.
    let rate = &audited(&t, "feedback.rate").await[0];
    assert_eq!(rate.actor, "anonymous:sender");
}

#[tokio::test]
async fn the_public_view_hides_who_sent_it_and_what_is_not_published() {
    let t = TestApp::spawn().await;
    let sent = feedback::submit(
        &t.app,
        None,
        NewFeedback {
            agency: Some(AGENCY_A.into()),
            officer: Some("Anh Minh, bàn số 3".into()),
            ..anonymous("Cán bộ bàn số 3 yêu cầu nộp thêm giấy tờ không có trong danh mục.")
        },
    )
    .await
    .unwrap();
    let public = Viewer::default();
    let v = feedback::get(&t.app, &public, &sent.code).await.unwrap();
    assert_eq!(v.view, Audience::Public);
    assert_eq!(v.subject, "conduct");
    assert!(v.contact.is_none() && v.officer.is_none() && v.content.is_none());
    let text = serde_json::to_string(&v).unwrap();
    for private in [
        "binh@example.vn",
        "0912345678",
        "Trần Thị Bình",
        "Anh Minh",
        "bàn số 3",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let specialist = staff(&t, &format!("specialist@{AGENCY_A}")).await;
    feedback::act(
        &t.app,
        &as_principal(&specialist),
        &sent.code,
        Command::Answer {
            answer: "Cơ quan đã nhắc nhở cán bộ.".into(),
        },
    )
    .await
    .unwrap();
    let v = feedback::get(&t.app, &public, &sent.code).await.unwrap();
    assert!(v.answer.is_none(), "not published yet");
    let (list, more) = feedback::published(&t.app, 0).await.unwrap();
    assert!(list.is_empty() && !more);
    let leader = staff(&t, &format!("leader@{AGENCY_A}")).await;
    feedback::act(&t.app, &as_principal(&leader), &sent.code, Command::Publish)
        .await
        .unwrap();
    let v = feedback::get(&t.app, &public, &sent.code).await.unwrap();
    assert_eq!(v.answer.as_deref(), Some("Cơ quan đã nhắc nhở cán bộ."));
    assert!(v.content.is_some());
    let text = serde_json::to_string(&v).unwrap();
    for private in ["binh@example.vn", "0912345678", "Trần Thị Bình", "Anh Minh"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let (list, _) = feedback::published(&t.app, 0).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].code, sent.code);
}

#[tokio::test]
async fn refusals_of_the_submission_name_each_field() {
    let t = TestApp::spawn().await;
    let e = feedback::submit(
        &t.app,
        None,
        NewFeedback {
            kind: "praise".into(),
            content: "ngắn".into(),
            agency: Some("H99".into()),
            procedure: Some("9.999999".into()),
            dossier: Some("H31.11341-261117-9999".into()),
            contact: Some(ContactInput {
                email: Some("not-an-email".into()),
                phone: Some("123".into()),
                ..ContactInput::default()
            }),
            lang: Some("fr".into()),
            ..NewFeedback::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "invalid_form");
    let mut fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "agency",
            "contact.email",
            "contact.phone",
            "content",
            "dossier",
            "kind",
            "lang",
            "procedure"
        ]
    );
    assert!(
        e.fields
            .iter()
            .all(|f| !f.message_vi.is_empty() && !f.message_en.is_empty())
    );
    // Without signing in, an email or a phone is needed.
    let e = feedback::submit(
        &t.app,
        None,
        NewFeedback {
            kind: "complaint".into(),
            content: "Nội dung đủ dài để gửi.".into(),
            ..NewFeedback::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.fields.len(), 1);
    assert_eq!(e.fields[0].field, "contact");
    // A signed-in citizen may send without giving them again; nothing was written before.
    assert!(audited(&t, "feedback.submit").await.is_empty());
    let citizen = principal(&t, &t.citizen_token(CITIZEN_A).await).await;
    let sent = feedback::submit(
        &t.app,
        Some(&citizen),
        NewFeedback {
            kind: "recommendation".into(),
            content: "Nên mở thêm quầy buổi sáng thứ Bảy.".into(),
            ..NewFeedback::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sent.code, "PAKN-261117-0001",
        "refused submissions use no number"
    );
}

#[tokio::test]
async fn the_feedback_table_goes_down_and_up_with_the_migrations() {
    use motcua_store::sea_orm::{ConnectionTrait, DbBackend, Statement};
    let t = TestApp::spawn().await;
    let exists = |db: motcua_store::sea_orm::DatabaseConnection| async move {
        let sql = match db.get_database_backend() {
            DbBackend::Postgres => {
                "SELECT table_name AS name FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_name = 'feedback'"
            }
            _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'feedback'",
        };
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .is_some()
    };
    assert!(exists(t.app.db.clone()).await);
    motcua_store::migrate_down_all(&t.app.db).await.unwrap();
    assert!(!exists(t.app.db.clone()).await, "down() drops the table");
    motcua_store::migrate(&t.app.db).await.unwrap();
    assert!(exists(t.app.db.clone()).await);
}
