//! The sweep of orphaned attachment bytes on a real database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`): bytes no row names are removed once older than the grace period; bytes an
//! attachment row names, and young bytes that may belong to an upload in flight, are kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use motcua_app::housekeeping::{ORPHAN_GRACE, sweep_orphan_files};
use motcua_store::entities::attachment;
use motcua_store::files::FileStore;
use motcua_store::sea_orm::EntityTrait;
use motcua_testkit::*;

/// Sets an object's modification time, as if it had been written at `at`.
fn written_at(root: &Path, key: &str, at: DateTime<Utc>) {
    std::fs::File::options()
        .write(true)
        .open(root.join(key))
        .unwrap()
        .set_modified(at.into())
        .unwrap();
}

fn orphan_key(folder: &str) -> String {
    format!("dossiers/{folder}/{}", uuid::Uuid::now_v7())
}

#[tokio::test]
async fn only_unreferenced_bytes_older_than_the_grace_period_are_swept() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    // Two real attachments, uploaded through the API.
    t.birth_registration_draft(&citizen).await;
    t.birth_registration_draft(&citizen).await;
    let attachments = attachment::Entity::find().all(&t.app.db).await.unwrap();
    // Per draft: the upload, and the extracts the national databases gave for its components.
    assert_eq!(
        attachments.iter().filter(|a| a.source == "upload").count(),
        2
    );
    let n = u64::try_from(attachments.len()).unwrap();
    assert!(n > 2, "{attachments:?}");
    let dossier_id = attachments[0].dossier_id.clone();

    // A file store whose objects' ages the test sets, holding copies of the real attachments'
    // bytes and the leftovers of uploads whose transaction never committed.
    let dir = tempfile::tempdir().unwrap();
    let files = FileStore::local(dir.path()).unwrap();
    let mut app = t.app.clone();
    app.files = files.clone();
    let now = Utc::now();
    let long_ago = now - TimeDelta::days(30);
    for a in &attachments {
        let bytes = t.app.files.get(&a.storage_key).await.unwrap();
        files.put(&a.storage_key, bytes).await.unwrap();
        written_at(dir.path(), &a.storage_key, long_ago);
    }
    let old_orphans = [
        (orphan_key(&dossier_id), long_ago),
        (
            orphan_key(&dossier_id),
            now - ORPHAN_GRACE - TimeDelta::seconds(1),
        ),
        // A dossier that is not in the database at all.
        (
            orphan_key(&uuid::Uuid::now_v7().to_string()),
            now - TimeDelta::days(400),
        ),
    ];
    let fresh_orphans = [
        (orphan_key(&dossier_id), now),
        (
            orphan_key(&dossier_id),
            now - ORPHAN_GRACE + TimeDelta::minutes(1),
        ),
    ];
    for (key, at) in old_orphans.iter().chain(&fresh_orphans) {
        files
            .put(key, bytes::Bytes::from_static(b"%PDF-1.4 half an upload"))
            .await
            .unwrap();
        written_at(dir.path(), key, *at);
    }

    let report = sweep_orphan_files(&app, now).await.unwrap();
    let mut removed = report.removed.clone();
    removed.sort();
    let mut expected: Vec<String> = old_orphans.iter().map(|(k, _)| k.clone()).collect();
    expected.sort();
    assert_eq!(removed, expected, "{report:?}");
    assert_eq!(report.examined, n + 5);
    assert_eq!(report.recent, 2);
    assert_eq!(report.referenced, n);
    assert_eq!(report.bytes_removed, 3 * 23);
    assert!(report.failed.is_empty() && report.skipped.is_empty());
    for (key, _) in &old_orphans {
        assert!(files.get(key).await.is_err(), "{key} is still there");
    }
    for (key, _) in &fresh_orphans {
        assert!(files.get(key).await.is_ok(), "{key} was swept too early");
    }
    for a in &attachments {
        assert_eq!(
            files.get(&a.storage_key).await.unwrap(),
            t.app.files.get(&a.storage_key).await.unwrap()
        );
    }

    // Sweeping again changes nothing; once the young ones are past the grace period they go too.
    let again = sweep_orphan_files(&app, now).await.unwrap();
    assert!(again.removed.is_empty(), "{again:?}");
    let later = sweep_orphan_files(&app, now + ORPHAN_GRACE).await.unwrap();
    assert_eq!(later.removed.len(), fresh_orphans.len(), "{later:?}");
    assert_eq!(later.referenced, n);
}

#[tokio::test]
async fn the_real_store_keeps_every_attachment_however_old() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let report = sweep_orphan_files(&t.app, Utc::now() + TimeDelta::days(3650))
        .await
        .unwrap();
    assert!(report.removed.is_empty(), "{report:?}");
    let d = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    let attachments = d["attachments"].as_array().unwrap();
    assert_eq!(report.referenced, u64::try_from(attachments.len()).unwrap());
    let upload = attachments
        .iter()
        .find(|a| a["source"] == "upload")
        .unwrap();
    let url = upload["url"].as_str().unwrap().to_owned();
    let r = t.get(&citizen, &url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), sample_pdf());
}
