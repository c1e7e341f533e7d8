//! Dossier events over a real broker (issue 19): the worker publishes every step to NATS
//! JetStream, at least once and through a broker restart, and a consumer reads each event once.
//! The test runs its own `nats-server` (Debian's package, as on the CI machine) so that it can
//! kill and restart it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use motcua_app::events::{DOSSIER_EVENT, DossierEvent, PUBLISH};
use motcua_store::entities::outbox_job;
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use motcua_testkit::*;
use serde_json::json;

struct Broker {
    child: Child,
}

impl Broker {
    /// `nats-server` with JetStream on `port`, storing under `dir`; `None` where it is not installed.
    fn start(port: u16, dir: &std::path::Path) -> Option<Broker> {
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Broker { child });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nats-server did not start on {port}");
    }

    /// As `kill -9` would.
    fn kill(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn waiting(t: &TestApp, kind: &str) -> u64 {
    outbox_job::Entity::find()
        .filter(outbox_job::Column::Kind.eq(kind))
        .filter(outbox_job::Column::Status.ne("done"))
        .count(&t.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_step_reaches_a_jetstream_consumer_once_through_a_broker_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let Some(broker) = Broker::start(port, dir.path()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have nats-server (apt-get install nats-server)"
        );
        eprintln!("nats-server is not installed: skipped");
        return;
    };
    let url = format!("nats://127.0.0.1:{port}");
    let t = TestApp::spawn().await;
    let bus = motcua_server::sinks::event_bus(&motcua_server::sinks::BusSettings {
        url: Some(url.clone()),
        stream: None,
    })
    .await
    .unwrap()
    .expect("bus");
    let w = t.worker_with_bus(&Recorder::up(), &Recorder::up(), Some(bus.clone()));

    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    drain(&w).await;
    assert_eq!(
        waiting(&t, PUBLISH).await,
        0,
        "published while the broker is up"
    );

    // The broker dies; the steps go on, their events wait in the outbox.
    broker.kill();
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    for (token, body) in [
        (&officer, json!({ "action": "receive" })),
        (
            &leader,
            json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        ),
    ] {
        assert_eq!(t.action(token, &code, body).await.status(), 200);
    }
    drain(&w).await;
    assert_eq!(waiting(&t, DOSSIER_EVENT).await, 0);
    assert_eq!(
        waiting(&t, PUBLISH).await,
        2,
        "two events wait for the broker"
    );

    // It comes back with its store; the retries publish what was missing.
    let _broker = Broker::start(port, dir.path()).expect("restart");
    for _ in 0..60 {
        t.clock.set(t.app.now() + chrono::Duration::hours(1));
        drain(&w).await;
        if waiting(&t, PUBLISH).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(waiting(&t, PUBLISH).await, 0, "every event published");

    // A retry of an event already stored (its acknowledgement lost) is dropped by the broker.
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let js = jetstream::new(client);
    let stream = js.get_stream("MOTCUA").await.unwrap();
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut seen: Vec<DossierEvent> = Vec::new();
    let mut messages = consumer
        .fetch()
        .max_messages(100)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    while let Some(Ok(m)) = messages.next().await {
        let e: DossierEvent = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(m.subject.as_str(), e.subject());
        assert_eq!(
            m.headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.as_str().to_owned()),
            Some(e.id.clone())
        );
        m.ack().await.ok();
        seen.push(e);
    }
    let again = seen.first().cloned().expect("an event");
    bus.publish(&again).await.unwrap();
    let info = js
        .get_stream("MOTCUA")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert_eq!(
        info.state.messages, 3,
        "the republished event was not stored twice"
    );

    // Each step once, with the facts other systems read.
    let mut by_event: BTreeMap<String, usize> = BTreeMap::new();
    for e in &seen {
        assert_eq!(e.code, code);
        assert_eq!(e.competent_agency, AGENCY_A);
        *by_event.entry(e.event.clone()).or_default() += 1;
    }
    assert_eq!(
        by_event,
        BTreeMap::from([
            ("assign".to_owned(), 1),
            ("receive".to_owned(), 1),
            ("submit".to_owned(), 1)
        ])
    );
    let submit = seen.iter().find(|e| e.event == "submit").unwrap();
    assert_eq!((submit.from_status, submit.to_status), (0, 1));
    assert_eq!(
        submit.subject(),
        format!("motcua.dossier.{}.submit", AGENCY_A.replace('.', "-"))
    );
}
