//! The shipped demo catalogue goes through the same importer a deployment uses (SPEC §3), so it must import
//! completely, and export must give it back unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use motcua_domain::catalogue::{
    AgencyLevel, Channel, CopyKind, FeeKind, OnlineLevel, Paperless, Procedure, ProvenanceStatus,
    RequirementKind, TimeUnit, export_catalogue, import_catalogue,
};
use motcua_domain::form::{Bound, DEFAULT_DATE_MAX, DEFAULT_DATE_MIN, FieldErrorCode, FieldType};
use serde_json::Value;

const DEMO: &str = include_str!("../../../data/demo-catalogue.json");

fn demo() -> Vec<Procedure> {
    match import_catalogue(DEMO) {
        Ok(procs) => procs,
        Err(e) => panic!("{e}"),
    }
}

fn find<'a>(procs: &'a [Procedure], code: &str) -> &'a Procedure {
    procs.iter().find(|p| p.code.as_str() == code).unwrap()
}

#[test]
fn demo_catalogue_imports_fully() {
    let procs = demo();
    assert_eq!(procs.len(), 26);
    assert!(
        procs
            .iter()
            .all(|p| p.version == 1 && p.paperless == Paperless::Never)
    );
    // Every component got the default upload rules, since the demo data has none.
    assert!(
        procs
            .iter()
            .flat_map(|p| &p.components)
            .all(|c| c.max_bytes == 10 * 1024 * 1024 && c.accepts.len() == 3)
    );
}

#[test]
fn birth_registration() {
    let procs = demo();
    let p = find(&procs, "1.001193");
    assert_eq!(p.name_en, "Birth registration");
    assert_eq!(p.level, AgencyLevel::Commune);
    assert_eq!(p.online_level, OnlineLevel::Full);
    assert_eq!(p.essential_service_no, Some(12));
    assert_eq!(p.processing_time.unit, TimeUnit::WorkingDays);
    assert!(p.processing_time.same_day);
    assert_eq!(p.processing_time.legal_working_minutes(), 480);

    let quan_he = p.form.field("quan_he").unwrap();
    assert_eq!(quan_he.field_type, FieldType::Choice);
    assert!(quan_he.required);
    let values: Vec<&str> = quan_he.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(
        values,
        ["cha", "me", "ong_ba", "than_thich", "nguoi_nuoi_duong"]
    );

    assert_eq!(
        p.provenance["online_level"].status,
        ProvenanceStatus::Estimated
    );
    assert_eq!(p.is_verified("online_level"), Some(false));
    assert_eq!(p.is_verified("processing_time"), Some(true));
    assert_eq!(p.is_verified("no_such_field"), None);

    let gcs = p.component("giay_chung_sinh").unwrap();
    assert_eq!(gcs.required, RequirementKind::Required);
    assert_eq!(gcs.copy_kind, CopyKind::Original);
    assert_eq!(gcs.reusable_from, ["health_facility"]);

    assert_eq!(p.interconnected_with[0].as_str(), "3.000722");

    // Charges (lệ phí) and fees (phí) told apart from the names; on-time registration is free.
    let kinds: Vec<FeeKind> = p.fees.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FeeKind::Charge, FeeKind::Charge, FeeKind::Fee]);
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    assert_eq!(p.fees[0].amount_for(Channel::Online, day), Some(0));
    assert_eq!(p.fee_total(Channel::Counter, day), 16_000);
    assert_eq!(p.fee_total(Channel::Post, day), 16_000);
    assert_eq!(p.fee_total(Channel::Online, day), 8_000);
}

#[test]
fn other_units_and_fee_kinds() {
    let procs = demo();
    // Residence notification: "1 hours", on receipt.
    assert_eq!(
        find(&procs, "2.001159")
            .processing_time
            .legal_working_minutes(),
        60
    );
    // Residence information confirmation: 4 working hours.
    assert_eq!(
        find(&procs, "1.010041")
            .processing_time
            .legal_working_minutes(),
        240
    );
    // Household health-insurance renewal lists premiums, which are contributions, not fees.
    let bhyt = find(&procs, "9.900002");
    assert_eq!(
        bhyt.fees
            .iter()
            .filter(|f| f.kind == FeeKind::Contribution)
            .count(),
        5
    );
    // Certified copies cannot be paid online (no online channel): no amount.
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let chung_thuc = find(&procs, "2.000815");
    assert_eq!(chung_thuc.fees[0].amount_for(Channel::Online, day), None);
    assert_eq!(chung_thuc.fee_total(Channel::Online, day), 0);
}

#[test]
fn demo_catalogue_round_trips() {
    let procs = demo();
    let exported = export_catalogue(&procs);
    let again = import_catalogue(&exported).unwrap();
    assert_eq!(again, procs);
    // And exporting again gives the same text.
    assert_eq!(export_catalogue(&again), exported);
}

#[test]
fn export_keeps_the_demo_schema() {
    let exported = export_catalogue(&demo());
    let out: Vec<Value> = serde_json::from_str(&exported).unwrap();
    let original: Vec<Value> = serde_json::from_str(DEMO).unwrap();
    for (o, e) in original.iter().zip(&out) {
        // Every key of the demo file is written back with the same value, except fees and components,
        // which gain the product's fields.
        for (key, value) in o.as_object().unwrap() {
            match key.as_str() {
                "fees" | "components" => {}
                "verified_fields" => {
                    let mut a: Vec<&str> = value
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    let mut b: Vec<&str> = e[key]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    a.sort_unstable();
                    b.sort_unstable();
                    assert_eq!(a, b, "{} {key}", o["code"]);
                }
                _ => assert_eq!(&e[key], value, "{} {key}", o["code"]),
            }
        }
        assert!(
            e["components"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["accepts"].is_array())
        );
        assert!(
            e["fees"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["kind"].is_string())
        );
        assert_eq!(e["version"], 1);
        assert_eq!(e["paperless"], "never");
    }
}

/// Every date in the demo forms has a range that fits its meaning: births, deaths, registrations and issues of
/// documents are not in the future; planned periods are bounded ahead; nothing is before 1900 or more than ten
/// years ahead, on any day.
#[test]
fn demo_dates_have_plausible_ranges() {
    let procs = demo();
    let fields = || {
        procs
            .iter()
            .flat_map(|p| p.form.fields.iter().map(move |f| (p.code.as_str(), f)))
    };
    let past_events = [
        "ngay_sinh",
        "chet",
        "gcn_ket_hon_ngay",
        "ngay_dang_ky",
        "ngay_cap",
        "ngay_trung_tuyen",
        "ngay_cham_dut",
        "thoi_gian_xac_nhan",
    ];
    let mut past = 0;
    for (code, f) in fields().filter(|(_, f)| f.field_type == FieldType::Date) {
        assert!(
            f.min.is_some() || f.max.is_some(),
            "{code} {} has no range",
            f.key
        );
        if past_events.iter().any(|k| f.key.contains(k)) {
            assert_eq!(
                f.max,
                Some(Bound::TODAY),
                "{code} {} may be in the future",
                f.key
            );
            past += 1;
        }
        for day in [
            NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap(),
            NaiveDate::from_ymd_opt(2031, 1, 31).unwrap(),
        ] {
            let r = f.date_range(day);
            assert!(r.min <= r.max, "{code} {} is empty on {day}", f.key);
            assert!(
                r.min >= DEFAULT_DATE_MIN && r.max <= DEFAULT_DATE_MAX.date_on(day).unwrap(),
                "{code} {}: {r:?} on {day}",
                f.key
            );
        }
    }
    assert_eq!(past, 31);
    // Years of birth and of manufacture: from 1900 to this year.
    let years: Vec<_> = fields()
        .filter(|(_, f)| f.field_type == FieldType::Number && f.key.starts_with("nam_"))
        .collect();
    assert_eq!(years.len(), 3);
    for (code, f) in years {
        assert_eq!(f.min, Some(Bound::Number(1900.into())), "{code} {}", f.key);
        assert_eq!(f.max, Some(Bound::TODAY), "{code} {}", f.key);
    }
}

/// Law on Civil Status 2014 Art. 15 asks parents to register a birth within 60 days, but a late registration
/// is still made, so a birth date has no lower limit beyond the general one: only the future is refused.
#[test]
fn birth_registration_accepts_late_registrations_but_not_future_births() {
    let procs = demo();
    let form = &find(&procs, "1.001193").form;
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let check = |date: &str| {
        let values = serde_json::json!({ "ngay_sinh": date });
        form.check_values(values.as_object().unwrap(), &|_| true, today)
            .into_iter()
            .map(|e| e.code)
            .collect::<Vec<_>>()
    };
    for ok in [
        "2026-12-06",
        "2026-12-05",
        "2026-10-01",
        "2010-05-20",
        "1950-01-01",
    ] {
        assert!(check(ok).is_empty(), "{ok}");
    }
    for bad in ["2026-12-07", "2027-01-01", "3000-01-01", "1899-12-31"] {
        assert_eq!(check(bad), [FieldErrorCode::OutOfRange], "{bad}");
    }
    assert_eq!(check("2026-02-30"), [FieldErrorCode::InvalidDate]);
}

/// Whether a text holds a letter only Vietnamese writes (ă, â, đ, ê, ô, ơ, ư or a tone mark).
fn has_vietnamese_letters(s: &str) -> bool {
    s.chars().any(|c| {
        !c.is_ascii()
            && c.is_alphabetic()
            && "ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ\
                ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
                .contains(c)
    })
}

/// Proper names an English text keeps as they are written (places, the nation, legal document
/// numbers such as 104/2022/NĐ-CP, the official form ĐKX10), and the words a household
/// business's name must contain in Vietnamese, removed before looking for Vietnamese words.
fn without_proper_names(s: &str) -> String {
    let mut out = s.to_owned();
    for name in [
        "Việt Nam",
        "Hải Phòng",
        "Hà Nội",
        "Hồ Chí Minh",
        "Đà Nẵng",
        "Huế",
        "NĐ-CP",
        "QĐ-TTg",
        "TT-BTC",
        "NQ-HĐND",
        "TT-BCA",
        "TT-BTP",
        "TT-BLĐTBXH",
        "TT-BYT",
        "TT-BXD",
        "QĐ-UBND",
        "QĐ-BCA",
        "NĐ",
        "QĐ",
        "HĐND",
        "BLĐTBXH",
        "ĐKX10",
        "Hộ kinh doanh",
    ] {
        out = out.replace(name, "");
    }
    out
}

/// SPEC §9: an English reader reads the content, not only the frame. Every text of the demo
/// catalogue a citizen reads while applying has an English version, and the English version is
/// English.
#[test]
fn every_text_an_applicant_reads_has_an_english_version() {
    let procs = demo();
    let mut missing = Vec::new();
    let mut still_vietnamese = Vec::new();
    let mut check = |what: String, vi: &str, en: Option<&str>| match en {
        _ if vi.trim().is_empty() => {}
        None => missing.push(what),
        Some(en) if en.trim().is_empty() => missing.push(what),
        Some(en) if has_vietnamese_letters(&without_proper_names(en)) => {
            still_vietnamese.push(format!("{what}: {en}"))
        }
        Some(_) => {}
    };
    for p in &procs {
        let code = p.code.as_str();
        check(format!("{code} sector"), &p.sector, p.sector_en.as_deref());
        check(
            format!("{code} result"),
            &p.result_document,
            p.result_document_en.as_deref(),
        );
        check(
            format!("{code} agency"),
            &p.competent_agency_vi,
            p.competent_agency_en.as_deref(),
        );
        if let Some(n) = &p.processing_time.note {
            check(
                format!("{code} time note"),
                n,
                p.processing_time.note_en.as_deref(),
            );
        }
        for f in &p.fees {
            check(
                format!("{code} fee {}", f.name),
                &f.name,
                f.name_en.as_deref(),
            );
            if let Some(n) = &f.note {
                check(
                    format!("{code} fee note {}", f.name),
                    n,
                    f.note_en.as_deref(),
                );
            }
        }
        for c in &p.components {
            check(
                format!("{code} component {}", c.key),
                &c.name,
                c.name_en.as_deref(),
            );
            if let Some(n) = &c.condition {
                check(
                    format!("{code} condition {}", c.key),
                    n,
                    c.condition_en.as_deref(),
                );
            }
        }
        for f in &p.form.fields {
            check(
                format!("{code} label {}", f.key),
                &f.label,
                f.label_en.as_deref(),
            );
            if let Some(n) = &f.note {
                check(format!("{code} hint {}", f.key), n, f.note_en.as_deref());
            }
            if let Some(s) = &f.section {
                check(format!("{code} part {}", f.key), s, f.section_en.as_deref());
            }
            for o in &f.options {
                check(
                    format!("{code} option {}.{}", f.key, o.value),
                    &o.label,
                    o.label_en.as_deref(),
                );
            }
        }
    }
    assert!(missing.is_empty(), "no English version: {missing:#?}");
    assert!(
        still_vietnamese.is_empty(),
        "English versions with Vietnamese words: {still_vietnamese:#?}"
    );
}

/// The English reader's copy swaps in every English text and keeps the Vietnamese one where the
/// catalogue has none; what validation and results use is untouched.
#[test]
fn the_english_copy_swaps_texts_and_falls_back_to_vietnamese() {
    let procs = demo();
    let p = find(&procs, "1.001193");
    let en = p.in_english();
    let quan_he = en.form.field("quan_he").unwrap();
    let original = p.form.field("quan_he").unwrap();
    assert_eq!(Some(quan_he.label.as_str()), original.label_en.as_deref());
    assert_eq!(
        quan_he
            .options
            .iter()
            .map(|o| o.value.as_str())
            .collect::<Vec<_>>(),
        original
            .options
            .iter()
            .map(|o| o.value.as_str())
            .collect::<Vec<_>>(),
        "the stored values stay the same"
    );
    assert_eq!(
        Some(en.components[0].name.as_str()),
        p.components[0].name_en.as_deref()
    );
    assert_eq!(Some(en.fees[0].name.as_str()), p.fees[0].name_en.as_deref());
    assert_eq!(
        Some(en.result_document.as_str()),
        p.result_document_en.as_deref()
    );
    assert_eq!(en.form.sections().len(), p.form.sections().len());

    // A catalogue without English keeps its Vietnamese texts.
    let mut bare = p.clone();
    bare.form.fields[0].label_en = None;
    bare.components[0].name_en = Some("  ".into());
    let bare_en = bare.in_english();
    assert_eq!(bare_en.form.fields[0].label, p.form.fields[0].label);
    assert_eq!(bare_en.components[0].name, p.components[0].name);
}

/// The two interconnected groups of the demo catalogue fan out into procedures the catalogue has,
/// and every mapped answer and file lands on a field or component of the member that can hold it.
#[test]
fn group_members_map_onto_real_fields_and_components() {
    let procs = import_catalogue(DEMO).unwrap();
    let by_code = |c: &str| procs.iter().find(|p| p.code.as_str() == c);
    let groups: Vec<_> = procs.iter().filter(|p| !p.members.is_empty()).collect();
    assert_eq!(
        groups.iter().map(|g| g.code.as_str()).collect::<Vec<_>>(),
        ["3.000722", "2.002913"]
    );
    for g in groups {
        // The first members need nothing; the others wait for one of the group's.
        assert!(
            g.members.iter().any(|m| m.after.is_none()),
            "{}",
            g.code.as_str()
        );
        for m in &g.members {
            let member = by_code(m.procedure.as_str())
                .unwrap_or_else(|| panic!("{} is not in the catalogue", m.procedure.as_str()));
            assert!(member.members.is_empty(), "a group inside a group");
            for (mk, gk) in &m.form {
                let mf = member.form.fields.iter().find(|f| &f.key == mk);
                if gk.starts_with("applicant.") || gk.starts_with("after.") || gk.starts_with('=') {
                    assert!(mf.is_some(), "{} has no field {mk}", m.procedure.as_str());
                    continue;
                }
                let gf = g.form.fields.iter().find(|f| &f.key == gk);
                let (Some(mf), Some(gf)) = (mf, gf) else {
                    panic!("{} {mk} ← {gk}: a field is missing", m.procedure.as_str())
                };
                // A choice lands on a choice that has every one of its answers.
                if !gf.options.is_empty() {
                    for o in &gf.options {
                        assert!(
                            mf.options.iter().any(|x| x.value == o.value),
                            "{} {mk}: no option {}",
                            m.procedure.as_str(),
                            o.value
                        );
                    }
                }
            }
            for (mk, gk) in &m.components {
                assert!(
                    member.component(mk).is_some(),
                    "{} has no component {mk}",
                    m.procedure.as_str()
                );
                assert!(
                    g.component(gk).is_some(),
                    "{} has no component {gk}",
                    g.code.as_str()
                );
            }
        }
    }
}

/// A value the group's form accepts for `f`, as an applicant would give it.
fn sample_answer(f: &motcua_domain::form::FormField) -> Value {
    use serde_json::json;
    if let Some(d) = &f.default {
        return json!(d);
    }
    match f.field_type {
        FieldType::Text | FieldType::Textarea => json!("Nguyễn Thị Lan"),
        FieldType::Date => json!("2026-11-30"),
        FieldType::Number => json!(1),
        FieldType::Choice => json!(f.options[0].value),
        FieldType::CitizenId => json!("031085012345"),
        FieldType::Phone => json!("0912345678"),
        FieldType::Email => json!("lan@example.vn"),
        FieldType::Address => json!({ "commune": "31000", "street": "12 Lạch Tray" }),
    }
}

/// Every member dossier a group starts is complete by its own procedure's rules (issue 19): each
/// required field answered by the group's form, the person applying, the record of the member it
/// comes after, or a fixed answer, and valid there; each component its procedure needs filed
/// online comes from a group component that the group's own submission needed filed.
#[test]
fn a_complete_group_application_makes_complete_member_dossiers() {
    use motcua_domain::national::must_be_filed;
    let procs = import_catalogue(DEMO).unwrap();
    let by_code = |c: &str| procs.iter().find(|p| p.code.as_str() == c).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let connected = |_: motcua_domain::national::Database| true;
    let applicant: serde_json::Map<String, Value> = serde_json::from_value(serde_json::json!({
        "citizen_id": "031085012345",
        "full_name": "Nguyễn Thị Lan",
        "phone": "0912345678",
        "address": { "commune": "31000", "street": "12 Lạch Tray" },
    }))
    .unwrap();
    for g in procs.iter().filter(|p| !p.members.is_empty()) {
        let mut group_form: serde_json::Map<String, Value> = g
            .form
            .fields
            .iter()
            .map(|f| (f.key.clone(), sample_answer(f)))
            .collect();
        assert!(g.form.check_complete(&group_form).is_empty());
        assert_eq!(g.form.check_values(&group_form, &|_| true, today), []);
        for m in &g.members {
            if let Some(w) = &m.when {
                group_form.insert(w.field.clone(), Value::String(w.any_of[0].clone()));
            }
            let member = by_code(m.procedure.as_str());
            // The member it comes after, as its result left it: its own form from the group,
            // with what issuing its result added (the newborn's personal ID).
            let after = match &m.after {
                Some(dep) => {
                    let dm = g.members.iter().find(|x| &x.procedure == dep).unwrap();
                    let mut f = dm.member_form(&group_form, &applicant, &serde_json::Map::new());
                    f.insert(
                        motcua_domain::personal_id::CHILD_ID_FIELD.into(),
                        Value::String("031326001234".into()),
                    );
                    f
                }
                None => serde_json::Map::new(),
            };
            let mut form = member
                .form
                .normalize(&m.member_form(&group_form, &applicant, &after));
            member.form.derive(&mut form);
            let what = format!("{} in {}", m.procedure.as_str(), g.code.as_str());
            let missing: Vec<String> = member
                .form
                .check_complete(&form)
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(
                missing,
                Vec::<String>::new(),
                "{what}: required, not answered"
            );
            let invalid: Vec<String> = member
                .form
                .check_values(&form, &|_| true, today)
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message_en))
                .collect();
            assert_eq!(
                invalid,
                Vec::<String>::new(),
                "{what}: answers its form refuses"
            );
            for c in &member.components {
                if !must_be_filed(c, &connected, true) {
                    continue;
                }
                let from = m.components.get(&c.key).unwrap_or_else(|| {
                    panic!("{what}: component {} needs a file, none mapped", c.key)
                });
                let gc = g.component(from).unwrap();
                assert!(
                    must_be_filed(gc, &connected, true),
                    "{what}: {} comes from {from}, which the group may lack",
                    c.key
                );
            }
        }
    }
}
