//! What each demo procedure costs, computed from its fee lines' rules and the form (SPEC §3, §8):
//! for every procedure with fee lines, representative forms on each channel and on days inside and
//! outside the legal date windows, with the exact total and lines. Then, over every combination of
//! the answers the rules read: each line with an amount is charged for some form, and alternative
//! lines (on time / late, per category, per area and value band…) are never charged together.
//! Last, the importer's checks of the rules themselves, each reported at its path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use motcua_domain::catalogue::{Channel, ImportError, ImportErrors, Procedure, import_catalogue};
use motcua_domain::fees::{FeeCondition, FeeQuote, quote};
use motcua_domain::form::FieldType;
use serde_json::{Map, Value, json};

const DEMO: &str = include_str!("../../../data/demo-catalogue.json");
const EXAMPLE_BIRTH_FORM: &str =
    include_str!("../../../docs/examples/birth-registration-form.json");

fn demo() -> Vec<Procedure> {
    match import_catalogue(DEMO) {
        Ok(procs) => procs,
        Err(e) => panic!("{e}"),
    }
}

fn find<'a>(procs: &'a [Procedure], code: &str) -> &'a Procedure {
    procs.iter().find(|p| p.code.as_str() == code).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The day of most quotes: after Hải Phòng's online cuts (NQ 23/2026/NQ-HĐND, from 08/8/2026).
fn on() -> NaiveDate {
    day("2026-11-23")
}

fn form(v: &Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// A quote's lines as (index, quantity, amount, exempt).
fn lines(q: &FeeQuote) -> Vec<(usize, u32, i64, bool)> {
    q.lines
        .iter()
        .map(|l| (l.index, l.quantity, l.amount_vnd, l.exempt))
        .collect()
}

/// Asserts the quote of `answers` for `p` on `channel` and `day`: its lines and its total.
#[track_caller]
fn check(
    p: &Procedure,
    channel: Channel,
    day: NaiveDate,
    answers: &Value,
    expect: &[(usize, u32, i64, bool)],
    total: i64,
) {
    let q = quote(p, channel, day, &form(answers));
    let what = format!("{} {channel:?} {day} {answers}", p.code.as_str());
    assert_eq!(lines(&q), expect, "{what}");
    assert_eq!(q.total_vnd, total, "{what}");
    assert_eq!(
        q.total_vnd,
        q.lines.iter().map(|l| l.amount_vnd).sum::<i64>(),
        "{what}"
    );
}

/// The same quote at the counter and by post (post pays the counter amount).
#[track_caller]
fn check_paper(
    p: &Procedure,
    day: NaiveDate,
    answers: &Value,
    expect: &[(usize, u32, i64, bool)],
    total: i64,
) {
    check(p, Channel::Counter, day, answers, expect, total);
    check(p, Channel::Post, day, answers, expect, total);
}

/// `n` days before `on()`, as a form writes a date.
fn days_ago(n: i64) -> String {
    (on() - Duration::days(n)).format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------------
// Every procedure, one by one
// ---------------------------------------------------------------------------------------------

/// Every demo procedure with fee lines has its own test below; a new one must get one.
#[test]
fn every_procedure_with_fee_lines_is_covered_here() {
    let procs = demo();
    let with_fees: BTreeSet<&str> = procs
        .iter()
        .filter(|p| !p.fees.is_empty())
        .map(|p| p.code.as_str())
        .collect();
    assert_eq!(with_fees, BTreeSet::from(COVERED));
}

const COVERED: [&str; 26] = [
    "1.001193", "1.000656", "1.000894", "1.004873", "2.000635", "2.000815", "1.004884", "1.004222",
    "1.004194", "1.003677", "2.001159", "1.003197", "1.010041", "3.000722", "2.002913", "1.001731",
    "3.000333", "1.001456", "9.900003", "3.000347", "9.900001", "1.001612", "1.013225", "1.013833",
    "9.900002", "1.014748",
];

/// Law on Civil Status 2014 Art. 15 and 11: a birth registered within 60 days is free; later, the
/// province's charge (Hải Phòng: 8,000 at the counter, 0 online), waived for children; copies 8,000
/// each (Circular 281/2016/TT-BTC).
#[test]
fn birth_registration() {
    let procs = demo();
    let p = find(&procs, "1.001193");
    // The example form of the docs (no copy), three weeks after the birth.
    let example: Value = serde_json::from_str(EXAMPLE_BIRTH_FORM).unwrap();
    let born = day(example["ngay_sinh"].as_str().unwrap());
    for channel in Channel::ALL {
        check(
            p,
            *channel,
            born + Duration::days(21),
            &example,
            &[(0, 1, 0, false)],
            0,
        );
    }
    // On time up to the 60th day, late from the 61st.
    for n in [0, 1, 59, 60] {
        let f = json!({ "ngay_sinh": days_ago(n), "de_nghi_cap_ban_sao": "khong" });
        check_paper(p, on(), &f, &[(0, 1, 0, false)], 0);
        check(p, Channel::Online, on(), &f, &[(0, 1, 0, false)], 0);
    }
    // Late for an adult never registered: 8,000 on paper, 0 online.
    let adult = json!({ "ngay_sinh": "1990-05-20", "de_nghi_cap_ban_sao": "khong" });
    check_paper(p, on(), &adult, &[(1, 1, 8_000, false)], 8_000);
    check(p, Channel::Online, on(), &adult, &[(1, 1, 0, false)], 0);
    // Late for a child: the charge is waived, on every channel.
    let child = json!({ "ngay_sinh": days_ago(61), "de_nghi_cap_ban_sao": "khong" });
    for channel in Channel::ALL {
        check(p, *channel, on(), &child, &[(1, 1, 0, true)], 0);
    }
    // A child is under 16 (Law on Children 2016 Art. 1): 16 today pays.
    let sixteen_today = json!({ "ngay_sinh": "2010-11-23" });
    check_paper(p, on(), &sixteen_today, &[(1, 1, 8_000, false)], 8_000);
    let sixteen_tomorrow = json!({ "ngay_sinh": "2010-11-24" });
    check_paper(p, on(), &sixteen_tomorrow, &[(1, 1, 0, true)], 0);
    // The same birth date is on time one day and late later on.
    let f = json!({ "ngay_sinh": "2026-09-24" });
    check_paper(p, on(), &f, &[(0, 1, 0, false)], 0);
    check_paper(p, on() + Duration::days(1), &f, &[(1, 1, 0, true)], 0);
    // Two copies of the birth certificate: +16,000 on every channel, even on time.
    let copies =
        json!({ "ngay_sinh": days_ago(10), "de_nghi_cap_ban_sao": "co", "so_luong_ban_sao": 2 });
    for channel in Channel::ALL {
        check(
            p,
            *channel,
            on(),
            &copies,
            &[(0, 1, 0, false), (2, 2, 16_000, false)],
            16_000,
        );
    }
    // An HTML form posts the number as text.
    let posted =
        json!({ "ngay_sinh": days_ago(10), "de_nghi_cap_ban_sao": "co", "so_luong_ban_sao": "2" });
    check_paper(
        p,
        on(),
        &posted,
        &[(0, 1, 0, false), (2, 2, 16_000, false)],
        16_000,
    );
    // Late adult with three copies at the counter.
    let late_copies =
        json!({ "ngay_sinh": "1990-05-20", "de_nghi_cap_ban_sao": "co", "so_luong_ban_sao": 3 });
    check_paper(
        p,
        on(),
        &late_copies,
        &[(1, 1, 8_000, false), (2, 3, 24_000, false)],
        32_000,
    );
    // No copy asked for: a number left in the field is not charged; asked for but none counted, neither.
    for f in [
        json!({ "ngay_sinh": days_ago(10), "de_nghi_cap_ban_sao": "khong", "so_luong_ban_sao": 2 }),
        json!({ "ngay_sinh": days_ago(10), "de_nghi_cap_ban_sao": "co" }),
        json!({ "ngay_sinh": days_ago(10), "de_nghi_cap_ban_sao": "co", "so_luong_ban_sao": 0 }),
    ] {
        check_paper(p, on(), &f, &[(0, 1, 0, false)], 0);
    }
}

/// Law on Civil Status 2014 Art. 33: a death registered within 15 days is free; later, 8,000 on
/// paper and 0 online in Hải Phòng; copies of the extract 8,000 each.
#[test]
fn death_registration() {
    let procs = demo();
    let p = find(&procs, "1.000656");
    for n in [0, 14, 15] {
        let f = json!({ "thoi_diem_chet": days_ago(n) });
        check_paper(p, on(), &f, &[(0, 1, 0, false)], 0);
        check(p, Channel::Online, on(), &f, &[(0, 1, 0, false)], 0);
    }
    for n in [16, 400] {
        let f = json!({ "thoi_diem_chet": days_ago(n) });
        check_paper(p, on(), &f, &[(1, 1, 8_000, false)], 8_000);
        check(p, Channel::Online, on(), &f, &[(1, 1, 0, false)], 0);
    }
    let copies = json!({ "thoi_diem_chet": days_ago(3), "so_luong_ban_sao": 3 });
    check(
        p,
        Channel::Online,
        on(),
        &copies,
        &[(0, 1, 0, false), (2, 3, 24_000, false)],
        24_000,
    );
    let late_copies = json!({ "thoi_diem_chet": days_ago(20), "so_luong_ban_sao": 1 });
    check_paper(
        p,
        on(),
        &late_copies,
        &[(1, 1, 8_000, false), (2, 1, 8_000, false)],
        16_000,
    );
}

/// Marriage of Vietnamese citizens residing in Vietnam is free; copies of the extract 8,000 each.
#[test]
fn marriage_registration() {
    let procs = demo();
    let p = find(&procs, "1.000894");
    let none = json!({ "de_nghi_cap_ban_sao": "khong" });
    for channel in Channel::ALL {
        check(p, *channel, on(), &none, &[(0, 1, 0, false)], 0);
    }
    let two = json!({ "de_nghi_cap_ban_sao": "co", "so_luong_ban_sao": 2 });
    for channel in Channel::ALL {
        check(
            p,
            *channel,
            on(),
            &two,
            &[(0, 1, 0, false), (1, 2, 16_000, false)],
            16_000,
        );
    }
}

/// Hải Phòng: 5,000 on paper, 0 online, once per request; waived for the elderly (60 and over,
/// Law on the Elderly 2009 Art. 2).
#[test]
fn marital_status_certificate() {
    let procs = demo();
    let p = find(&procs, "1.004873");
    let young = json!({ "ngay_sinh": "1995-04-30", "so_luong_ban": 2 });
    check_paper(p, on(), &young, &[(0, 1, 5_000, false)], 5_000);
    check(p, Channel::Online, on(), &young, &[(0, 1, 0, false)], 0);
    // 60 today is elderly; 60 tomorrow is not yet.
    let sixty_today = json!({ "ngay_sinh": "1966-11-23" });
    check_paper(p, on(), &sixty_today, &[(0, 1, 0, true)], 0);
    // A child (under 16) is waived too.
    let child = json!({ "ngay_sinh": "2012-05-01" });
    check_paper(p, on(), &child, &[(0, 1, 0, true)], 0);
    let sixty_tomorrow = json!({ "ngay_sinh": "1966-11-24" });
    check_paper(p, on(), &sixty_tomorrow, &[(0, 1, 5_000, false)], 5_000);
    check(
        p,
        Channel::Online,
        on(),
        &sixty_today,
        &[(0, 1, 0, true)],
        0,
    );
}

/// Circular 281/2016/TT-BTC: 8,000 per copy on every channel.
#[test]
fn copies_of_civil_status_extracts() {
    let procs = demo();
    let p = find(&procs, "2.000635");
    for channel in Channel::ALL {
        check(
            p,
            *channel,
            on(),
            &json!({ "so_luong_ban_sao": 3 }),
            &[(0, 3, 24_000, false)],
            24_000,
        );
        check(
            p,
            *channel,
            on(),
            &json!({ "so_luong_ban_sao": 1 }),
            &[(0, 1, 8_000, false)],
            8_000,
        );
    }
}

/// Circular 226/2016/TT-BTC Art. 4: 2,000 a page for pages 1–2 and 1,000 a page from page 3, per
/// copy, at most 200,000 a copy; counter only (no online amount); the fee at a mission abroad
/// (10 USD) is never charged here.
#[test]
fn certified_copies() {
    let procs = demo();
    let p = find(&procs, "2.000815");
    // A 5-page document, 3 copies: 2 × 2,000 × 3 + 3 × 1,000 × 3.
    let five_pages = json!({ "so_trang": 5, "so_ban": 3 });
    check_paper(
        p,
        on(),
        &five_pages,
        &[(0, 6, 12_000, false), (1, 9, 9_000, false)],
        21_000,
    );
    check(p, Channel::Online, on(), &five_pages, &[], 0);
    // One page, two copies: the first two pages' rate only.
    check_paper(
        p,
        on(),
        &json!({ "so_trang": 1, "so_ban": 2 }),
        &[(0, 2, 4_000, false)],
        4_000,
    );
    // Two pages: still no later page.
    check_paper(
        p,
        on(),
        &json!({ "so_trang": 2, "so_ban": 1 }),
        &[(0, 2, 4_000, false)],
        4_000,
    );
    // The ceiling: 198 pages reach 200,000 a copy, more pages cost no more.
    for pages in [198, 199, 500] {
        check_paper(
            p,
            on(),
            &json!({ "so_trang": pages, "so_ban": 2 }),
            &[(0, 4, 8_000, false), (1, 392, 392_000, false)],
            400_000,
        );
    }
    check_paper(
        p,
        on(),
        &json!({ "so_trang": 197, "so_ban": 1 }),
        &[(0, 2, 4_000, false), (1, 195, 195_000, false)],
        199_000,
    );
    // No copy, nothing.
    check_paper(p, on(), &json!({ "so_trang": 5, "so_ban": 0 }), &[], 0);
}

/// Hải Phòng: 8,000 on paper, 0 online.
#[test]
fn birth_re_registration() {
    let procs = demo();
    let p = find(&procs, "1.004884");
    let f = json!({ "ngay_sinh": "1980-02-02" });
    check_paper(p, on(), &f, &[(0, 1, 8_000, false)], 8_000);
    check(p, Channel::Online, on(), &f, &[(0, 1, 0, false)], 0);
}

/// Circular 75/2022/TT-BTC as amended by 71/2025/TT-BTC: 20,000 on paper, 10,000 online.
#[test]
fn permanent_residence() {
    let procs = demo();
    let p = find(&procs, "1.004222");
    let f = json!({ "ngay_sinh": "1985-03-12" });
    check_paper(p, on(), &f, &[(0, 1, 20_000, false)], 20_000);
    check(
        p,
        Channel::Online,
        on(),
        &f,
        &[(0, 1, 10_000, false)],
        10_000,
    );
}

/// Circular 75/2022/TT-BTC as amended: an individual or household pays 15,000 on paper and 7,000
/// online a registration; a registration by list 10,000 and 5,000 a person. A form without the
/// number of people on a list is an individual registration; with one, the individual line is
/// shown waived and the list is charged per person.
#[test]
fn temporary_residence() {
    let procs = demo();
    let p = find(&procs, "1.004194");
    // As the test kit's form: no list.
    let individual = json!({
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1985-03-12",
        "noi_dung_de_nghi": "Đăng ký tạm trú tại nhà thuê",
        "thoi_han_tam_tru": "2027-11-17",
    });
    check_paper(p, on(), &individual, &[(0, 1, 15_000, false)], 15_000);
    check(
        p,
        Channel::Online,
        on(),
        &individual,
        &[(0, 1, 7_000, false)],
        7_000,
    );
    // Blank as an HTML form posts it: still an individual registration.
    let blank = json!({ "so_nguoi_theo_danh_sach": "" });
    check_paper(p, on(), &blank, &[(0, 1, 15_000, false)], 15_000);
    // A list of five.
    let list = json!({ "so_nguoi_theo_danh_sach": 5 });
    check_paper(p, on(), &list, &[(1, 5, 50_000, false)], 50_000);
    check(
        p,
        Channel::Online,
        on(),
        &list,
        &[(1, 5, 25_000, false)],
        25_000,
    );
    let one = json!({ "so_nguoi_theo_danh_sach": "1" });
    check_paper(p, on(), &one, &[(1, 1, 10_000, false)], 10_000);
}

/// Procedures whose only line is "not charged".
#[test]
fn free_procedures() {
    let procs = demo();
    for code in [
        "1.003677", "2.001159", "1.003197", "1.010041", "1.001731", "1.001612", "1.014748",
    ] {
        let p = find(&procs, code);
        assert_eq!(p.fees.len(), 1, "{code}");
        for channel in Channel::ALL {
            let q = quote(p, *channel, on(), &Map::new());
            assert_eq!(lines(&q), [(0, 1, 0, false)], "{code} {channel:?}");
            assert!(q.is_free(), "{code}");
        }
    }
}

/// The interconnected birth group (Decree 63/2024/NĐ-CP): on-time birth registration free,
/// permanent residence 10,000 online (no paper channel), the child's health insurance paid by the
/// state, the first ID card free when asked for.
#[test]
fn interconnected_birth_group() {
    let procs = demo();
    let p = find(&procs, "3.000722");
    let with_card = json!({ "ngay_sinh": days_ago(20), "de_nghi_cap_the_can_cuoc": "co" });
    check(
        p,
        Channel::Online,
        on(),
        &with_card,
        &[
            (0, 1, 0, false),
            (1, 1, 10_000, false),
            (2, 1, 0, false),
            (3, 1, 0, false),
        ],
        10_000,
    );
    check_paper(
        p,
        on(),
        &with_card,
        &[(0, 1, 0, false), (2, 1, 0, false), (3, 1, 0, false)],
        0,
    );
    let without_card = json!({ "ngay_sinh": days_ago(20), "de_nghi_cap_the_can_cuoc": "khong" });
    check(
        p,
        Channel::Online,
        on(),
        &without_card,
        &[(0, 1, 0, false), (1, 1, 10_000, false), (2, 1, 0, false)],
        10_000,
    );
    // After 60 days the on-time line no longer applies (the group has no late line).
    let late = json!({ "ngay_sinh": days_ago(61), "de_nghi_cap_the_can_cuoc": "khong" });
    check(
        p,
        Channel::Online,
        on(),
        &late,
        &[(1, 1, 10_000, false), (2, 1, 0, false)],
        10_000,
    );
}

/// The interconnected death group: on-time death registration and removal of permanent residence
/// free; the funeral allowance and survivor benefits line only when asked for.
#[test]
fn interconnected_death_group() {
    let procs = demo();
    let p = find(&procs, "2.002913");
    let basic = json!({ "thoi_diem_chet": days_ago(5), "thu_tuc_lien_thong": "kt_xtt" });
    check(
        p,
        Channel::Online,
        on(),
        &basic,
        &[(0, 1, 0, false), (1, 1, 0, false)],
        0,
    );
    for all in ["kt_xtt_mtp", "kt_xtt_mtp_tt"] {
        let f = json!({ "thoi_diem_chet": days_ago(15), "thu_tuc_lien_thong": all });
        check_paper(
            p,
            on(),
            &f,
            &[(0, 1, 0, false), (1, 1, 0, false), (2, 1, 0, false)],
            0,
        );
    }
    let late = json!({ "thoi_diem_chet": days_ago(16), "thu_tuc_lien_thong": "kt_xtt" });
    check(p, Channel::Online, on(), &late, &[(1, 1, 0, false)], 0);
}

/// Circular 244/2016/TT-BTC as amended: 200,000 a person, 100,000 for students, people with merit
/// and martyrs' relatives, 5,000 a certificate from the third asked for at once; waived for
/// children, the elderly, the disabled, poor households and residents of the listed communes.
#[test]
fn criminal_record_certificate() {
    let procs = demo();
    let p = find(&procs, "3.000333");
    let f = |who: &str, n: u32| json!({ "doi_tuong_nop_phi": who, "so_luong": n });
    for channel in Channel::ALL {
        let c = *channel;
        check(
            p,
            c,
            on(),
            &f("thong_thuong", 1),
            &[(0, 1, 200_000, false)],
            200_000,
        );
        check(
            p,
            c,
            on(),
            &f("thong_thuong", 2),
            &[(0, 1, 200_000, false)],
            200_000,
        );
        check(
            p,
            c,
            on(),
            &f("thong_thuong", 3),
            &[(0, 1, 200_000, false), (2, 1, 5_000, false)],
            205_000,
        );
        check(
            p,
            c,
            on(),
            &f("thong_thuong", 5),
            &[(0, 1, 200_000, false), (2, 3, 15_000, false)],
            215_000,
        );
        for reduced in ["sinh_vien", "nguoi_co_cong", "than_nhan_liet_si"] {
            check(
                p,
                c,
                on(),
                &f(reduced, 1),
                &[(1, 1, 100_000, false)],
                100_000,
            );
            check(
                p,
                c,
                on(),
                &f(reduced, 4),
                &[(1, 1, 100_000, false), (2, 2, 10_000, false)],
                110_000,
            );
        }
        for exempt in [
            "tre_em",
            "nguoi_cao_tuoi",
            "nguoi_khuyet_tat",
            "ho_ngheo",
            "xa_dac_biet_kho_khan",
            "dtts_xa_dac_biet_kho_khan",
        ] {
            check(p, c, on(), &f(exempt, 1), &[(0, 1, 0, true)], 0);
            check(
                p,
                c,
                on(),
                &f(exempt, 4),
                &[(0, 1, 0, true), (2, 2, 0, true)],
                0,
            );
        }
    }
    // Every option of the category is priced by exactly one line.
    let field = p.form.field("doi_tuong_nop_phi").unwrap();
    assert!(field.required);
    for o in &field.options {
        let q = quote(p, Channel::Online, on(), &form(&f(&o.value, 1)));
        assert_eq!(q.lines.len(), 1, "{}", o.value);
    }
}

/// Circular 25/2021/TT-BTC as amended, halved to the end of 2026: a passport issued (first time or
/// on expiry) 100,000, reissued after loss or damage 200,000, on every channel.
#[test]
fn passport() {
    let procs = demo();
    let p = find(&procs, "1.001456");
    for channel in Channel::ALL {
        for first in ["cap_lan_dau", "cap_lai_het_han", "khac"] {
            check(
                p,
                *channel,
                on(),
                &json!({ "noi_dung_de_nghi": first }),
                &[(0, 1, 100_000, false)],
                100_000,
            );
        }
        check(
            p,
            *channel,
            on(),
            &json!({ "noi_dung_de_nghi": "cap_lai_mat_hong" }),
            &[(1, 1, 200_000, false)],
            200_000,
        );
    }
}

/// Circular 73/2024/TT-BTC as halved and waived online: a change 25,000 on paper, a replacement
/// 35,000, 0 online; a first card free; a change because of the reorganisation of administrative
/// units waived.
#[test]
fn id_card() {
    let procs = demo();
    let p = find(&procs, "9.900003");
    let change = json!({ "loai_yeu_cau": "cap_doi", "ly_do": "het_han" });
    check_paper(p, on(), &change, &[(0, 1, 25_000, false)], 25_000);
    check(p, Channel::Online, on(), &change, &[(0, 1, 0, false)], 0);
    let reorganised = json!({ "loai_yeu_cau": "cap_doi", "ly_do": "sap_xep_dvhc" });
    check_paper(p, on(), &reorganised, &[(0, 1, 0, true)], 0);
    let lost = json!({ "loai_yeu_cau": "cap_lai", "ly_do": "mat" });
    check_paper(p, on(), &lost, &[(1, 1, 35_000, false)], 35_000);
    check(p, Channel::Online, on(), &lost, &[(1, 1, 0, false)], 0);
    let first = json!({ "loai_yeu_cau": "cap_moi" });
    for channel in Channel::ALL {
        check(p, *channel, on(), &first, &[(2, 1, 0, false)], 0);
    }
}

/// Circular 37/2023/TT-BTC: 135,000 on paper; 115,000 online as recorded.
#[test]
fn driving_licence_exchange() {
    let procs = demo();
    let p = find(&procs, "3.000347");
    let f = json!({ "ly_do_doi": "het_han" });
    check_paper(p, on(), &f, &[(0, 1, 135_000, false)], 135_000);
    check(
        p,
        Channel::Online,
        on(),
        &f,
        &[(0, 1, 115_000, false)],
        115_000,
    );
}

/// Circular 60/2023/TT-BTC as recorded: the charge depends on the owner's area and the value band
/// (≤ 15 million, > 15 to 40 million, > 40 million; area III one amount). The registration tax is a
/// separate obligation with no amount here. A lower band of the owner's area is shown waived when
/// the value is above it.
#[test]
fn motorbike_registration() {
    let procs = demo();
    let p = find(&procs, "9.900001");
    let f = |area: &str, value: i64| json!({ "khu_vuc": area, "gia_tri_xe": value });
    for channel in Channel::ALL {
        let c = *channel;
        for v in [0, 8_000_000, 15_000_000] {
            check(
                p,
                c,
                on(),
                &f("I", v),
                &[(0, 1, 1_000_000, false)],
                1_000_000,
            );
            check(p, c, on(), &f("II", v), &[(3, 1, 200_000, false)], 200_000);
        }
        for v in [15_000_001, 32_000_000, 40_000_000] {
            check(
                p,
                c,
                on(),
                &f("I", v),
                &[(1, 1, 2_000_000, false)],
                2_000_000,
            );
            check(p, c, on(), &f("II", v), &[(4, 1, 400_000, false)], 400_000);
        }
        for v in [40_000_001, 95_000_000, 1_500_000_000] {
            check(
                p,
                c,
                on(),
                &f("I", v),
                &[(2, 1, 4_000_000, false)],
                4_000_000,
            );
            check(p, c, on(), &f("II", v), &[(5, 1, 800_000, false)], 800_000);
        }
        for v in [0, 15_000_000, 40_000_000, 95_000_000] {
            check(p, c, on(), &f("III", v), &[(6, 1, 150_000, false)], 150_000);
        }
    }
    // The value as an HTML form posts it.
    check_paper(
        p,
        on(),
        &json!({ "khu_vuc": "II", "gia_tri_xe": "32000000" }),
        &[(4, 1, 400_000, false)],
        400_000,
    );
}

/// Hải Phòng NQ 45/2018/NQ-HĐND: 75,000 for a detached house; other works 150,000 as recorded;
/// 0 online from 08/8/2026 (NQ 23/2026/NQ-HĐND).
#[test]
fn construction_permit() {
    let procs = demo();
    let p = find(&procs, "1.013225");
    let house = json!({ "loai_cong_trinh": "nha_o_rieng_le", "cap_cong_trinh": "IV" });
    check_paper(p, on(), &house, &[(0, 1, 75_000, false)], 75_000);
    check(p, Channel::Online, on(), &house, &[(0, 1, 0, false)], 0);
    let field = p.form.field("loai_cong_trinh").unwrap();
    assert!(field.required);
    for o in field.options.iter().filter(|o| o.value != "nha_o_rieng_le") {
        let other = json!({ "loai_cong_trinh": o.value, "cap_cong_trinh": "III" });
        check_paper(p, on(), &other, &[(1, 1, 150_000, false)], 150_000);
        check(p, Channel::Online, on(), &other, &[(1, 1, 0, false)], 0);
    }
}

/// Hải Phòng NQ 34/2025/NQ-HĐND for an individual: the certificate charge 25,000 (land or assets
/// only) or 30,000 (both) and the appraisal fee 125,000 (land), 155,000 (assets) or 170,000 (both);
/// 0 online from 08/8/2026 (NQ 23/2026/NQ-HĐND).
#[test]
fn land_change_registration() {
    let procs = demo();
    let p = find(&procs, "1.013833");
    let f = |what: &str| json!({ "tai_san_bien_dong": what, "de_nghi_cap_gcn_moi": "khong" });
    check_paper(
        p,
        on(),
        &f("dat"),
        &[(0, 1, 25_000, false), (2, 1, 125_000, false)],
        150_000,
    );
    check_paper(
        p,
        on(),
        &f("tai_san"),
        &[(0, 1, 25_000, false), (3, 1, 155_000, false)],
        180_000,
    );
    check_paper(
        p,
        on(),
        &f("dat_va_tai_san"),
        &[(1, 1, 30_000, false), (4, 1, 170_000, false)],
        200_000,
    );
    check(
        p,
        Channel::Online,
        on(),
        &f("dat_va_tai_san"),
        &[(1, 1, 0, false), (4, 1, 0, false)],
        0,
    );
}

/// Household health insurance, as the lines' notes say: the first member pays the full premium, the
/// second 70%, the third 60%, the fourth 50%, from the fifth 40% each; the lines are the 12-month
/// amounts, so they are charged when paying for 12 months.
#[test]
fn household_health_insurance() {
    let procs = demo();
    let p = find(&procs, "9.900002");
    let f = |members: u32| json!({ "so_thanh_vien": members, "so_thang_dong": "12" });
    for channel in Channel::ALL {
        let c = *channel;
        check(
            p,
            c,
            on(),
            &f(1),
            &[(0, 1, 0, false), (1, 1, 1_263_600, false)],
            1_263_600,
        );
        check(
            p,
            c,
            on(),
            &f(3),
            &[
                (0, 1, 0, false),
                (1, 1, 1_263_600, false),
                (2, 1, 884_520, false),
                (3, 1, 758_160, false),
            ],
            2_906_280,
        );
        check(
            p,
            c,
            on(),
            &f(5),
            &[
                (0, 1, 0, false),
                (1, 1, 1_263_600, false),
                (2, 1, 884_520, false),
                (3, 1, 758_160, false),
                (4, 1, 631_800, false),
                (5, 1, 505_440, false),
            ],
            4_043_520,
        );
        check(
            p,
            c,
            on(),
            &f(7),
            &[
                (0, 1, 0, false),
                (1, 1, 1_263_600, false),
                (2, 1, 884_520, false),
                (3, 1, 758_160, false),
                (4, 1, 631_800, false),
                (5, 3, 1_516_320, false),
            ],
            5_054_400,
        );
    }
    // No 3- or 6-month amounts are recorded: only the "no procedural fee" line is quoted.
    for months in ["3", "6"] {
        let f = json!({ "so_thanh_vien": 2, "so_thang_dong": months });
        check(p, Channel::Online, on(), &f, &[(0, 1, 0, false)], 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Every combination of answers
// ---------------------------------------------------------------------------------------------

/// Lines of a procedure that replace each other: for one form at most one of each group is
/// charged (present and not waived). Every procedure with more than one line is listed; lines in no
/// group add up (copies, later pages, the members of a household, the parts of a group procedure).
const ALTERNATIVES: &[(&str, &[&[usize]])] = &[
    ("1.001193", &[&[0, 1]]),
    ("1.000656", &[&[0, 1]]),
    ("1.000894", &[]),
    ("2.000815", &[]),
    ("1.004194", &[&[0, 1]]),
    ("3.000722", &[]),
    ("2.002913", &[]),
    ("3.000333", &[&[0, 1]]),
    ("1.001456", &[&[0, 1]]),
    ("9.900003", &[&[0, 1, 2]]),
    ("9.900001", &[&[0, 1, 2, 3, 4, 5, 6]]),
    ("1.013225", &[&[0, 1]]),
    ("1.013833", &[&[0, 1], &[2, 3, 4]]),
    ("9.900002", &[]),
];

/// The thresholds a condition puts on a number or date answer.
fn condition_edges(c: &FeeCondition, numbers: &mut BTreeSet<i64>, days: &mut BTreeSet<i64>) {
    for n in [c.more_than, c.not_more_than].into_iter().flatten() {
        numbers.extend([n - 1, n, n + 1]);
    }
    for d in [c.within_days, c.after_days].into_iter().flatten() {
        days.extend([i64::from(d), i64::from(d) + 1]);
    }
}

/// Candidate answers for each field a procedure's rules read: every option of a choice, the edges
/// of every threshold of a number or date, and no answer at all.
fn candidates(p: &Procedure) -> BTreeMap<String, Vec<Option<Value>>> {
    let mut numbers: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let mut days: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for line in &p.fees {
        for c in line.rule.conditions() {
            condition_edges(
                c,
                numbers.entry(c.field.as_str()).or_default(),
                days.entry(c.field.as_str()).or_default(),
            );
        }
        if let Some(q) = &line.rule.per {
            let b = i64::from(q.beyond);
            let e = numbers.entry(q.field.as_str()).or_default();
            e.extend([b, b + 1, b + 2]);
            if let Some(m) = q.at_most {
                e.extend([b + i64::from(m), b + i64::from(m) + 1]);
            }
            if let Some(t) = &q.times {
                numbers.entry(t.as_str()).or_default().extend([0, 1, 3]);
            }
        }
    }
    let mut out = BTreeMap::new();
    for key in p.fees.iter().flat_map(|l| l.rule.fields()) {
        let field = p.form.field(key).unwrap();
        let mut values: Vec<Option<Value>> = vec![None];
        match field.field_type {
            FieldType::Choice => values.extend(
                field
                    .options
                    .iter()
                    .map(|o| Some(Value::String(o.value.clone()))),
            ),
            FieldType::Number => {
                let mut ns = numbers.get(key).cloned().unwrap_or_default();
                ns.extend([0, 1, 2, 3]);
                values.extend(ns.into_iter().filter(|n| *n >= 0).map(|n| Some(json!(n))));
            }
            FieldType::Date => {
                let mut ds = days.get(key).cloned().unwrap_or_default();
                ds.extend([0, 365 * 70]);
                values.extend(ds.into_iter().map(|d| Some(Value::String(days_ago(d)))));
            }
            other => panic!("{} reads {key}, a {other:?} field", p.code.as_str()),
        }
        out.insert(key.to_owned(), values);
    }
    out
}

/// Every combination of the candidate answers.
fn forms(p: &Procedure) -> Vec<Map<String, Value>> {
    let mut all = vec![Map::new()];
    for (key, values) in candidates(p) {
        let mut next = Vec::with_capacity(all.len() * values.len());
        for f in &all {
            for v in &values {
                let mut g = f.clone();
                if let Some(v) = v {
                    g.insert(key.clone(), v.clone());
                }
                next.push(g);
            }
        }
        all = next;
    }
    assert!(
        all.len() <= 20_000,
        "{}: {} forms",
        p.code.as_str(),
        all.len()
    );
    all
}

/// Every line that has an amount is charged for some form on some channel; every waiver is reached
/// by some form; alternative lines are never charged together, and a form that answers every
/// required field the rules read is priced by one line of each group.
#[test]
fn every_line_is_reachable_and_alternatives_exclude_each_other() {
    let procs = demo();
    let alternatives: BTreeMap<&str, &[&[usize]]> = ALTERNATIVES.iter().copied().collect();
    let mut forms_tried = 0;
    for p in procs.iter().filter(|p| !p.fees.is_empty()) {
        let code = p.code.as_str();
        let groups = alternatives.get(code).copied().unwrap_or(&[]);
        let mut charged_somewhere = BTreeSet::new();
        let mut waived_somewhere = BTreeSet::new();
        let required: Vec<&str> = p
            .fees
            .iter()
            .flat_map(|l| l.rule.fields())
            .filter(|k| p.form.field(k).is_some_and(|f| f.required))
            .collect();
        for f in forms(p) {
            forms_tried += 1;
            let complete = required.iter().all(|k| f.contains_key(*k));
            for channel in Channel::ALL {
                let q = quote(p, *channel, on(), &f);
                let charged: BTreeSet<usize> = q
                    .lines
                    .iter()
                    .filter(|l| !l.exempt)
                    .map(|l| l.index)
                    .collect();
                let shown: BTreeSet<usize> = q.lines.iter().map(|l| l.index).collect();
                assert!(q.lines.iter().all(|l| l.quantity > 0), "{code} {f:?}");
                for group in groups {
                    let n = group.iter().filter(|i| charged.contains(i)).count();
                    assert!(n <= 1, "{code}: {group:?} charged together for {f:?}");
                    if complete
                        && group
                            .iter()
                            .any(|i| p.fees[*i].amount_for(*channel, on()).is_some())
                    {
                        assert!(
                            group.iter().any(|i| shown.contains(i)),
                            "{code} {channel:?}: no line of {group:?} for {f:?}"
                        );
                    }
                }
                charged_somewhere.extend(charged);
                waived_somewhere.extend(q.lines.iter().filter(|l| l.exempt).map(|l| l.index));
            }
        }
        for (i, line) in p.fees.iter().enumerate() {
            let has_amount = line.counter_vnd.is_some() || line.online_vnd.is_some();
            assert_eq!(
                charged_somewhere.contains(&i),
                has_amount,
                "{code} fees[{i}] {}",
                line.name
            );
            if line.rule.exempt_when.is_some() && has_amount {
                assert!(
                    waived_somewhere.contains(&i),
                    "{code} fees[{i}] never waived"
                );
            }
        }
    }
    assert!(forms_tried > 300, "{forms_tried}");
}

/// Every procedure with several lines says which replace each other; every group names lines that
/// exist and are ruled by the form's answers, and a line is in at most one group.
#[test]
fn alternatives_name_ruled_lines() {
    let procs = demo();
    let listed: BTreeSet<&str> = ALTERNATIVES.iter().map(|(c, _)| *c).collect();
    let several: BTreeSet<&str> = procs
        .iter()
        .filter(|p| p.fees.len() > 1)
        .map(|p| p.code.as_str())
        .collect();
    assert_eq!(listed, several);
    for (code, groups) in ALTERNATIVES {
        let p = find(&procs, code);
        let mut seen = BTreeSet::new();
        for group in *groups {
            assert!(group.len() >= 2, "{code} {group:?}");
            for i in *group {
                assert!(seen.insert(*i), "{code} fees[{i}] in two groups");
                let line = &p.fees[*i];
                assert!(!line.rule.is_empty(), "{code} fees[{i}] has no rule");
            }
        }
    }
}

/// The form fields the rules added are where the citizen can answer them.
#[test]
fn the_answers_that_decide_are_asked() {
    let procs = demo();
    for (code, key, required) in [
        ("3.000333", "doi_tuong_nop_phi", true),
        ("9.900001", "khu_vuc", true),
        ("1.013225", "loai_cong_trinh", true),
        ("1.013833", "tai_san_bien_dong", true),
        // Many dossiers of these two are filled in without it: optional, blank = individual.
        ("1.004194", "so_nguoi_theo_danh_sach", false),
    ] {
        let f = find(&procs, code).form.field(key).unwrap();
        assert_eq!(f.required, required, "{code} {key}");
    }
    // Birth registration asks nothing new: its rules read the birth date and the copies.
    let birth = find(&procs, "1.001193");
    let read: BTreeSet<&str> = birth.fees.iter().flat_map(|l| l.rule.fields()).collect();
    assert_eq!(
        read,
        BTreeSet::from(["de_nghi_cap_ban_sao", "ngay_sinh", "so_luong_ban_sao"])
    );
}

// ---------------------------------------------------------------------------------------------
// The importer's checks of fee rules
// ---------------------------------------------------------------------------------------------

fn minimal(fees: Value) -> Value {
    json!({
        "code": "1.000001",
        "name_vi": "Thủ tục thử",
        "level": "commune",
        "competent_agency_kind": "commune_peoples_committee",
        "online_level": "full",
        "processing_time": { "value": 1, "unit": "working_days" },
        "form_fields": [
            { "key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": true },
            { "key": "so_ban", "label": "Số bản", "type": "number", "required": true },
            { "key": "ho_ten", "label": "Họ tên", "type": "text", "required": true },
            { "key": "loai", "label": "Loại", "type": "choice", "required": true,
              "options": [{ "value": "a", "label": "A" }, { "value": "b", "label": "B" }] }
        ],
        "fees": fees
    })
}

fn errors(doc: &Value) -> Vec<ImportError> {
    match import_catalogue(&doc.to_string()) {
        Ok(_) => Vec::new(),
        Err(ImportErrors(e)) => e,
    }
}

/// The error paths and messages of one procedure whose fee lines are `fees`.
fn errors_for(fees: Value) -> Vec<(String, String)> {
    errors(&json!([minimal(fees)]))
        .into_iter()
        .map(|e| (e.path, e.message))
        .collect()
}

fn line(rule: Value) -> Value {
    let mut l = json!({ "name": "Lệ phí", "counter_vnd": 1000, "online_vnd": 0 });
    for (k, v) in rule.as_object().unwrap() {
        l[k] = v.clone();
    }
    l
}

#[test]
fn well_formed_rules_import() {
    let fees = json!([
        line(json!({ "when": { "field": "ngay_sinh", "within_days": 60 } })),
        line(json!({ "when": { "field": "loai", "in": ["a"] },
                     "per": { "field": "so_ban", "beyond": 2, "at_most": 5, "times": "so_ban" },
                     "exempt_when": { "field": "so_ban", "more_than": 10, "not_more_than": 20 } })),
        line(json!({ "when": null, "per": null }))
    ]);
    assert_eq!(errors_for(fees), []);
}

#[test]
fn a_rule_naming_a_missing_field_is_reported_at_its_line() {
    let e = errors_for(json!([
        line(json!({})),
        line(json!({ "when": { "field": "ngay_cuoi", "after_days": 15 } }))
    ]));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "procedures[0].fees[1]");
    assert!(e[0].1.contains("\"ngay_cuoi\""), "{}", e[0].1);
    assert!(e[0].1.contains("the form does not have"), "{}", e[0].1);
    // In `per.times` and `exempt_when` as well.
    let e = errors_for(json!([line(json!({
        "per": { "field": "so_ban", "times": "so_trang" },
        "exempt_when": { "field": "doi_tuong", "in": ["x"] }
    }))]));
    let paths: Vec<&str> = e.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["procedures[0].fees[0]", "procedures[0].fees[0]"]);
    assert!(
        e.iter().any(|(_, m)| m.contains("\"so_trang\""))
            && e.iter().any(|(_, m)| m.contains("\"doi_tuong\"")),
        "{e:?}"
    );
}

#[test]
fn a_quantity_must_count_a_number_field() {
    for per in [
        json!({ "field": "loai" }),
        json!({ "field": "ho_ten", "beyond": 2 }),
        json!({ "field": "so_ban", "times": "ngay_sinh" }),
    ] {
        let e = errors_for(json!([line(json!({ "per": per }))]));
        assert_eq!(e.len(), 1, "{per} {e:?}");
        assert_eq!(e[0].0, "procedures[0].fees[0]");
        assert!(e[0].1.contains("which is not a number field"), "{}", e[0].1);
    }
}

#[test]
fn a_day_window_must_measure_a_date_field() {
    for (key, cond) in [
        ("when", json!({ "field": "so_ban", "within_days": 60 })),
        ("exempt_when", json!({ "field": "loai", "after_days": 15 })),
        (
            "when",
            json!({ "field": "ho_ten", "within_days": 1, "after_days": 0 }),
        ),
    ] {
        let e = errors_for(json!([line(json!({ key: cond }))]));
        assert_eq!(e.len(), 1, "{cond} {e:?}");
        assert_eq!(e[0].0, "procedures[0].fees[0]");
        assert!(e[0].1.contains("which is not a date field"), "{}", e[0].1);
    }
}

#[test]
fn a_value_band_must_compare_a_number_field() {
    for cond in [
        json!({ "field": "ngay_sinh", "more_than": 15_000_000 }),
        json!({ "field": "loai", "not_more_than": 40_000_000 }),
    ] {
        let e = errors_for(json!([line(json!({ "when": cond }))]));
        assert_eq!(e.len(), 1, "{cond} {e:?}");
        assert_eq!(e[0].0, "procedures[0].fees[0]");
        assert!(e[0].1.contains("which is not a number field"), "{}", e[0].1);
    }
}

#[test]
fn an_unknown_key_inside_a_rule_is_reported_at_its_path() {
    for (key, rule) in [
        ("when", json!({ "field": "loai", "equals": "a" })),
        ("when", json!({ "field": "ngay_sinh", "within": 60 })),
        ("per", json!({ "field": "so_ban", "from": 3 })),
        (
            "exempt_when",
            json!({ "field": "loai", "in": ["a"], "unless": true }),
        ),
        ("when", json!({ "in": ["a"] })),
        ("per", json!("so_ban")),
    ] {
        let e = errors_for(json!([line(json!({})), line(json!({ key: rule }))]));
        assert_eq!(e.len(), 1, "{key} {rule} {e:?}");
        assert_eq!(e[0].0, format!("procedures[0].fees[1].{key}"));
        assert!(e[0].1.starts_with("not a fee rule"), "{}", e[0].1);
    }
}

/// Every problem of one kind is reported at once. The fields a rule names are checked once every
/// line of the procedure reads as a rule, so a malformed rule is reported first, alone.
#[test]
fn every_bad_rule_of_a_procedure_is_reported_at_once() {
    let e = errors_for(json!([
        line(json!({ "when": { "field": "khong_co", "in": ["a"] } })),
        line(json!({ "per": { "field": "loai" } })),
        line(json!({ "when": { "field": "so_ban", "within_days": 3 } })),
        line(json!({ "exempt_when": { "field": "ho_ten", "more_than": 0 } }))
    ]));
    let paths: Vec<&str> = e.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "procedures[0].fees[0]",
            "procedures[0].fees[1]",
            "procedures[0].fees[2]",
            "procedures[0].fees[3]"
        ],
        "{e:?}"
    );
    let e = errors_for(json!([
        line(json!({ "when": { "field": "khong_co", "in": ["a"] } })),
        line(json!({ "when": { "field": "loai", "is": "a" } })),
        line(json!({ "per": { "field": "so_ban", "upto": 3 } }))
    ]));
    let paths: Vec<&str> = e.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["procedures[0].fees[1].when", "procedures[0].fees[2].per"],
        "{e:?}"
    );
}

/// The shipped catalogue with one rule broken: the error names the procedure and the line.
#[test]
fn a_broken_rule_in_the_demo_catalogue_is_found() {
    let mut doc: Value = serde_json::from_str(DEMO).unwrap();
    let birth = doc
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .position(|p| p["code"] == "1.001193")
        .unwrap();
    doc[birth]["fees"][2]["per"]["field"] = json!("ho_ten_tre");
    doc[birth]["fees"][0]["when"]["field"] = json!("ngay_dang_ky");
    let e = errors(&doc);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.iter().all(|e| e.procedure.as_deref() == Some("1.001193")));
    assert_eq!(e[0].path, format!("procedures[{birth}].fees[0]"));
    assert!(
        e[0].message.contains("\"ngay_dang_ky\""),
        "{}",
        e[0].message
    );
    assert_eq!(e[1].path, format!("procedures[{birth}].fees[2]"));
    assert!(e[1].message.contains("\"ho_ten_tre\""), "{}", e[1].message);
}
