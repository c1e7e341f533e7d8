//! The wording of the documents the one-stop issues. Notices follow the forms of Circular
//! 01/2018/TT-VPCP (Mẫu 01 receipt and appointment slip, 02 supplementation request, 03 refusal,
//! 04 apology and new date, 05 process-control sheet); results follow the essential services of
//! the demo catalogue, their facts taken from the dossier's form.

use chrono::{DateTime, Datelike, FixedOffset};

use crate::render::{Block, Document, Footer, Letterhead, Meta, SignatureBlock};

/// Who issues the document.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The body above the agency, e.g. "UBND THÀNH PHỐ HẢI PHÒNG" (may be empty).
    pub authority: String,
    pub agency: String,
    /// The place written before the date, e.g. "Hải Phòng".
    pub place: String,
}

/// What every document about a dossier knows.
#[derive(Debug, Clone)]
pub struct DossierFacts {
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub applicant_address: String,
    pub applicant_phone: String,
    /// (name, copies) of the papers received.
    pub components: Vec<(String, String)>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub due_at: Option<DateTime<FixedOffset>>,
    pub receiving_point: String,
    pub channel: String,
    pub handler: String,
}

/// `ngày 24 tháng 11 năm 2026`.
pub fn long_date(t: &DateTime<FixedOffset>) -> String {
    format!(
        "ngày {:02} tháng {:02} năm {}",
        t.day(),
        t.month(),
        t.year()
    )
}

/// `09 giờ 30 phút, ngày 24/11/2026`.
pub fn time_and_date(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{} giờ {} phút, ngày {}",
        t.format("%H"),
        t.format("%M"),
        t.format("%d/%m/%Y")
    )
}

fn letterhead(issuer: &Issuer, number: &str, at: &DateTime<FixedOffset>) -> Letterhead {
    Letterhead {
        authority: issuer.authority.to_uppercase(),
        agency: issuer.agency.to_uppercase(),
        number: number.to_owned(),
        place_and_date: format!("{}, {}", issuer.place, long_date(at)),
    }
}

fn footer(dossier_code: &str, qr_url: &str, verify: bool) -> Footer {
    let mut lines = vec![format!("Mã hồ sơ: {dossier_code}")];
    if verify {
        lines.push("Quét mã QR để kiểm tra văn bản điện tử (đã ký số) tại:".into());
    } else {
        lines.push("Quét mã QR để tra cứu tình trạng hồ sơ tại:".into());
    }
    lines.push(qr_url.to_owned());
    Footer {
        qr_payload: qr_url.to_owned(),
        lines,
    }
}

/// The notices the back office prints or sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    Receipt,
    /// Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
    Supplement,
    /// Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ.
    Refusal,
    /// Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả.
    Apology,
    /// Thông báo dừng giải quyết hồ sơ.
    Stop,
    /// Mẫu 05: Phiếu kiểm soát quá trình giải quyết hồ sơ.
    ProcessControl,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        Self::Receipt,
        Self::Supplement,
        Self::Refusal,
        Self::Apology,
        Self::Stop,
        Self::ProcessControl,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Supplement => "supplement",
            Self::Refusal => "refusal",
            Self::Apology => "apology",
            Self::Stop => "stop",
            Self::ProcessControl => "process-control",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Receipt => "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            Self::Supplement => "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            Self::Refusal => "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            Self::Apology => "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            Self::Stop => "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
            Self::ProcessControl => "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        }
    }

    /// The form's abbreviation in the document number.
    fn abbreviation(self) -> &'static str {
        match self {
            Self::Receipt => "TNHS",
            Self::Supplement => "BSHS",
            Self::Refusal => "TCHS",
            Self::Apology => "XL",
            Self::Stop => "TB",
            Self::ProcessControl => "KSHS",
        }
    }
}

/// One step of the process-control sheet.
#[derive(Debug, Clone)]
pub struct Step {
    pub at: DateTime<FixedOffset>,
    pub action: String,
    pub actor: String,
    pub agency: String,
    pub note: String,
}

/// What a notice needs beyond the dossier.
#[derive(Debug, Clone)]
pub struct NoticeInput {
    pub kind: NoticeKind,
    pub issuer: Issuer,
    pub dossier: DossierFacts,
    pub issued_at: DateTime<FixedOffset>,
    /// The reason or request written by the officer (supplementation, refusal, stop, apology).
    pub reason: String,
    /// Components asked for (supplementation).
    pub requested: Vec<String>,
    /// New date (apology).
    pub new_due_at: Option<DateTime<FixedOffset>>,
    pub steps: Vec<Step>,
    /// The public tracking address the QR code opens.
    pub tracking_url: String,
}

pub fn notice(input: &NoticeInput) -> Document {
    let d = &input.dossier;
    let number = format!("{}/{}", d.code, input.kind.abbreviation());
    let mut blocks = Vec::new();
    let applicant = vec![
        ("Ông/bà".to_owned(), d.applicant_name.clone()),
        ("Số định danh cá nhân".to_owned(), d.applicant_id.clone()),
        ("Địa chỉ".to_owned(), d.applicant_address.clone()),
        ("Số điện thoại".to_owned(), d.applicant_phone.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect::<Vec<_>>();
    let component_table = |rows: &[(String, String)]| Block::Table {
        headers: vec!["STT".into(), "Tên giấy tờ".into(), "Hình thức".into()],
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, (n, c))| vec![(i + 1).to_string(), n.clone(), c.clone()])
            .collect(),
        widths: vec![0.6, 6.0, 1.8],
    };
    match input.kind {
        NoticeKind::Receipt => {
            blocks.push(Block::Paragraph(format!(
                "{} tiếp nhận hồ sơ của:",
                d.receiving_point
            )));
            blocks.push(Block::Facts(applicant));
            blocks.push(Block::Paragraph(format!(
                "Nội dung yêu cầu giải quyết: {}.",
                d.procedure_name
            )));
            blocks.push(Block::Heading("1. Thành phần hồ sơ nộp gồm:".into()));
            blocks.push(component_table(&d.components));
            let mut facts = vec![("2. Số lượng hồ sơ".to_owned(), "01 bộ".to_owned())];
            if let Some(r) = &d.received_at {
                facts.push(("3. Thời gian tiếp nhận".into(), time_and_date(r)));
            }
            if let Some(due) = &d.due_at {
                facts.push(("4. Thời gian trả kết quả".into(), time_and_date(due)));
            }
            facts.push(("5. Hình thức nộp".into(), d.channel.clone()));
            blocks.push(Block::Facts(facts));
            blocks.push(Block::Paragraph(
                "Vào sổ theo dõi hồ sơ, quyển số: sổ điện tử (hệ thống một cửa điện tử).".into(),
            ));
        }
        NoticeKind::Supplement => {
            blocks.push(Block::Paragraph(format!(
                "{} tiếp nhận hồ sơ của ông/bà {} đề nghị giải quyết thủ tục: {}.",
                d.receiving_point, d.applicant_name, d.procedure_name
            )));
            blocks.push(Block::Paragraph(
                "Sau khi xem xét, đối chiếu với quy định, hồ sơ chưa đầy đủ, hợp lệ. Đề nghị ông/bà bổ sung, hoàn thiện các nội dung sau (một lần duy nhất):".into(),
            ));
            blocks.push(Block::Bullets(input.requested.clone()));
            if !input.reason.is_empty() {
                blocks.push(Block::Facts(vec![("Lý do".into(), input.reason.clone())]));
            }
            blocks.push(Block::Paragraph(
                "Ông/bà bổ sung trực tuyến tại tài khoản trên Cổng dịch vụ công hoặc tại Bộ phận Một cửa. Thời hạn giải quyết được tính lại từ khi nhận đủ hồ sơ.".into(),
            ));
        }
        NoticeKind::Refusal => {
            blocks.push(Block::Paragraph(format!(
                "{} tiếp nhận hồ sơ của ông/bà {} đề nghị giải quyết thủ tục: {}.",
                d.receiving_point, d.applicant_name, d.procedure_name
            )));
            blocks.push(Block::Paragraph(
                "Sau khi xem xét, đối chiếu với quy định, hồ sơ không đủ điều kiện tiếp nhận, giải quyết với lý do như sau:".into(),
            ));
            blocks.push(Block::Paragraph(input.reason.clone()));
            blocks.push(Block::Paragraph(
                "Xin thông báo để ông/bà được biết và thực hiện.".into(),
            ));
        }
        NoticeKind::Apology => {
            blocks.push(Block::Paragraph(format!(
                "Ngày {}, {} tiếp nhận hồ sơ đề nghị giải quyết thủ tục {} của ông/bà {}.",
                d.received_at
                    .as_ref()
                    .map(|t| t.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
                d.receiving_point,
                d.procedure_name,
                d.applicant_name
            )));
            blocks.push(Block::Paragraph(format!(
                "Thời gian hẹn trả kết quả: {}.",
                d.due_at.as_ref().map(time_and_date).unwrap_or_default()
            )));
            blocks.push(Block::Paragraph(format!(
                "Tuy nhiên đến nay, hồ sơ chưa giải quyết xong. Lý do: {}",
                input.reason
            )));
            blocks.push(Block::Paragraph(format!(
                "Sự chậm trễ này đã gây phiền hà cho ông/bà. Chúng tôi thành thật xin lỗi và hẹn trả kết quả vào: {}.",
                input.new_due_at.as_ref().map(time_and_date).unwrap_or_default()
            )));
        }
        NoticeKind::Stop => {
            blocks.push(Block::Paragraph(format!(
                "{} thông báo dừng giải quyết hồ sơ đề nghị giải quyết thủ tục {} của ông/bà {}.",
                input.issuer.agency, d.procedure_name, d.applicant_name
            )));
            blocks.push(Block::Facts(vec![("Lý do".into(), input.reason.clone())]));
            blocks.push(Block::Paragraph(
                "Ông/bà có thể liên hệ Bộ phận Một cửa hoặc tra cứu hồ sơ trên Cổng dịch vụ công để biết thêm chi tiết.".into(),
            ));
        }
        NoticeKind::ProcessControl => {
            blocks.push(Block::Facts(vec![
                ("Mã hồ sơ".into(), d.code.clone()),
                ("Thủ tục".into(), d.procedure_name.clone()),
                ("Người nộp".into(), d.applicant_name.clone()),
                (
                    "Ngày hẹn trả kết quả".into(),
                    d.due_at.as_ref().map(time_and_date).unwrap_or_default(),
                ),
            ]));
            blocks.push(Block::Table {
                headers: vec![
                    "Thời gian".into(),
                    "Bước".into(),
                    "Người thực hiện".into(),
                    "Cơ quan".into(),
                    "Ghi chú".into(),
                ],
                rows: input
                    .steps
                    .iter()
                    .map(|s| {
                        vec![
                            s.at.format("%H:%M %d/%m/%Y").to_string(),
                            s.action.clone(),
                            s.actor.clone(),
                            s.agency.clone(),
                            s.note.clone(),
                        ]
                    })
                    .collect(),
                widths: vec![1.6, 2.0, 2.0, 2.4, 2.4],
            });
        }
    }
    Document {
        letterhead: letterhead(&input.issuer, &number, &input.issued_at),
        title: input.kind.title().into(),
        subtitle: Some(format!("Mã hồ sơ: {}", d.code)),
        blocks,
        signature: Some(SignatureBlock {
            role: if input.kind == NoticeKind::Receipt || input.kind == NoticeKind::ProcessControl {
                "NGƯỜI TIẾP NHẬN".into()
            } else {
                "TM. CƠ QUAN".into()
            },
            note: "(Văn bản điện tử từ hệ thống một cửa)".into(),
            name: d.handler.clone(),
        }),
        recipients: vec![
            format!("Ông/bà {}", d.applicant_name),
            "Lưu: hồ sơ điện tử".into(),
        ],
        footer: footer(&d.code, &input.tracking_url, false),
        meta: Meta {
            title: format!("{} – {}", input.kind.title(), d.code),
            language: "vi".into(),
            issued_at: input.issued_at,
            document_id: format!("{}-{}", d.code, input.kind.slug()),
        },
    }
}

/// What a result document needs.
#[derive(Debug, Clone)]
pub struct ResultInput {
    pub document_id: String,
    pub procedure_code: String,
    /// The catalogue's description of the result.
    pub result_document: String,
    pub issuer: Issuer,
    pub number: String,
    pub issued_at: DateTime<FixedOffset>,
    pub dossier: DossierFacts,
    /// (label, value) of the form, in form order.
    pub fields: Vec<(String, String)>,
    /// What the official decided, written at issue (e.g. the criminal-record finding).
    pub decision: String,
    /// The signer's role and name on the signature block.
    pub signer_role: String,
    pub signer_name: String,
    pub verify_url: String,
}

/// The title of the result of a procedure: a named certificate for the essential services, the
/// catalogue's own result name otherwise.
pub fn result_title(procedure_code: &str, result_document: &str) -> String {
    match procedure_code {
        "1.001193" | "1.004884" | "3.000722" => "GIẤY KHAI SINH".into(),
        "1.000656" | "2.002913" => "TRÍCH LỤC KHAI TỬ".into(),
        "1.000894" => "GIẤY CHỨNG NHẬN KẾT HÔN".into(),
        "1.004873" => "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN".into(),
        "1.010041" => "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ".into(),
        "1.004222" | "1.004194" | "1.003197" | "1.003677" => {
            "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC VỀ CƯ TRÚ".into()
        }
        "3.000333" => "PHIẾU LÝ LỊCH TƯ PHÁP".into(),
        "1.001612" => "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH".into(),
        _ => {
            let first = result_document
                .split(['(', ';', ','])
                .next()
                .unwrap_or(result_document)
                .trim();
            if first.is_empty() {
                "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH".into()
            } else {
                first.to_uppercase()
            }
        }
    }
}

fn result_statement(input: &ResultInput) -> String {
    let d = &input.dossier;
    match input.procedure_code.as_str() {
        "1.001193" | "1.004884" | "3.000722" => {
            "Đã đăng ký khai sinh cho người có tên dưới đây, theo tờ khai của người yêu cầu:".into()
        }
        "1.000894" => "Chứng nhận hai bên nam, nữ có tên dưới đây đã đăng ký kết hôn:".into(),
        "1.010041" => format!(
            "{} xác nhận thông tin về cư trú của công dân có tên dưới đây:",
            input.issuer.agency
        ),
        "3.000333" => "Cấp Phiếu lý lịch tư pháp cho người có tên dưới đây:".into(),
        "1.001612" => format!(
            "{} chứng nhận hộ kinh doanh dưới đây đã đăng ký kinh doanh, mã số hộ kinh doanh: {}.",
            input.issuer.agency, d.code
        ),
        _ => format!(
            "{} thông báo kết quả giải quyết thủ tục {} theo hồ sơ {} của ông/bà {}:",
            input.issuer.agency, d.procedure_name, d.code, d.applicant_name
        ),
    }
}

pub fn result(input: &ResultInput) -> Document {
    let title = result_title(&input.procedure_code, &input.result_document);
    let mut blocks = vec![Block::Paragraph(result_statement(input))];
    let facts: Vec<(String, String)> = input
        .fields
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .cloned()
        .collect();
    if !facts.is_empty() {
        blocks.push(Block::Facts(facts));
    }
    if !input.decision.trim().is_empty() {
        blocks.push(Block::Heading("Nội dung giải quyết:".into()));
        blocks.push(Block::Paragraph(input.decision.clone()));
    }
    blocks.push(Block::Paragraph(format!(
        "Văn bản này là kết quả giải quyết hồ sơ {} ({}), được ký số và có giá trị pháp lý như bản giấy (Nghị định 45/2020/NĐ-CP, Điều 25).",
        input.dossier.code, input.dossier.procedure_name
    )));
    Document {
        letterhead: letterhead(&input.issuer, &input.number, &input.issued_at),
        title: title.clone(),
        subtitle: None,
        blocks,
        signature: Some(SignatureBlock {
            role: input.signer_role.to_uppercase(),
            note: "(Đã ký số)".into(),
            name: input.signer_name.clone(),
        }),
        recipients: vec![
            format!("Ông/bà {}", input.dossier.applicant_name),
            "Lưu: hồ sơ điện tử".into(),
        ],
        footer: footer(&input.dossier.code, &input.verify_url, true),
        meta: Meta {
            title: format!("{title} – {}", input.number),
            language: "vi".into(),
            issued_at: input.issued_at,
            document_id: input.document_id.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> DossierFacts {
        DossierFacts {
            code: "H31.10105-261124-0003".into(),
            procedure_name: "Xác nhận thông tin về cư trú".into(),
            applicant_name: "Nguyễn Thị Hường".into(),
            applicant_id: "031190000123".into(),
            applicant_address: "Phường Hồng Bàng, Hải Phòng".into(),
            applicant_phone: String::new(),
            components: vec![(
                "Tờ khai thay đổi thông tin cư trú".into(),
                "Bản điện tử".into(),
            )],
            received_at: DateTime::parse_from_rfc3339("2026-11-24T09:30:00+07:00").ok(),
            due_at: DateTime::parse_from_rfc3339("2026-11-27T17:00:00+07:00").ok(),
            receiving_point: "Bộ phận Một cửa phường Hồng Bàng".into(),
            channel: "Trực tuyến".into(),
            handler: "Lê Văn Tiếp".into(),
        }
    }

    fn issuer() -> Issuer {
        Issuer {
            authority: "UBND thành phố Hải Phòng".into(),
            agency: "Ủy ban nhân dân phường Hồng Bàng".into(),
            place: "Hải Phòng".into(),
        }
    }

    #[test]
    fn every_notice_renders_with_its_form_title_and_the_dossier_code() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+07:00").unwrap_or_default();
        for kind in NoticeKind::ALL {
            let doc = notice(&NoticeInput {
                kind,
                issuer: issuer(),
                dossier: facts(),
                issued_at: at,
                reason: "Thiếu giấy tờ chứng minh chỗ ở hợp pháp.".into(),
                requested: vec!["Giấy tờ chứng minh chỗ ở hợp pháp".into()],
                new_due_at: DateTime::parse_from_rfc3339("2026-12-02T17:00:00+07:00").ok(),
                steps: vec![Step {
                    at,
                    action: "Tiếp nhận".into(),
                    actor: "Lê Văn Tiếp".into(),
                    agency: "UBND phường Hồng Bàng".into(),
                    note: String::new(),
                }],
                tracking_url: "http://x/track?code=H31.10105-261124-0003".into(),
            });
            assert_eq!(doc.title, kind.title());
            assert_eq!(NoticeKind::from_slug(kind.slug()), Some(kind));
            assert!(doc.letterhead.number.starts_with("H31.10105-261124-0003/"));
            let pdf = crate::render::render(&doc);
            assert!(pdf.is_ok(), "{kind:?}: {pdf:?}");
        }
    }

    #[test]
    fn results_are_named_after_the_service() {
        assert_eq!(result_title("1.001193", ""), "GIẤY KHAI SINH");
        assert_eq!(
            result_title("1.001612", ""),
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"
        );
        assert_eq!(
            result_title("1.001731", "Quyết định hỗ trợ chi phí mai táng"),
            "QUYẾT ĐỊNH HỖ TRỢ CHI PHÍ MAI TÁNG"
        );
        assert_eq!(
            long_date(
                &DateTime::parse_from_rfc3339("2026-01-05T10:00:00+07:00").unwrap_or_default()
            ),
            "ngày 05 tháng 01 năm 2026"
        );
    }
}
