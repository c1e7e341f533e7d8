//! Once-only (Decree 45/2020 Art. 16; Decree 104/2022 Art. 14(2)): the applicant is not asked again for
//! what the national databases hold. Form fields name the attribute they take
//! (`prefill_from: "population_db:ngay_sinh"`) and the same record fills every form the same way; a
//! component names the record that stands in for it (`reusable_from: "civil_status_db:ket_hon"`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use motcua_domain::catalogue::{Procedure, import_catalogue};
use motcua_domain::national::{
    Address, Citizen, Known, MarriageRecord, PersonRef, Query, Record, Residence, component_record,
    extract, prefill, queries_for,
};
use serde_json::{Value, json};

const DEMO: &str = include_str!("../../../data/demo-catalogue.json");

fn demo() -> Vec<Procedure> {
    import_catalogue(DEMO).unwrap()
}

fn addr(commune: &str, name: &str, street: &str) -> Address {
    Address {
        ma_xa: commune.into(),
        ten_xa: name.into(),
        ma_tinh: "31".into(),
        ten_tinh: "Thành phố Hải Phòng".into(),
        chi_tiet: street.into(),
    }
}

fn an() -> Known {
    let home = addr("11341", "Phường Ngô Quyền", "Số 15 Lạch Tray");
    Known {
        citizen: Some(Citizen {
            so_dinh_danh: "031085012345".into(),
            ho_va_ten: "Nguyễn Văn An".into(),
            ngay_thang_nam_sinh: NaiveDate::from_ymd_opt(1985, 3, 12).unwrap(),
            gioi_tinh: "Nam".into(),
            dan_toc: "Kinh".into(),
            quoc_tich: "Việt Nam".into(),
            ton_giao: Some("Không".into()),
            que_quan: None,
            noi_thuong_tru: home.clone(),
            noi_o_hien_tai: home.clone(),
            so_dien_thoai: Some("0912345678".into()),
            cha: Some(PersonRef {
                ho_va_ten: "Nguyễn Văn Bảo".into(),
                so_dinh_danh: None,
                ngay_sinh: None,
            }),
            me: None,
            vo_chong: None,
        }),
        residence: Some(Residence {
            so_dinh_danh: "031085012345".into(),
            ho_va_ten: "Nguyễn Văn An".into(),
            thuong_tru: Some(home),
            ngay_dang_ky_thuong_tru: None,
            tam_tru: None,
            han_tam_tru: None,
            chu_ho: PersonRef {
                ho_va_ten: "Nguyễn Văn An".into(),
                so_dinh_danh: Some("031085012345".into()),
                ngay_sinh: None,
            },
            quan_he_voi_chu_ho: "Chủ hộ".into(),
            thanh_vien: vec![],
        }),
        marriages: Some(vec![MarriageRecord {
            so_dang_ky: "125/2014".into(),
            ngay_dang_ky: NaiveDate::from_ymd_opt(2014, 10, 18).unwrap(),
            noi_dang_ky: "UBND phường Ngô Quyền".into(),
            chong: PersonRef {
                ho_va_ten: "Nguyễn Văn An".into(),
                so_dinh_danh: Some("031085012345".into()),
                ngay_sinh: None,
            },
            vo: PersonRef {
                ho_va_ten: "Trần Thị Bình".into(),
                so_dinh_danh: Some("031190004567".into()),
                ngay_sinh: None,
            },
            tinh_trang: "Đang có hiệu lực".into(),
        }]),
        ..Known::default()
    }
}

#[test]
fn every_form_takes_the_same_facts_from_the_same_record() {
    let known = an();
    let procs = demo();
    let mut birth_dates = 0;
    let mut sexes = 0;
    for p in &procs {
        let values = prefill(&p.form, &known, &|c| c == "11341");
        for f in &p.form.fields {
            let Some(src) = f.prefill_from.as_deref() else {
                continue;
            };
            match src {
                "population_db:ngay_sinh" => {
                    assert_eq!(
                        values.get(&f.key),
                        Some(&json!("1985-03-12")),
                        "{} {}",
                        p.code,
                        f.key
                    );
                    birth_dates += 1;
                }
                "population_db:gioi_tinh" => {
                    // A choice: the option whose value or label is "Nam", whatever the form calls it.
                    let v = values.get(&f.key).and_then(Value::as_str).unwrap();
                    let option = f.options.iter().find(|o| o.value == v).unwrap();
                    assert_eq!(
                        motcua_domain::text::fold(&option.label),
                        "nam",
                        "{}",
                        p.code
                    );
                    sexes += 1;
                }
                "population_db:ho_ten" => {
                    assert_eq!(
                        values.get(&f.key),
                        Some(&json!("Nguyễn Văn An")),
                        "{}",
                        p.code
                    )
                }
                "population_db:noi_o_hien_tai" | "residence_db:noi_o_hien_tai" => assert_eq!(
                    values.get(&f.key),
                    Some(&json!({ "commune": "11341", "street": "Số 15 Lạch Tray" })),
                    "{} {}",
                    p.code,
                    f.key
                ),
                "population_db:me.ho_ten" | "residence_db:tam_tru" => {
                    assert!(
                        !values.contains_key(&f.key),
                        "no such record: {} {}",
                        p.code,
                        f.key
                    )
                }
                _ => {}
            }
            // Whatever was filled in passes the form's own checks.
        }
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let errors = p.form.check_values(&values, &|c: &str| c == "11341", today);
        assert!(errors.is_empty(), "{}: {errors:?}", p.code);
    }
    assert!(birth_dates >= 10, "{birth_dates}");
    assert!(sexes >= 6, "{sexes}");
}

#[test]
fn the_parents_marriage_fills_the_birth_registration() {
    let procs = demo();
    let birth = procs
        .iter()
        .find(|p| p.code.as_str() == "1.001193")
        .unwrap();
    let values = prefill(&birth.form, &an(), &|_| true);
    assert_eq!(values["gcn_ket_hon_so"], json!("125/2014"));
    assert_eq!(values["gcn_ket_hon_ngay"], json!("2014-10-18"));
    assert_eq!(values["gcn_ket_hon_noi"], json!("UBND phường Ngô Quyền"));
    // The child's parents are not the applicant's: not guessed.
    assert!(!values.contains_key("so_dinh_danh_me"));
}

#[test]
fn an_address_outside_the_deployments_communes_is_left_to_the_applicant() {
    let procs = demo();
    let birth = procs
        .iter()
        .find(|p| p.code.as_str() == "1.001193")
        .unwrap();
    let values = prefill(&birth.form, &an(), &|_| false);
    assert!(!values.contains_key("noi_cu_tru_nguoi_yeu_cau"));
    assert_eq!(values["ho_ten_nguoi_yeu_cau"], json!("Nguyễn Văn An"));
}

#[test]
fn components_name_the_record_that_stands_in_for_them() {
    let procs = demo();
    let birth = procs
        .iter()
        .find(|p| p.code.as_str() == "1.001193")
        .unwrap();
    let records: Vec<(String, Option<Record>)> = birth
        .components
        .iter()
        .map(|c| (c.key.clone(), component_record(c)))
        .collect();
    assert!(records.contains(&("giay_to_tuy_than".into(), Some(Record::CongDan))));
    assert!(records.contains(&("giay_to_cu_tru".into(), Some(Record::CuTru))));
    assert!(records.contains(&("thong_tin_ket_hon_cha_me".into(), Some(Record::KetHon))));
    // The health facility has no connector: the birth notice is uploaded.
    assert!(records.contains(&("giay_chung_sinh".into(), None)));
    let qs = queries_for(birth, "031085012345");
    for q in [
        Query::Citizen {
            citizen_id: "031085012345".into(),
        },
        Query::Residence {
            citizen_id: "031085012345".into(),
        },
        Query::Marriages {
            citizen_id: "031085012345".into(),
        },
    ] {
        assert!(qs.contains(&q), "{q:?} in {qs:?}");
    }
    assert_eq!(qs.len(), 3, "each record asked once: {qs:?}");
}

#[test]
fn an_extract_says_what_the_database_holds_or_nothing() {
    let known = an();
    let rows = extract(Record::KetHon, &known, "031085012345").unwrap();
    assert!(rows.contains(&("Vợ".into(), "Trần Thị Bình (031190004567)".into())));
    assert!(extract(Record::ThuaDat, &known, "031085012345").is_none());
    assert!(extract(Record::KhaiSinh, &known, "031085012345").is_none());
    let none = Known::default();
    assert!(extract(Record::CongDan, &none, "031085012345").is_none());
}

#[test]
fn a_divorced_marriage_is_not_the_current_one() {
    let mut known = an();
    if let Some(m) = known.marriages.as_mut().and_then(|m| m.first_mut()) {
        m.tinh_trang = "Đã ly hôn".into();
    }
    assert!(known.current_marriage().is_none());
    assert!(extract(Record::KetHon, &known, "031085012345").is_none());
}

#[test]
fn queries_never_let_input_steer_the_path() {
    let q = Query::Citizen {
        citizen_id: "../admin?x=1#".into(),
    };
    assert_eq!(q.path(), "/api/cong-dan/..%2Fadmin%3Fx%3D1%23");
    let q = Query::Births {
        citizen_id: "1&so_dinh_danh=2".into(),
    };
    assert_eq!(q.path(), "/api/khai-sinh?so_dinh_danh=1%26so_dinh_danh%3D2");
}

#[test]
fn the_catalogue_refuses_attributes_and_records_it_cannot_read() {
    let mut procs: Value = serde_json::from_str(DEMO).unwrap();
    procs[0]["form_fields"][0]["prefill_from"] = json!("population_db:ho_ten_khai_sinh");
    let err = import_catalogue(&procs.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("ho_ten_khai_sinh"), "{err}");
    let mut procs: Value = serde_json::from_str(DEMO).unwrap();
    procs[0]["components"][1]["reusable_from"] = json!(["population_db:so_ho_khau"]);
    let err = import_catalogue(&procs.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("so_ho_khau"), "{err}");
    let mut procs: Value = serde_json::from_str(DEMO).unwrap();
    procs[0]["components"][1]["reusable_from"] = json!(["health_facility:cong_dan"]);
    assert!(import_catalogue(&procs.to_string()).is_err());
}

#[test]
fn a_catalogue_without_attributes_still_gets_the_applicants_basic_facts() {
    // As the national procedures database publishes it: sources, no attributes.
    let mut procs: Value = serde_json::from_str(DEMO).unwrap();
    for f in procs[0]["form_fields"].as_array_mut().unwrap() {
        if let Some(src) = f
            .get("prefill_from")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            f["prefill_from"] = json!(src.split(':').next().unwrap());
        }
    }
    let procs = import_catalogue(&procs.to_string()).unwrap();
    let birth = &procs[0];
    let values = prefill(&birth.form, &an(), &|_| true);
    assert_eq!(values["ho_ten_nguoi_yeu_cau"], json!("Nguyễn Văn An"));
    assert_eq!(values["so_dinh_danh_nguoi_yeu_cau"], json!("031085012345"));
    assert_eq!(
        values["noi_cu_tru_nguoi_yeu_cau"],
        json!({ "commune": "11341", "street": "Số 15 Lạch Tray" })
    );
    assert_eq!(values["so_dien_thoai"], json!("0912345678"));
    // Only the first of each kind: the mother's ID is not the applicant's.
    assert!(!values.contains_key("so_dinh_danh_me"));
    assert_eq!(values.len(), 4, "{values:?}");
}
