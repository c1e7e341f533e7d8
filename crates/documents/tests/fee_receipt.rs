//! The electronic fee receipt (biên lai thu phí, lệ phí điện tử): amounts in words and the
//! rendered PDF's text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::DateTime;
use motcua_documents::templates::{
    FEE_RECEIPT_TITLE, FeeReceiptInput, FeeReceiptLine, Issuer, fee_receipt, format_vnd,
    vnd_in_words,
};

/// 0–99 written out by hand (lower case, without " đồng").
const UNDER_HUNDRED: [&str; 100] = [
    "không",
    "một",
    "hai",
    "ba",
    "bốn",
    "năm",
    "sáu",
    "bảy",
    "tám",
    "chín",
    "mười",
    "mười một",
    "mười hai",
    "mười ba",
    "mười bốn",
    "mười lăm",
    "mười sáu",
    "mười bảy",
    "mười tám",
    "mười chín",
    "hai mươi",
    "hai mươi mốt",
    "hai mươi hai",
    "hai mươi ba",
    "hai mươi tư",
    "hai mươi lăm",
    "hai mươi sáu",
    "hai mươi bảy",
    "hai mươi tám",
    "hai mươi chín",
    "ba mươi",
    "ba mươi mốt",
    "ba mươi hai",
    "ba mươi ba",
    "ba mươi tư",
    "ba mươi lăm",
    "ba mươi sáu",
    "ba mươi bảy",
    "ba mươi tám",
    "ba mươi chín",
    "bốn mươi",
    "bốn mươi mốt",
    "bốn mươi hai",
    "bốn mươi ba",
    "bốn mươi tư",
    "bốn mươi lăm",
    "bốn mươi sáu",
    "bốn mươi bảy",
    "bốn mươi tám",
    "bốn mươi chín",
    "năm mươi",
    "năm mươi mốt",
    "năm mươi hai",
    "năm mươi ba",
    "năm mươi tư",
    "năm mươi lăm",
    "năm mươi sáu",
    "năm mươi bảy",
    "năm mươi tám",
    "năm mươi chín",
    "sáu mươi",
    "sáu mươi mốt",
    "sáu mươi hai",
    "sáu mươi ba",
    "sáu mươi tư",
    "sáu mươi lăm",
    "sáu mươi sáu",
    "sáu mươi bảy",
    "sáu mươi tám",
    "sáu mươi chín",
    "bảy mươi",
    "bảy mươi mốt",
    "bảy mươi hai",
    "bảy mươi ba",
    "bảy mươi tư",
    "bảy mươi lăm",
    "bảy mươi sáu",
    "bảy mươi bảy",
    "bảy mươi tám",
    "bảy mươi chín",
    "tám mươi",
    "tám mươi mốt",
    "tám mươi hai",
    "tám mươi ba",
    "tám mươi tư",
    "tám mươi lăm",
    "tám mươi sáu",
    "tám mươi bảy",
    "tám mươi tám",
    "tám mươi chín",
    "chín mươi",
    "chín mươi mốt",
    "chín mươi hai",
    "chín mươi ba",
    "chín mươi tư",
    "chín mươi lăm",
    "chín mươi sáu",
    "chín mươi bảy",
    "chín mươi tám",
    "chín mươi chín",
];

fn words(n: i64) -> String {
    vnd_in_words(n)
}

#[test]
fn the_examples_of_the_issue() {
    for (n, w) in [
        (0, "Không đồng"),
        (5_000, "Năm nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (25_000, "Hai mươi lăm nghìn đồng"),
        (105_000, "Một trăm linh năm nghìn đồng"),
        (110_000, "Một trăm mười nghìn đồng"),
        (200_000, "Hai trăm nghìn đồng"),
        (215_000, "Hai trăm mười lăm nghìn đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (1_500_000, "Một triệu năm trăm nghìn đồng"),
        (2_000_000_000, "Hai tỷ đồng"),
        (14, "Mười bốn đồng"),
        (24, "Hai mươi tư đồng"),
        (1_000_001, "Một triệu không trăm linh một đồng"),
    ] {
        assert_eq!(words(n), w, "{n}");
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[test]
fn every_number_below_a_hundred() {
    for (n, w) in UNDER_HUNDRED.iter().enumerate() {
        let n = i64::try_from(n).unwrap();
        assert_eq!(words(n), format!("{} đồng", capitalised(w)), "{n}");
    }
}

#[test]
fn every_number_below_a_hundred_after_a_hundreds_digit_and_as_thousands() {
    for (n, w) in UNDER_HUNDRED.iter().enumerate().skip(1) {
        let n = i64::try_from(n).unwrap();
        let tail = if n < 10 {
            format!("linh {w}")
        } else {
            (*w).to_owned()
        };
        assert_eq!(
            words(300 + n),
            format!("Ba trăm {tail} đồng"),
            "{}",
            300 + n
        );
        assert_eq!(
            words(7_000 + n),
            format!("Bảy nghìn không trăm {tail} đồng"),
            "{}",
            7_000 + n
        );
        assert_eq!(
            words(n * 1_000),
            format!("{} nghìn đồng", capitalised(w)),
            "{}",
            n * 1_000
        );
    }
    assert_eq!(words(300), "Ba trăm đồng");
    assert_eq!(words(7_000), "Bảy nghìn đồng");
}

#[test]
fn hundreds_and_linh() {
    for (n, w) in [
        (100, "Một trăm đồng"),
        (101, "Một trăm linh một đồng"),
        (104, "Một trăm linh bốn đồng"),
        (105, "Một trăm linh năm đồng"),
        (111, "Một trăm mười một đồng"),
        (114, "Một trăm mười bốn đồng"),
        (115, "Một trăm mười lăm đồng"),
        (121, "Một trăm hai mươi mốt đồng"),
        (124, "Một trăm hai mươi tư đồng"),
        (150, "Một trăm năm mươi đồng"),
        (155, "Một trăm năm mươi lăm đồng"),
        (999, "Chín trăm chín mươi chín đồng"),
    ] {
        assert_eq!(words(n), w, "{n}");
    }
}

#[test]
fn zero_groups_are_skipped_and_inner_hundreds_kept() {
    for (n, w) in [
        (1_000, "Một nghìn đồng"),
        (1_001, "Một nghìn không trăm linh một đồng"),
        (1_010, "Một nghìn không trăm mười đồng"),
        (1_050, "Một nghìn không trăm năm mươi đồng"),
        (1_100, "Một nghìn một trăm đồng"),
        (10_010, "Mười nghìn không trăm mười đồng"),
        (12_500, "Mười hai nghìn năm trăm đồng"),
        (50_000, "Năm mươi nghìn đồng"),
        (100_000, "Một trăm nghìn đồng"),
        (1_000_000, "Một triệu đồng"),
        (1_000_500, "Một triệu năm trăm đồng"),
        (1_000_010, "Một triệu không trăm mười đồng"),
        (1_020_000, "Một triệu không trăm hai mươi nghìn đồng"),
        (1_200_000, "Một triệu hai trăm nghìn đồng"),
        (10_000_000, "Mười triệu đồng"),
        (21_000_000, "Hai mươi mốt triệu đồng"),
        (52_500_000, "Năm mươi hai triệu năm trăm nghìn đồng"),
        (100_000_000, "Một trăm triệu đồng"),
        (105_000_000, "Một trăm linh năm triệu đồng"),
        (
            999_999_999,
            "Chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng",
        ),
    ] {
        assert_eq!(words(n), w, "{n}");
    }
}

#[test]
fn round_millions_and_billions() {
    for (n, w) in [
        (2_000_000, "Hai triệu đồng"),
        (24_000_000, "Hai mươi tư triệu đồng"),
        (300_000_000, "Ba trăm triệu đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_000_001, "Một tỷ không trăm linh một đồng"),
        (1_005_000_000, "Một tỷ không trăm linh năm triệu đồng"),
        (1_500_000_000, "Một tỷ năm trăm triệu đồng"),
        (15_000_000_000, "Mười lăm tỷ đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (1_005_000_000_000, "Một nghìn không trăm linh năm tỷ đồng"),
        (1_000_000_000_000_000_000, "Một tỷ tỷ đồng"),
    ] {
        assert_eq!(words(n), w, "{n}");
    }
}

/// Beyond 999 tỷ the count of tỷ is itself read as a number: 9 223 372 036 tỷ 854 775 807.
#[test]
fn negative_amounts_and_the_extremes() {
    assert_eq!(words(-5_000), "Âm năm nghìn đồng");
    assert_eq!(words(-1), "Âm một đồng");
    assert_eq!(
        words(i64::MAX),
        "Chín tỷ hai trăm hai mươi ba triệu ba trăm bảy mươi hai nghìn không trăm ba mươi sáu tỷ tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm nghìn tám trăm linh bảy đồng"
    );
    assert!(words(i64::MIN).starts_with("Âm chín tỷ hai trăm"));
    assert!(words(i64::MIN).ends_with("tám trăm linh tám đồng"));
}

#[test]
fn figures_use_dots_between_thousands() {
    for (n, f) in [
        (0, "0"),
        (5, "5"),
        (999, "999"),
        (1_000, "1.000"),
        (25_000, "25.000"),
        (200_000, "200.000"),
        (1_005_000, "1.005.000"),
        (-1_500_000, "-1.500.000"),
    ] {
        assert_eq!(format_vnd(n), f, "{n}");
    }
}

fn sample() -> FeeReceiptInput {
    FeeReceiptInput {
        issuer: Issuer {
            authority: "UBND thành phố Hải Phòng".into(),
            agency: "Ủy ban nhân dân phường Hồng Bàng".into(),
            place: "Hải Phòng".into(),
        },
        series: "BLP-26E".into(),
        number: "0000123".into(),
        issued_at: DateTime::parse_from_rfc3339("2026-11-24T10:15:00+07:00").unwrap(),
        payer_name: "Nguyễn Thị Hường".into(),
        payer_id: "031190000123".into(),
        payer_address: "Phường Hồng Bàng, Hải Phòng".into(),
        dossier_code: "H31.10105-261124-0003".into(),
        procedure_name: "Cấp bản sao trích lục hộ tịch".into(),
        lines: vec![
            FeeReceiptLine {
                name: "Lệ phí cấp bản sao trích lục hộ tịch".into(),
                quantity: 3,
                unit_vnd: 5_000,
                amount_vnd: 15_000,
            },
            FeeReceiptLine {
                name: "Phí khai thác, sử dụng dữ liệu".into(),
                quantity: 1,
                unit_vnd: 200_000,
                amount_vnd: 200_000,
            },
        ],
        total_vnd: 215_000,
        method: "Thanh toán trực tuyến qua VNPAY".into(),
        transaction_no: Some("14512345".into()),
        collector: "Người thu tiền".into(),
        verify_url: "http://127.0.0.1:8080/verify/bl-0000123".into(),
    }
}

/// The text of every page, as lopdf decodes it through the fonts' ToUnicode maps, with runs of
/// whitespace collapsed.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_receipt_document_has_the_contents_of_a_receipt() {
    let doc = fee_receipt(&sample());
    assert_eq!(doc.title, FEE_RECEIPT_TITLE);
    assert_eq!(doc.letterhead.number, "0000123");
    assert_eq!(
        doc.subtitle.as_deref(),
        Some("Mẫu số/Ký hiệu: BLP-26E – Số: 0000123")
    );
    let sig = doc.signature.as_ref().unwrap();
    assert_eq!(sig.role, "NGƯỜI THU TIỀN");
    assert_eq!(sig.note, "(Đã ký số)");
    assert_eq!(
        doc.footer.qr_payload,
        "http://127.0.0.1:8080/verify/bl-0000123"
    );
    let table = doc
        .blocks
        .iter()
        .find_map(|b| match b {
            motcua_documents::Block::Table { headers, rows, .. } => Some((headers, rows)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        table.0,
        &[
            "STT",
            "Tên loại phí, lệ phí",
            "Số lượng",
            "Đơn giá",
            "Thành tiền"
        ]
    );
    assert_eq!(
        table.1,
        &[
            vec![
                "1",
                "Lệ phí cấp bản sao trích lục hộ tịch",
                "3",
                "5.000",
                "15.000"
            ],
            vec![
                "2",
                "Phí khai thác, sử dụng dữ liệu",
                "1",
                "200.000",
                "200.000"
            ],
            vec!["", "Tổng cộng", "", "", "215.000"],
        ]
    );
}

#[test]
fn the_rendered_receipt_reads_back_with_title_total_payer_and_verify_address() {
    let bytes = motcua_documents::render(&fee_receipt(&sample())).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    for needle in [
        FEE_RECEIPT_TITLE,
        "Mẫu số/Ký hiệu: BLP-26E – Số: 0000123",
        "Số: 0000123",
        "Tổ chức thu phí, lệ phí:",
        "Nguyễn Thị Hường",
        "031190000123",
        "Phường Hồng Bàng, Hải Phòng",
        "H31.10105-261124-0003",
        "Thủ tục: Cấp bản sao trích lục hộ tịch",
        "STT",
        "Tên loại phí, lệ phí",
        "Thành tiền",
        "15.000",
        "200.000",
        "Tổng cộng",
        "215.000",
        "215.000 đồng",
        "Số tiền bằng chữ:",
        "Hai trăm mười lăm nghìn đồng",
        "Thanh toán trực tuyến qua VNPAY (mã giao dịch: 14512345)",
        "http://127.0.0.1:8080/verify/bl-0000123",
        "NGƯỜI THU TIỀN",
        "(Đã ký số)",
        "ngày 24 tháng 11 năm 2026",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn cash_at_the_counter_has_no_transaction_number() {
    let mut input = sample();
    input.method = "Tiền mặt tại quầy".into();
    input.transaction_no = None;
    input.payer_address = String::new();
    let bytes = motcua_documents::render(&fee_receipt(&input)).unwrap();
    let text = pdf_text(&bytes);
    assert!(text.contains("Tiền mặt tại quầy"), "{text}");
    assert!(!text.contains("mã giao dịch"), "{text}");
    assert!(!text.contains("Địa chỉ:"), "{text}");
}
