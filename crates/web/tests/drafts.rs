//! An applicant throws a draft away (SPEC §9 "my dossiers"): asked first, only their own, only
//! while nothing has been submitted, with the form, the files and the draft's history gone and
//! the deletion in the audit trail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_store::entities::{attachment, audit_entry, dossier, progress_entry};
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use motcua_testkit::*;
use serde_json::Value;

async fn delete(t: &TestApp, token: &str, code: &str) -> reqwest::Response {
    t.http
        .delete(t.url(&format!("/api/v1/dossiers/{code}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_citizen_deletes_their_draft_after_confirming_and_nothing_of_it_is_left() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&token).await;
    let row = dossier::Entity::find()
        .filter(dossier::Column::DraftRef.eq(draft.clone()))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    let stored: Vec<String> = attachment::Entity::find()
        .filter(attachment::Column::DossierId.eq(row.id.clone()))
        .all(&t.app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.storage_key)
        .collect();
    // The birth notice uploaded, and the three records the national databases gave.
    assert_eq!(stored.len(), 4);
    for key in &stored {
        assert!(t.app.files.get(key).await.is_ok());
    }

    // "My dossiers" offers it for a draft; the page says what goes and asks.
    let (_, list) = t.page(&cookie, "/my").await;
    assert!(
        list.contains(&format!("href=\"/my/{draft}/delete\"")),
        "{list}"
    );
    let (status, ask) = t.page(&cookie, &format!("/my/{draft}/delete")).await;
    assert_eq!(status, 200);
    assert!(
        ask.contains("Nguyễn Minh Khang"),
        "the child's name tells the draft: {ask}"
    );
    assert!(ask.contains("1 tệp đã tải lên cũng bị xóa theo"), "{ask}");
    let (_, ask_en) = t
        .page(
            &format!("{cookie}; lang=en"),
            &format!("/my/{draft}/delete"),
        )
        .await;
    assert!(
        ask_en.contains("Its 1 uploaded file is deleted with it."),
        "{ask_en}"
    );
    // Without the confirmation nothing happens.
    let (status, _, _) = t
        .submit_fields(&cookie, &format!("/my/{draft}/delete"), &[])
        .await;
    assert_eq!(status, 200);
    assert!(
        dossier::Entity::find_by_id(row.id.clone())
            .one(&t.app.db)
            .await
            .unwrap()
            .is_some()
    );

    // Someone else cannot even see it, nor can staff.
    let other = t.citizen_token(CITIZEN_B).await;
    assert_eq!(delete(&t, &other, &draft).await.status(), 404);
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    assert_eq!(delete(&t, &officer, &draft).await.status(), 404);

    let (status, to, _) = t
        .submit_fields(
            &cookie,
            &format!("/my/{draft}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("/my?deleted={draft}"));
    let (_, list) = t.page(&cookie, &to).await;
    assert!(list.contains("Đã xóa bản nháp"), "{list}");
    assert!(
        !list.contains(&format!("href=\"/my/{draft}/form\"")),
        "{list}"
    );
    // A made-up banner is not echoed.
    let (_, forged) = t.page(&cookie, "/my?deleted=%3Cscript%3E").await;
    assert!(!forged.contains("Đã xóa bản nháp"));

    // Gone: the row, its history, its files and their bytes; a second delete is "not found".
    assert!(
        dossier::Entity::find_by_id(row.id.clone())
            .one(&t.app.db)
            .await
            .unwrap()
            .is_none()
    );
    for count in [
        attachment::Entity::find()
            .filter(attachment::Column::DossierId.eq(row.id.clone()))
            .count(&t.app.db)
            .await
            .unwrap(),
        progress_entry::Entity::find()
            .filter(progress_entry::Column::DossierId.eq(row.id.clone()))
            .count(&t.app.db)
            .await
            .unwrap(),
    ] {
        assert_eq!(count, 0);
    }
    for key in &stored {
        assert!(
            t.app.files.get(key).await.is_err(),
            "the file's bytes are deleted"
        );
    }
    assert_eq!(delete(&t, &token, &draft).await.status(), 404);
    // The audit trail says who deleted which draft, not what it held.
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("dossier.delete_draft"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].subject, format!("dossier:{}", row.id));
    assert!(audited[0].actor.starts_with("citizen:"));
    assert!(audited[0].data.contains(&draft));
    assert!(!audited[0].data.contains("Nguyễn Minh Khang"));
}

#[tokio::test]
async fn only_a_draft_is_deleted_and_the_api_says_why_not() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let submitted = t.submitted_birth_registration(&token).await;
    expect_problem(delete(&t, &token, &submitted).await, 409, "not_a_draft").await;
    let still: Value = t
        .get(&token, &format!("/api/v1/dossiers/{submitted}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], 1);
    // The page does not offer it: it sends the citizen back to the dossier.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, to, _) = t
        .submit_fields(&cookie, &format!("/my/{submitted}/delete"), &[])
        .await;
    assert_eq!((status, to), (303, format!("/my/{submitted}")));

    // Through the API a bare draft goes with 204.
    let r = t
        .post_json(
            &token,
            "/api/v1/dossiers",
            &serde_json::json!({ "procedure": "1.001193" }),
        )
        .await;
    let draft = json(r).await["code"].as_str().unwrap().to_owned();
    assert_eq!(delete(&t, &token, &draft).await.status(), 204);
    assert_eq!(
        t.get(&token, &format!("/api/v1/dossiers/{draft}"))
            .await
            .status(),
        404
    );
}
