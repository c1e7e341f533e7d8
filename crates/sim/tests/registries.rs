//! The six simulated national databases (`motcua_sim::registries`) over real HTTP on 127.0.0.1,
//! mounted under `/sim/<name>` as the server does; every answer is parsed into the domain's record
//! types (`motcua_domain::national`), which the simulators do not use.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use motcua_domain::national::{
    BirthRecord, Citizen, Enterprise, Insured, MarriageRecord, Parcel, Query, Residence,
};
use motcua_sim::citizens::demo_citizens;
use motcua_sim::registries::civil_status::CivilStatusSim;
use motcua_sim::registries::enterprise::EnterpriseSim;
use motcua_sim::registries::land::LandSim;
use motcua_sim::registries::population::PopulationSim;
use motcua_sim::registries::residence::ResidenceSim;
use motcua_sim::registries::social_insurance::SocialInsuranceSim;
use motcua_sim::registries::world::{
    self, A_B_MARRIAGE_NO, A_B_PARCEL, CITIZEN_A, CITIZEN_B, KHOI_ID, LACH_TRAY_BRANCH_CODE,
    LACH_TRAY_CODE, NOT_INSURED, SUSPENDED_CODE,
};
use motcua_sim::registries::{Mode, Registry};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const TOKEN: &str = "sim-token-123";

struct Sims {
    population: PopulationSim,
    civil: CivilStatusSim,
    residence: ResidenceSim,
    enterprise: EnterpriseSim,
    land: LandSim,
    insurance: SocialInsuranceSim,
    /// Base URL per simulator: `http://127.0.0.1:port/sim/<name>`.
    population_url: String,
    civil_url: String,
    residence_url: String,
    enterprise_url: String,
    land_url: String,
    insurance_url: String,
    http: reqwest::Client,
}

async fn serve(name: &str, router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().nest(&format!("/sim/{name}"), router);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/sim/{name}")
}

async fn spawn() -> Sims {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let population = PopulationSim::new(TOKEN);
    let civil = CivilStatusSim::new(TOKEN);
    let residence = ResidenceSim::new(TOKEN);
    let enterprise = EnterpriseSim::new(TOKEN);
    let land = LandSim::new(TOKEN);
    let insurance = SocialInsuranceSim::new(TOKEN);
    Sims {
        population_url: serve("population", population.router()).await,
        civil_url: serve("civil-status", civil.router()).await,
        residence_url: serve("residence", residence.router()).await,
        enterprise_url: serve("enterprise", enterprise.router()).await,
        land_url: serve("land", land.router()).await,
        insurance_url: serve("social-insurance", insurance.router()).await,
        population,
        civil,
        residence,
        enterprise,
        land,
        insurance,
        http: reqwest::Client::new(),
    }
}

impl Sims {
    fn base(&self, q: &Query) -> &str {
        match q {
            Query::Citizen { .. } => &self.population_url,
            Query::Births { .. } | Query::Marriages { .. } => &self.civil_url,
            Query::Residence { .. } => &self.residence_url,
            Query::Enterprise { .. } | Query::EnterprisesOf { .. } => &self.enterprise_url,
            Query::Parcels { .. } => &self.land_url,
            Query::Insured { .. } => &self.insurance_url,
        }
    }

    /// Asks as our client would: token, purpose, request id; the path from the domain's `Query`.
    async fn ask(&self, q: &Query) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{}", self.base(q), q.path()))
            .bearer_auth(TOKEN)
            .header("X-Purpose", "Giải quyết thủ tục hành chính")
            .header("X-Request-Id", "req-1")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn get<T: DeserializeOwned>(&self, q: Query) -> T {
        let (status, body) = self.ask(&q).await;
        assert_eq!(status, 200, "{q:?}: {body}");
        serde_json::from_value(body.clone())
            .unwrap_or_else(|e| panic!("{q:?} does not parse: {e}\n{body}"))
    }
}

fn citizen(id: &str) -> Query {
    Query::Citizen {
        citizen_id: id.into(),
    }
}

fn ymd(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn code_of(body: &Value) -> &str {
    body["MaLoi"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn token_and_purpose_are_required_and_requests_logged() {
    let s = spawn().await;
    let url = format!("{}/api/cong-dan/{CITIZEN_A}", s.population_url);

    let r = s
        .http
        .get(&url)
        .header("X-Purpose", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(code_of(&r.json().await.unwrap()), "KHONG_CO_QUYEN");

    let r = s
        .http
        .get(&url)
        .bearer_auth("wrong")
        .header("X-Purpose", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    for purpose in [None, Some("  ")] {
        let mut req = s.http.get(&url).bearer_auth(TOKEN);
        if let Some(p) = purpose {
            req = req.header("X-Purpose", p);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(code_of(&r.json().await.unwrap()), "THIEU_MUC_DICH");
    }

    let (status, _) = s.ask(&citizen(CITIZEN_A)).await;
    assert_eq!(status, 200);

    let log = s.population.requests();
    assert_eq!(log.len(), 5);
    let last = log.last().unwrap();
    assert_eq!(last.path, format!("/api/cong-dan/{CITIZEN_A}"));
    assert_eq!(
        last.purpose.as_deref(),
        Some("Giải quyết thủ tục hành chính")
    );
    assert_eq!(last.request_id.as_deref(), Some("req-1"));
    assert_eq!(last.status, 200);
    assert_eq!(log[0].status, 401);

    // The operator's view needs no token and agrees.
    let view: Vec<Value> = reqwest::get(format!("{}/requests", s.population_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view.len(), 5);
    assert_eq!(view[4]["purpose"], "Giải quyết thủ tục hành chính");
    assert_eq!(view[4]["status"], 200);

    // Health and the page need no token either.
    let health: Value = reqwest::get(format!("{}/health", s.population_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"TrangThai": "HoatDong"}));
    let page = reqwest::get(&s.population_url).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Cơ sở dữ liệu quốc gia về dân cư"));
    assert!(page.contains(CITIZEN_A) && page.contains("Nguyễn Văn An"));
}

#[tokio::test]
async fn citizen_a_family_across_databases() {
    let s = spawn().await;

    let a: Citizen = s.get(citizen(CITIZEN_A)).await;
    assert_eq!(a.ho_va_ten, "Nguyễn Văn An");
    assert_eq!(a.gioi_tinh, "Nam");
    assert_eq!(a.quoc_tich, "Việt Nam");
    assert_eq!(a.noi_thuong_tru.ma_xa, "11341");
    assert_eq!(a.noi_thuong_tru.ma_tinh, "31");
    assert_eq!(a.noi_thuong_tru.chi_tiet, "Số 15 Lạch Tray");
    assert_eq!(a.so_dien_thoai.as_deref(), Some("0912345678"));
    let spouse = a.vo_chong.clone().unwrap();
    assert_eq!(spouse.ho_va_ten, "Trần Thị Bình");
    assert_eq!(spouse.so_dinh_danh.as_deref(), Some(CITIZEN_B));
    let father = a.cha.clone().unwrap();
    assert!(father.ho_va_ten.starts_with("Nguyễn "));

    let marriages: Vec<MarriageRecord> = s
        .get(Query::Marriages {
            citizen_id: CITIZEN_A.into(),
        })
        .await;
    assert_eq!(marriages.len(), 1);
    let m = &marriages[0];
    assert_eq!(m.vo.so_dinh_danh.as_deref(), Some(CITIZEN_B));
    assert_eq!(m.chong.so_dinh_danh.as_deref(), Some(CITIZEN_A));
    assert_eq!(m.so_dang_ky, A_B_MARRIAGE_NO);
    assert_eq!(m.ngay_dang_ky, ymd(2014, 10, 18));
    assert_eq!(m.noi_dang_ky, "UBND phường Ngô Quyền");
    assert_eq!(m.tinh_trang, "Đang có hiệu lực");
    let of_b: Vec<MarriageRecord> = s
        .get(Query::Marriages {
            citizen_id: CITIZEN_B.into(),
        })
        .await;
    assert_eq!(of_b, marriages);

    let births: Vec<BirthRecord> = s
        .get(Query::Births {
            citizen_id: CITIZEN_A.into(),
        })
        .await;
    assert_eq!(births.len(), 2, "his own and Khôi's");
    let khoi = births
        .iter()
        .find(|b| b.so_dinh_danh.as_deref() == Some(KHOI_ID))
        .unwrap();
    assert_eq!(khoi.ho_ten, "Nguyễn Minh Khôi");
    assert_eq!(khoi.ngay_sinh, ymd(2016, 5, 20));
    assert_eq!(khoi.ngay_dang_ky, ymd(2016, 6, 1));
    assert_eq!(khoi.gioi_tinh, "Nam");
    assert_eq!(khoi.noi_dang_ky, "UBND phường Ngô Quyền");
    assert_eq!(
        khoi.me.as_ref().unwrap().so_dinh_danh.as_deref(),
        Some(CITIZEN_B)
    );
    let own = births
        .iter()
        .find(|b| b.so_dinh_danh.as_deref() == Some(CITIZEN_A))
        .unwrap();
    assert_eq!(own.cha.as_ref(), Some(&father));

    // Khôi is in the population database with his real data, not a generated person.
    let k: Citizen = s.get(citizen(KHOI_ID)).await;
    assert_eq!(k.ho_va_ten, "Nguyễn Minh Khôi");
    assert_eq!(k.cha.unwrap().so_dinh_danh.as_deref(), Some(CITIZEN_A));
    assert_eq!(k.noi_thuong_tru, a.noi_thuong_tru);

    let b: Residence = s
        .get(Query::Residence {
            citizen_id: CITIZEN_B.into(),
        })
        .await;
    assert_eq!(b.chu_ho.so_dinh_danh.as_deref(), Some(CITIZEN_A));
    assert_eq!(b.chu_ho.ho_va_ten, "Nguyễn Văn An");
    assert_eq!(b.quan_he_voi_chu_ho, "Vợ");
    assert_eq!(b.thuong_tru.as_ref(), Some(&a.noi_thuong_tru));
    assert_eq!(b.tam_tru.as_ref().unwrap().chi_tiet, "Số 42 Tô Hiệu");
    let ra: Residence = s
        .get(Query::Residence {
            citizen_id: CITIZEN_A.into(),
        })
        .await;
    assert_eq!(ra.quan_he_voi_chu_ho, "Chủ hộ");
    let members: Vec<_> = ra
        .thanh_vien
        .iter()
        .map(|m| (m.so_dinh_danh.as_deref(), m.quan_he_voi_chu_ho.as_str()))
        .collect();
    assert_eq!(members, [(Some(CITIZEN_B), "Vợ"), (Some(KHOI_ID), "Con")]);

    let companies: Vec<Enterprise> = s
        .get(Query::EnterprisesOf {
            citizen_id: CITIZEN_A.into(),
        })
        .await;
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0].ma_so_doanh_nghiep, LACH_TRAY_CODE);
    assert_eq!(
        companies[0].ten_doanh_nghiep,
        "Công ty TNHH Thương mại Lạch Tray"
    );

    let parcels: Vec<Parcel> = s
        .get(Query::Parcels {
            citizen_id: CITIZEN_B.into(),
        })
        .await;
    assert_eq!(parcels.len(), 1);
    assert_eq!(parcels[0].ma_thua, A_B_PARCEL);
    assert!((parcels[0].dien_tich - 72.5).abs() < f64::EPSILON);
    let holders: Vec<_> = parcels[0]
        .chu_su_dung
        .iter()
        .map(|h| h.so_dinh_danh.as_deref())
        .collect();
    assert_eq!(holders, [Some(CITIZEN_A), Some(CITIZEN_B)]);

    let insured: Insured = s
        .get(Query::Insured {
            citizen_id: CITIZEN_A.into(),
        })
        .await;
    assert_eq!(insured.ma_so_bhxh, "3185012345");
    assert!(insured.the_bhyt.unwrap().ma_the.starts_with("DN431"));
    assert!(
        insured
            .qua_trinh_dong
            .iter()
            .any(|p| p.don_vi == "Công ty TNHH Thương mại Lạch Tray" && p.den_thang.is_none())
    );
    assert!(insured.so_thang_dong_bhtn > 100);
}

#[tokio::test]
async fn generated_unknown_and_invalid_ids() {
    let s = spawn().await;

    // Any structurally valid ID is somebody, as the identity provider's "any citizen" mode says.
    let id = "031179654321";
    let g: Citizen = s.get(citizen(id)).await;
    let idp = motcua_sim::citizens::generated(id);
    assert_eq!(g.ho_va_ten, idp.full_name);
    assert_eq!(g.ngay_thang_nam_sinh, idp.birthdate);
    assert_eq!(g.gioi_tinh, "Nữ");
    assert_eq!(g.noi_thuong_tru.ma_xa, idp.commune_code);
    assert_eq!(g, s.get::<Citizen>(citizen(id)).await, "deterministic");
    let r: Residence = s
        .get(Query::Residence {
            citizen_id: id.into(),
        })
        .await;
    assert_eq!(r.quan_he_voi_chu_ho, "Chủ hộ");
    assert_eq!(r.thuong_tru.as_ref(), Some(&g.noi_thuong_tru));
    let none: Vec<BirthRecord> = s
        .get(Query::Births {
            citizen_id: id.into(),
        })
        .await;
    assert!(none.is_empty());

    // Serial 000000: unknown everywhere.
    for q in [
        citizen("031179000000"),
        Query::Residence {
            citizen_id: "031179000000".into(),
        },
        Query::Insured {
            citizen_id: NOT_INSURED[0].into(),
        },
        Query::Enterprise {
            code: "0209999999".into(),
        },
    ] {
        let (status, body) = s.ask(&q).await;
        assert_eq!(status, 404, "{q:?}");
        assert_eq!(
            body,
            json!({"MaLoi": "KHONG_TIM_THAY", "MoTa": "Không tìm thấy thông tin"})
        );
    }

    for q in [
        citizen("12345"),
        citizen("03108501234a"),
        Query::Births {
            citizen_id: "0310850123456".into(),
        },
        Query::Marriages {
            citizen_id: String::new(),
        },
        Query::Residence {
            citizen_id: "abc".into(),
        },
        Query::Enterprise {
            code: "020123456".into(),
        },
        Query::Enterprise {
            code: "0201234569-01".into(),
        },
        Query::EnterprisesOf {
            citizen_id: "1".into(),
        },
        Query::Parcels {
            citizen_id: "x".into(),
        },
        Query::Insured {
            citizen_id: "03108501234".into(),
        },
    ] {
        let (status, body) = s.ask(&q).await;
        assert_eq!(status, 400, "{q:?}");
        assert_eq!(code_of(&body), "THAM_SO_KHONG_HOP_LE", "{q:?}");
    }

    // Branch codes and a suspended enterprise.
    let branch: Enterprise = s
        .get(Query::Enterprise {
            code: LACH_TRAY_BRANCH_CODE.into(),
        })
        .await;
    assert_eq!(branch.loai_hinh, "Chi nhánh");
    let suspended: Enterprise = s
        .get(Query::Enterprise {
            code: SUSPENDED_CODE.into(),
        })
        .await;
    assert_eq!(suspended.tinh_trang, "Tạm ngừng kinh doanh");
}

#[tokio::test]
async fn every_seeded_record_parses() {
    let s = spawn().await;
    let w = world::world();
    let mut counts = [0usize; 6];
    for p in &w.people {
        let id = p.id.clone();
        let c: Citizen = s.get(citizen(&id)).await;
        assert_eq!(
            (c.so_dinh_danh.as_str(), c.ho_va_ten.as_str()),
            (id.as_str(), p.name.as_str())
        );
        let r: Residence = s
            .get(Query::Residence {
                citizen_id: id.clone(),
            })
            .await;
        assert_eq!(r.ho_va_ten, c.ho_va_ten);
        assert_eq!(r.thuong_tru.as_ref(), Some(&c.noi_thuong_tru));
        let births: Vec<BirthRecord> = s
            .get(Query::Births {
                citizen_id: id.clone(),
            })
            .await;
        counts[0] += births.len();
        let marriages: Vec<MarriageRecord> = s
            .get(Query::Marriages {
                citizen_id: id.clone(),
            })
            .await;
        counts[1] += marriages.len();
        if let Some(spouse) = &c.vo_chong
            && !marriages.is_empty()
        {
            assert!(marriages.iter().any(|m| {
                m.chong.so_dinh_danh == spouse.so_dinh_danh
                    || m.vo.so_dinh_danh == spouse.so_dinh_danh
            }));
        }
        let parcels: Vec<Parcel> = s
            .get(Query::Parcels {
                citizen_id: id.clone(),
            })
            .await;
        counts[2] += parcels.len();
        let companies: Vec<Enterprise> = s
            .get(Query::EnterprisesOf {
                citizen_id: id.clone(),
            })
            .await;
        counts[3] += companies.len();
        let q = Query::Insured {
            citizen_id: id.clone(),
        };
        let (status, body) = s.ask(&q).await;
        if status == 200 {
            let i: Insured = serde_json::from_value(body).unwrap();
            assert_eq!(
                (i.ho_va_ten, i.ngay_sinh),
                (c.ho_va_ten, c.ngay_thang_nam_sinh)
            );
            let card = i.the_bhyt.unwrap();
            assert!(card.gia_tri_tu <= ymd(2026, 1, 1));
            assert!(card.gia_tri_den >= ymd(2026, 12, 31));
            counts[4] += 1;
        } else {
            assert_eq!(status, 404);
        }
    }
    for e in &w.enterprises {
        let got: Enterprise = s
            .get(Query::Enterprise {
                code: e.code.clone(),
            })
            .await;
        assert_eq!(got.ma_so_doanh_nghiep, e.code);
        counts[5] += 1;
    }
    // Each record counted once per person it concerns.
    let births_per_person: usize = w
        .births
        .iter()
        .map(|b| {
            [&Some(b.child.clone()), &b.father, &b.mother]
                .into_iter()
                .flatten()
                .filter(|p| {
                    p.id.as_ref()
                        .is_some_and(|id| w.people.iter().any(|q| &q.id == id))
                })
                .count()
        })
        .sum();
    assert_eq!(counts[0], births_per_person);
    assert_eq!(counts[1], 2 * w.marriages.len());
    assert_eq!(
        counts[2],
        w.parcels.iter().map(|p| p.holders.len()).sum::<usize>()
    );
    assert_eq!(counts[3], w.enterprises.len());
    assert_eq!(counts[4], w.insured.len());
    assert_eq!(counts[5], 5);

    // Every demo citizen is in the population database with the identity provider's data.
    for d in demo_citizens() {
        let c: Citizen = s.get(citizen(&d.citizen_id)).await;
        assert_eq!(c.ho_va_ten, d.full_name);
        assert_eq!(c.ngay_thang_nam_sinh, d.birthdate);
        assert_eq!(c.noi_o_hien_tai.chi_tiet, d.street);
        assert_eq!(c.noi_o_hien_tai.ma_xa, d.commune_code);
        assert_eq!(c.so_dien_thoai.as_deref(), Some(d.phone.as_str()));
    }
    assert_eq!(s.land.requests().len(), w.people.len());
}

#[tokio::test]
async fn operator_switch() {
    let s = spawn().await;
    let registries: [(&Registry, &str); 6] = [
        (s.population.registry(), &s.population_url),
        (s.civil.registry(), &s.civil_url),
        (s.residence.registry(), &s.residence_url),
        (s.enterprise.registry(), &s.enterprise_url),
        (s.land.registry(), &s.land_url),
        (s.insurance.registry(), &s.insurance_url),
    ];
    for (registry, base) in registries {
        let control: Value = reqwest::get(format!("{base}/control"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(control, json!({"mode": "ok", "delay_ms": 0}));
        registry.set_mode(Mode::Down);
        let health = reqwest::get(format!("{base}/health")).await.unwrap();
        assert_eq!(health.status(), 503);
        assert_eq!(code_of(&health.json().await.unwrap()), "HE_THONG_BAN");
        registry.set_mode(Mode::Ok);
    }

    s.population.set_mode(Mode::Down);
    let (status, body) = s.ask(&citizen(CITIZEN_A)).await;
    assert_eq!(status, 503);
    assert_eq!(code_of(&body), "HE_THONG_BAN");
    assert_eq!(s.population.requests().last().unwrap().status, 503);

    // Over HTTP: slow, then back to ok.
    let r: Value = s
        .http
        .post(format!("{}/control", s.population_url))
        .json(&json!({"mode": "slow", "delay_ms": 300}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r, json!({"mode": "slow", "delay_ms": 300}));
    assert_eq!(s.population.mode(), Mode::Slow { delay_ms: 300 });
    let started = Instant::now();
    let (status, _) = s.ask(&citizen(CITIZEN_A)).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    let r = s
        .http
        .post(format!("{}/control", s.population_url))
        .json(&json!({"mode": "sideways"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .post(format!("{}/control", s.population_url))
        .json(&json!({"mode": "ok"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let started = Instant::now();
    let (status, _) = s.ask(&citizen(CITIZEN_A)).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_millis(300));
    // The other databases were never affected.
    let (status, _) = s
        .ask(&Query::Insured {
            citizen_id: CITIZEN_B.into(),
        })
        .await;
    assert_eq!(status, 200);
}
