//! Our client of the national portal's dossier sync (`motcua_gateways::npsp`) against the
//! simulated portal (`motcua_sim::npsp`) on 127.0.0.1: what each kind of answer becomes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use motcua_domain::national_portal::{
    Applicant, DossierRecord, FeeList, ProgressUpdate, portal_time,
};
use motcua_gateways::npsp::{NpspClient, NpspError, NpspSettings};
use motcua_sim::npsp::NpspSim;

async fn portal() -> (Arc<NpspSim>, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Arc::new(NpspSim::new("motcua", "s3cret"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = axum::Router::new().nest("/sim/npsp", sim.router());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (sim, format!("http://127.0.0.1:{port}/sim/npsp"))
}

fn client(base: &str, secret: &str) -> NpspClient {
    NpspClient::new(NpspSettings {
        base_url: base.into(),
        client_id: "motcua".into(),
        client_secret: secret.into(),
    })
    .unwrap()
}

fn record(code: &str) -> DossierRecord {
    DossierRecord {
        seq: 1,
        code: code.into(),
        procedure_code: "1.001193".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        receiving_agency: "H31.11341".into(),
        competent_agency: "H31.11341".into(),
        channel: 2,
        submitted_at: portal_time(chrono::Utc::now()),
        received_at: None,
        due_at: None,
        status: 1,
        applicant: Applicant {
            full_name: "Nguyễn Văn An".into(),
            id_number: "031085012345".into(),
            kind: 1,
            commune: Some("11341".into()),
        },
        vneid_account: 1,
        has_digitized_components: 0,
        components: vec![],
        fees: vec![],
        paid_online: 0,
    }
}

fn step(seq: u32, status: u8) -> ProgressUpdate {
    ProgressUpdate {
        seq,
        status,
        at: portal_time(chrono::Utc::now()),
        handler: "Trần Thị Hoa".into(),
        unit: Some("H31.11341".into()),
        content: "Tiếp nhận hồ sơ".into(),
        due_at: None,
        ended_at: None,
        result_url: None,
        result_sha256: None,
    }
}

#[tokio::test]
async fn each_answer_of_the_portal_becomes_the_right_outcome() {
    let (sim, base) = portal().await;
    // Wrong credentials: the token is refused, worth retrying once the operator fixes them.
    let wrong = client(&base, "guess");
    assert!(matches!(
        wrong.create(&record("H31.11341-261207-0001")).await,
        Err(NpspError::Unavailable(m)) if m.contains("401")
    ));
    assert!(sim.dossier("H31.11341-261207-0001").is_none());

    let c = client(&base, "s3cret");
    // A step before the dossier: the portal asks for update 1.
    assert!(matches!(
        c.progress("H31.11341-261207-0001", &step(2, 2)).await,
        Err(NpspError::OutOfOrder { expected: 1 })
    ));
    c.create(&record("H31.11341-261207-0001")).await.unwrap();
    // The same creation again is the same dossier.
    c.create(&record("H31.11341-261207-0001")).await.unwrap();
    // A gap: resume from 2.
    assert!(matches!(
        c.progress("H31.11341-261207-0001", &step(3, 4)).await,
        Err(NpspError::OutOfOrder { expected: 2 })
    ));
    c.progress("H31.11341-261207-0001", &step(2, 2))
        .await
        .unwrap();
    // Malformed: a personal ID that is not 12 digits, refused for good with the field named.
    let mut bad = record("H31.11341-261207-0002");
    bad.applicant.id_number = "12345".into();
    match c.create(&bad).await {
        Err(NpspError::Refused {
            status: 422,
            message,
        }) => {
            assert!(message.contains("SoGiayTo"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // A result without its end time.
    match c.progress("H31.11341-261207-0001", &step(3, 9)).await {
        Err(NpspError::Refused {
            status: 422,
            message,
        }) => {
            assert!(message.contains("NgayKetThucXuLy"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // Fees replace the list.
    c.fees(
        "H31.11341-261207-0001",
        &FeeList {
            fees: vec![],
            paid_online: 0,
        },
    )
    .await
    .unwrap();
    // Down: unavailable, then fine again.
    sim.set_available(false);
    assert!(matches!(
        c.progress("H31.11341-261207-0001", &step(3, 4)).await,
        Err(NpspError::Unavailable(m)) if m.contains("503")
    ));
    sim.set_available(true);
    c.progress("H31.11341-261207-0001", &step(3, 4))
        .await
        .unwrap();
    let held = sim.dossier("H31.11341-261207-0001").unwrap();
    assert_eq!(
        held.steps
            .iter()
            .map(|s| (s.seq, s.status))
            .collect::<Vec<_>>(),
        [(1, 1), (2, 2), (3, 4)]
    );
    assert_eq!(held.duplicates, 1);
}
