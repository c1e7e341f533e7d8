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
    pub submitted_at: Option<DateTime<FixedOffset>>,
    /// When the office must have received it or asked for more (the receipt deadline).
    pub receipt_due_at: Option<DateTime<FixedOffset>>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub due_at: Option<DateTime<FixedOffset>>,
    pub receiving_point: String,
    pub channel: String,
    pub handler: String,
    /// (line, quantity, amount) of the fees, computed from the form; empty when free.
    pub fees: Vec<(String, u32, i64)>,
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
    /// Biên nhận nộp hồ sơ trực tuyến: the portal's acknowledgement that an application was sent,
    /// downloadable at once, before any office has received it.
    Submitted,
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
    pub const ALL: [NoticeKind; 7] = [
        Self::Submitted,
        Self::Receipt,
        Self::Supplement,
        Self::Refusal,
        Self::Apology,
        Self::Stop,
        Self::ProcessControl,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
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
            Self::Submitted => "BIÊN NHẬN NỘP HỒ SƠ TRỰC TUYẾN",
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
            Self::Submitted => "NHS",
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
        NoticeKind::Submitted => {
            blocks.push(Block::Paragraph(format!(
                "Cổng dịch vụ công đã nhận hồ sơ nộp trực tuyến gửi {} của:",
                d.receiving_point
            )));
            blocks.push(Block::Facts(applicant));
            blocks.push(Block::Paragraph(format!(
                "Nội dung yêu cầu giải quyết: {}.",
                d.procedure_name
            )));
            blocks.push(Block::Heading("1. Thành phần hồ sơ đã nộp:".into()));
            blocks.push(component_table(&d.components));
            let mut facts = Vec::new();
            if let Some(at) = &d.submitted_at {
                facts.push(("2. Thời gian nộp".to_owned(), time_and_date(at)));
            }
            if let Some(due) = &d.receipt_due_at {
                facts.push((
                    "3. Hạn kiểm tra, tiếp nhận hồ sơ".to_owned(),
                    time_and_date(due),
                ));
            }
            facts.push(("4. Hình thức nộp".into(), d.channel.clone()));
            blocks.push(Block::Facts(facts));
            blocks.push(Block::Paragraph(
                "Biên nhận này xác nhận hồ sơ đã được gửi đến cơ quan, chưa phải Giấy tiếp nhận hồ sơ và hẹn trả kết quả. \
                 Khi cơ quan tiếp nhận hoặc cần bổ sung, ông/bà được thông báo và tra cứu được bằng mã hồ sơ trên."
                    .into(),
            ));
        }
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
            let total: i64 = d.fees.iter().map(|(_, _, a)| a).sum();
            facts.push((
                "6. Phí, lệ phí".into(),
                if total == 0 {
                    "Không phải nộp".into()
                } else {
                    format!("{} đồng", format_vnd(total))
                },
            ));
            blocks.push(Block::Facts(facts));
            if total > 0 {
                blocks.push(Block::Table {
                    headers: vec![
                        "STT".into(),
                        "Khoản phí, lệ phí".into(),
                        "Số lượng".into(),
                        "Thành tiền (đồng)".into(),
                    ],
                    rows: d
                        .fees
                        .iter()
                        .enumerate()
                        .map(|(i, (n, q, a))| {
                            vec![
                                (i + 1).to_string(),
                                n.clone(),
                                q.to_string(),
                                format_vnd(*a),
                            ]
                        })
                        .collect(),
                    widths: vec![0.6, 5.0, 1.2, 1.8],
                });
            }
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

/// The lines above a signer's name (Decree 30/2020/NĐ-CP, Appendix I, part I.8: the authority
/// and position of the signer). A body that decides collectively (a people's committee) signs
/// "TM." (on behalf of) the body; a deputy signs "KT." (for) the head; the signer's own position
/// closes. `body` is the kind of body without its place ("Ủy ban nhân dân"), `title` the
/// signer's position from their profile ("Phó Chủ tịch"); without a title, the body signs.
pub fn signature_lines(body: &str, collective: bool, title: &str) -> String {
    let title = title.trim();
    let mut lines = Vec::new();
    if collective && !body.trim().is_empty() {
        lines.push(format!("TM. {}", body.trim().to_uppercase()));
    }
    if let Some(head) = title
        .strip_prefix("Phó ")
        .or_else(|| title.strip_prefix("phó "))
    {
        lines.push(format!("KT. {}", head.trim().to_uppercase()));
    }
    if !title.is_empty() {
        lines.push(title.to_uppercase());
    }
    if lines.is_empty() {
        lines.push(body.trim().to_uppercase());
    }
    lines.join("\n")
}

/// A person named on a civil-status paper.
#[derive(Debug, Clone, Default)]
pub struct CivilPerson {
    pub name: String,
    /// Year or dd/mm/yyyy, as the form holds it.
    pub born: String,
    pub ethnicity: String,
    pub nationality: String,
    pub residence: String,
    pub id_number: String,
}

/// The entry of a civil-status paper in the agency's register and who signs it: what the birth
/// certificate, the death extract and the marriage certificate share (Circular 04/2020/TT-BTP
/// forms: the number and book of the entry, place and date, the signer's position and name).
#[derive(Debug, Clone)]
pub struct RegisterEntry {
    pub document_id: String,
    pub issuer: Issuer,
    /// The register entry: "Số" and "Quyển số".
    pub entry_number: String,
    pub book: String,
    /// The number in the register of issued documents (the PDF's title, as for every result).
    pub register_number: String,
    pub issued_at: DateTime<FixedOffset>,
    pub dossier_code: String,
    pub signature_role: String,
    pub signer_name: String,
    pub verify_url: String,
    /// An unsigned draft shown to the clerk before issuing.
    pub draft: bool,
}

/// What the birth certificate (Giấy khai sinh) states, following the Ministry of Justice's form:
/// the child, the parents, the register entry, the place and date of registration.
#[derive(Debug, Clone)]
pub struct BirthCertificateInput {
    pub entry: RegisterEntry,
    pub child_name: String,
    pub date_of_birth: chrono::NaiveDate,
    pub sex: String,
    pub ethnicity: String,
    pub nationality: String,
    pub place_of_birth: String,
    pub home_town: String,
    /// Issued by the national population database; empty until it is.
    pub personal_id: String,
    pub mother: CivilPerson,
    pub father: Option<CivilPerson>,
    pub declarant_name: String,
    pub declarant_id: String,
    pub relation: String,
}

/// Facts that the paper prints on one line ("Năm sinh / Dân tộc: 1990 / Kinh"), keeping only
/// those that are known.
fn joined(pairs: &[(&str, &str)]) -> Option<(String, String)> {
    let known: Vec<&(&str, &str)> = pairs.iter().filter(|(_, v)| !v.trim().is_empty()).collect();
    if known.is_empty() {
        return None;
    }
    let label = known
        .iter()
        .map(|(l, _)| *l)
        .collect::<Vec<_>>()
        .join(" / ");
    let value = known
        .iter()
        .map(|(_, v)| v.trim())
        .collect::<Vec<_>>()
        .join(" / ");
    Some((label, value))
}

/// The facts that are known, in order: a paper leaves out what the registration did not state
/// rather than printing blank lines.
fn known(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(l, v)| ((*l).to_owned(), v.trim().to_owned()))
        .collect()
}

fn person_facts(p: &CivilPerson) -> Vec<(String, String)> {
    let mut out = vec![("Họ, chữ đệm, tên".to_owned(), p.name.clone())];
    out.extend(joined(&[
        ("Năm sinh", &p.born),
        ("Dân tộc", &p.ethnicity),
        ("Quốc tịch", &p.nationality),
    ]));
    out.extend(known(&[
        ("Nơi cư trú", &p.residence),
        ("Số định danh cá nhân", &p.id_number),
    ]));
    out
}

/// A civil-status paper: its titled parts of facts, then the registration, under the register
/// entry's letterhead and above the signer.
fn civil_paper(
    title: &str,
    parts: Vec<(String, Vec<(String, String)>)>,
    entry: &RegisterEntry,
) -> Document {
    let mut blocks = Vec::new();
    for (heading, facts) in parts {
        if facts.is_empty() {
            continue;
        }
        blocks.push(Block::Heading(heading));
        blocks.push(Block::Facts(facts));
    }
    if entry.draft {
        blocks.push(Block::Paragraph(
            "BẢN XEM TRƯỚC — chưa ký số, chưa có giá trị pháp lý.".into(),
        ));
    }
    Document {
        letterhead: Letterhead {
            authority: entry.issuer.authority.to_uppercase(),
            agency: entry.issuer.agency.to_uppercase(),
            // The register entry, where the form has it: "Số: 12, Quyển số: 01/2026".
            number: format!("{}, Quyển số: {}", entry.entry_number, entry.book),
            place_and_date: format!("{}, {}", entry.issuer.place, long_date(&entry.issued_at)),
        },
        title: title.into(),
        subtitle: None,
        blocks,
        signature: Some(SignatureBlock {
            role: entry.signature_role.clone(),
            note: if entry.draft {
                "(Chưa ký)".into()
            } else {
                "(Đã ký số)".into()
            },
            name: entry.signer_name.clone(),
        }),
        recipients: Vec::new(),
        footer: footer(&entry.dossier_code, &entry.verify_url, !entry.draft),
        meta: Meta {
            title: format!("{title} – {}", entry.register_number),
            language: "vi".into(),
            issued_at: entry.issued_at,
            document_id: entry.document_id.clone(),
        },
    }
}

/// The registration part every civil-status paper ends with.
fn registration(
    declarant: (&str, &str, &str),
    what: &str,
    entry: &RegisterEntry,
) -> Vec<(String, String)> {
    let (name, relation, id) = declarant;
    let mut out = Vec::new();
    if !name.trim().is_empty() {
        let who = if relation.trim().is_empty() {
            name.trim().to_owned()
        } else {
            format!("{} ({})", name.trim(), relation.trim())
        };
        out.push((format!("Người đi {what}"), who));
    }
    out.extend(known(&[("Giấy tờ tùy thân", id)]));
    out.push((format!("Nơi đăng ký {what}"), entry.issuer.agency.clone()));
    out.push((
        "Ngày đăng ký".into(),
        entry.issued_at.format("%d/%m/%Y").to_string(),
    ));
    out
}

/// A date the form holds (ISO), as the paper writes it: dd/mm/yyyy; anything else as it is.
pub fn paper_date(value: &str) -> String {
    motcua_domain::form::parse_form_date(value.trim())
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|| value.trim().to_owned())
}

/// The birth certificate: the statutory facts, never a printout of the application.
pub fn birth_certificate(input: &BirthCertificateInput) -> Document {
    let dob = input.date_of_birth;
    let mut child = vec![
        ("Họ, chữ đệm, tên".to_owned(), input.child_name.clone()),
        (
            "Ngày, tháng, năm sinh".to_owned(),
            dob.format("%d/%m/%Y").to_string(),
        ),
        (
            "Ghi bằng chữ".to_owned(),
            motcua_domain::text::date_in_words_vi(dob),
        ),
    ];
    child.extend(joined(&[
        ("Giới tính", &input.sex),
        ("Dân tộc", &input.ethnicity),
        ("Quốc tịch", &input.nationality),
    ]));
    child.extend([
        ("Nơi sinh".to_owned(), input.place_of_birth.clone()),
        ("Quê quán".to_owned(), input.home_town.clone()),
    ]);
    child.extend(known(&[("Số định danh cá nhân", &input.personal_id)]));
    let mut parts = vec![("Người được khai sinh".to_owned(), child)];
    // A parent left out of the registration (Law on Civil Status, Art. 15) is left out here too,
    // not printed as blank lines.
    for (heading, parent) in [("Mẹ", Some(&input.mother)), ("Cha", input.father.as_ref())] {
        if let Some(p) = parent.filter(|p| !p.name.trim().is_empty()) {
            parts.push((heading.to_owned(), person_facts(p)));
        }
    }
    parts.push((
        "Đăng ký khai sinh".to_owned(),
        registration(
            (&input.declarant_name, &input.relation, &input.declarant_id),
            "khai sinh",
            &input.entry,
        ),
    ));
    civil_paper("GIẤY KHAI SINH", parts, &input.entry)
}

/// What the death extract (Trích lục khai tử) states, following the Ministry of Justice's form
/// (Circular 04/2020/TT-BTP): the deceased, the death, the notice of death, the registration.
#[derive(Debug, Clone)]
pub struct DeathExtractInput {
    pub entry: RegisterEntry,
    pub name: String,
    /// dd/mm/yyyy.
    pub date_of_birth: String,
    pub sex: String,
    pub ethnicity: String,
    pub nationality: String,
    pub personal_id: String,
    pub last_residence: String,
    /// dd/mm/yyyy.
    pub died_on: String,
    pub place_of_death: String,
    pub cause: String,
    /// The death notice (giấy báo tử) or the paper in its place: number, date, issuer.
    pub death_notice: String,
    pub declarant_name: String,
    pub declarant_id: String,
    pub relation: String,
}

/// The death extract: the statutory facts, never a printout of the application.
pub fn death_extract(input: &DeathExtractInput) -> Document {
    let mut deceased = vec![("Họ, chữ đệm, tên".to_owned(), input.name.clone())];
    deceased.extend(known(&[("Ngày, tháng, năm sinh", &input.date_of_birth)]));
    deceased.extend(joined(&[
        ("Giới tính", &input.sex),
        ("Dân tộc", &input.ethnicity),
        ("Quốc tịch", &input.nationality),
    ]));
    deceased.extend(known(&[
        ("Số định danh cá nhân", &input.personal_id),
        ("Nơi cư trú cuối cùng", &input.last_residence),
    ]));
    let death = known(&[
        ("Đã chết vào ngày", &input.died_on),
        ("Nơi chết", &input.place_of_death),
        ("Nguyên nhân chết", &input.cause),
        ("Giấy báo tử/giấy tờ thay thế", &input.death_notice),
    ]);
    civil_paper(
        "TRÍCH LỤC KHAI TỬ",
        vec![
            ("Người đã chết".to_owned(), deceased),
            ("Việc chết".to_owned(), death),
            (
                "Đăng ký khai tử".to_owned(),
                registration(
                    (&input.declarant_name, &input.relation, &input.declarant_id),
                    "khai tử",
                    &input.entry,
                ),
            ),
        ],
        &input.entry,
    )
}

/// One spouse on the marriage certificate.
#[derive(Debug, Clone, Default)]
pub struct Spouse {
    pub name: String,
    /// dd/mm/yyyy.
    pub date_of_birth: String,
    pub ethnicity: String,
    pub nationality: String,
    pub residence: String,
    pub personal_id: String,
}

/// What the marriage certificate (Giấy chứng nhận kết hôn) states, following the Ministry of
/// Justice's form: the wife, the husband, the registration; both sign it with the official.
#[derive(Debug, Clone)]
pub struct MarriageCertificateInput {
    pub entry: RegisterEntry,
    pub wife: Spouse,
    pub husband: Spouse,
}

/// The marriage certificate: the statutory facts, never a printout of the application.
pub fn marriage_certificate(input: &MarriageCertificateInput) -> Document {
    let spouse = |p: &Spouse| {
        let mut out = vec![("Họ, chữ đệm, tên".to_owned(), p.name.clone())];
        out.extend(known(&[("Ngày, tháng, năm sinh", &p.date_of_birth)]));
        out.extend(joined(&[
            ("Dân tộc", &p.ethnicity),
            ("Quốc tịch", &p.nationality),
        ]));
        out.extend(known(&[
            ("Nơi cư trú", &p.residence),
            ("Số định danh cá nhân", &p.personal_id),
        ]));
        out
    };
    let registered = vec![
        (
            "Nơi đăng ký kết hôn".to_owned(),
            input.entry.issuer.agency.clone(),
        ),
        (
            "Ngày đăng ký".to_owned(),
            input.entry.issued_at.format("%d/%m/%Y").to_string(),
        ),
        // Law on Civil Status, Art. 18(2): both parties sign the register and the certificate
        // before the civil-status officer.
        (
            "Chữ ký của hai bên".to_owned(),
            "Vợ và chồng ký khi nhận Giấy chứng nhận kết hôn".to_owned(),
        ),
    ];
    civil_paper(
        "GIẤY CHỨNG NHẬN KẾT HÔN",
        vec![
            ("Thông tin của bên vợ".to_owned(), spouse(&input.wife)),
            ("Thông tin của bên chồng".to_owned(), spouse(&input.husband)),
            ("Đăng ký kết hôn".to_owned(), registered),
        ],
        &input.entry,
    )
}

/// What the result of a residence procedure states (Thông báo kết quả giải quyết thủ tục về cư
/// trú, the Ministry of Public Security's form CT08): to whom it is addressed, what the police did
/// for whom, and the residence facts (where, the household, since or until when). Never a printout
/// of the application.
#[derive(Debug, Clone)]
pub struct ResidenceNoticeInput {
    pub document_id: String,
    pub issuer: Issuer,
    pub number: String,
    pub issued_at: DateTime<FixedOffset>,
    pub dossier_code: String,
    /// The applicant, to whom the notice is addressed.
    pub addressee: String,
    /// What the agency did, completing "{agency} thông báo …": "đã đăng ký thường trú cho công
    /// dân có thông tin dưới đây".
    pub outcome: String,
    /// The citizen whose residence changed.
    pub person: Vec<(String, String)>,
    /// Where, the household, the dates.
    pub residence: Vec<(String, String)>,
    /// What the official wrote at issue, if anything.
    pub note: String,
    pub signer_role: String,
    pub signer_name: String,
    pub verify_url: String,
    /// An unsigned draft shown to the clerk before issuing.
    pub draft: bool,
}

/// The residence notice (form CT08).
pub fn residence_notice(input: &ResidenceNoticeInput) -> Document {
    let mut blocks = vec![
        Block::Paragraph(format!("Kính gửi: Ông/bà {}", input.addressee.trim())),
        Block::Paragraph(format!(
            "{} thông báo {}:",
            input.issuer.agency,
            input.outcome.trim()
        )),
    ];
    for (heading, facts) in [
        ("Thông tin công dân", &input.person),
        ("Nội dung", &input.residence),
    ] {
        let facts: Vec<(String, String)> = facts
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .cloned()
            .collect();
        if !facts.is_empty() {
            blocks.push(Block::Heading(heading.into()));
            blocks.push(Block::Facts(facts));
        }
    }
    if !input.note.trim().is_empty() {
        blocks.push(Block::Heading("Ghi chú".into()));
        blocks.push(Block::Paragraph(input.note.trim().to_owned()));
    }
    blocks.push(Block::Paragraph(format!(
        "Thông tin trên đã được cập nhật vào Cơ sở dữ liệu về cư trú. Văn bản này là kết quả giải quyết hồ sơ {}, được ký số và có giá trị pháp lý như bản giấy (Nghị định 45/2020/NĐ-CP, Điều 25).",
        input.dossier_code
    )));
    if input.draft {
        blocks.push(Block::Paragraph(
            "BẢN XEM TRƯỚC — chưa ký số, chưa có giá trị pháp lý.".into(),
        ));
    }
    let title = "THÔNG BÁO";
    Document {
        letterhead: letterhead(&input.issuer, &input.number, &input.issued_at),
        title: title.into(),
        subtitle: Some("Về kết quả giải quyết thủ tục về cư trú".into()),
        blocks,
        signature: Some(SignatureBlock {
            role: input.signer_role.to_uppercase(),
            note: if input.draft {
                "(Chưa ký)".into()
            } else {
                "(Đã ký số)".into()
            },
            name: input.signer_name.clone(),
        }),
        recipients: vec!["Như trên".into(), "Lưu: hồ sơ điện tử".into()],
        footer: footer(&input.dossier_code, &input.verify_url, !input.draft),
        meta: Meta {
            title: format!(
                "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC VỀ CƯ TRÚ – {}",
                input.number
            ),
            language: "vi".into(),
            issued_at: input.issued_at,
            document_id: input.document_id.clone(),
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

/// What an electronic fee receipt (biên lai thu phí, lệ phí điện tử) needs. The content follows
/// Decree 123/2020/NĐ-CP, Art. 32 (as amended by Decree 70/2025/NĐ-CP, guided by Circular
/// 32/2025/TT-BTC): the receipt's name, template symbol and series, number, the collecting
/// organisation, the payer, the fees and amounts, the date and the collector's (digital)
/// signature.
#[derive(Debug, Clone)]
pub struct FeeReceiptInput {
    /// The collecting organisation.
    pub issuer: Issuer,
    /// Template symbol and series as printed after "Mẫu số/Ký hiệu:", e.g. "BLP-26E".
    pub series: String,
    /// The receipt number, e.g. "0000123".
    pub number: String,
    pub issued_at: DateTime<FixedOffset>,
    pub payer_name: String,
    /// Personal identification number or tax code.
    pub payer_id: String,
    pub payer_address: String,
    pub dossier_code: String,
    pub procedure_name: String,
    pub lines: Vec<FeeReceiptLine>,
    /// The amount collected, in đồng.
    pub total_vnd: i64,
    /// E.g. "Thanh toán trực tuyến qua VNPAY" or "Tiền mặt tại quầy".
    pub method: String,
    /// The payment gateway's transaction number, for online payments.
    pub transaction_no: Option<String>,
    /// The signer's role line, e.g. "Người thu tiền" (written in capitals; lines split at '\n').
    pub collector: String,
    /// Where the receipt can be checked; also the QR code's payload.
    pub verify_url: String,
}

/// One fee or charge on a receipt, amounts in đồng.
#[derive(Debug, Clone)]
pub struct FeeReceiptLine {
    pub name: String,
    pub quantity: u32,
    pub unit_vnd: i64,
    pub amount_vnd: i64,
}

/// The receipt's name (Decree 123/2020/NĐ-CP, Art. 32).
pub const FEE_RECEIPT_TITLE: &str = "BIÊN LAI THU PHÍ, LỆ PHÍ";

/// An amount in figures with dots between thousands, as Vietnamese documents write it:
/// `200000` → `200.000`, `-1500000` → `-1.500.000`.
pub fn format_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let n = digits.chars().count();
    let mut out = String::with_capacity(n + n / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn digit_word(d: u64) -> &'static str {
    match d {
        0 => "không",
        1 => "một",
        2 => "hai",
        3 => "ba",
        4 => "bốn",
        5 => "năm",
        6 => "sáu",
        7 => "bảy",
        8 => "tám",
        _ => "chín",
    }
}

/// Reads a group of three digits (0 < n < 1000). `full` is set when a larger group was read
/// before it: the group is then read with all three digits ("không trăm linh năm").
fn read_group(n: u64, full: bool, out: &mut Vec<&'static str>) {
    let (h, t, u) = (n / 100, n / 10 % 10, n % 10);
    let hundreds = full || h > 0;
    if hundreds {
        out.push(digit_word(h));
        out.push("trăm");
    }
    match t {
        0 => {
            if u > 0 {
                if hundreds {
                    out.push("linh");
                }
                out.push(digit_word(u));
            }
        }
        1 => {
            out.push("mười");
            match u {
                0 => {}
                5 => out.push("lăm"),
                d => out.push(digit_word(d)),
            }
        }
        _ => {
            out.push(digit_word(t));
            out.push("mươi");
            match u {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push("tư"),
                5 => out.push("lăm"),
                d => out.push(digit_word(d)),
            }
        }
    }
}

/// Reads 0 < n < 10⁹ as millions, thousands and units; groups that are zero are skipped.
fn read_below_billion(n: u64, leading: bool, out: &mut Vec<&'static str>) {
    let mut started = !leading;
    for (group, scale) in [
        (n / 1_000_000, Some("triệu")),
        (n / 1_000 % 1_000, Some("nghìn")),
        (n % 1_000, None),
    ] {
        if group == 0 {
            continue;
        }
        read_group(group, started, out);
        if let Some(s) = scale {
            out.push(s);
        }
        started = true;
    }
}

/// Reads n > 0; amounts of a thousand billion and more read their billions as a number
/// ("một nghìn tỷ", "một tỷ tỷ").
fn read_number(n: u64, out: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    if n >= BILLION {
        read_number(n / BILLION, out);
        out.push("tỷ");
        let rest = n % BILLION;
        if rest > 0 {
            read_below_billion(rest, false, out);
        }
    } else {
        read_below_billion(n, true, out);
    }
}

/// An amount in words, as receipts and invoices write "Số tiền bằng chữ": first letter capital,
/// ending in " đồng".
///
/// Convention (the northern written standard used by e-invoice and e-receipt software):
/// - scales "nghìn", "triệu", "tỷ"; above 999 tỷ the billions are read as a number
///   ("Một nghìn tỷ đồng");
/// - "mười" for ten, "mươi" for 20–90; after "mươi" (20 and up) 1 is "mốt" and 4 is "tư"
///   ("hai mươi mốt", "hai mươi tư"), but "mười một", "mười bốn";
/// - 5 after a tens digit is "lăm" ("mười lăm", "hai mươi lăm"), otherwise "năm" ("linh năm");
/// - a zero tens digit before a non-zero unit is "linh" ("một trăm linh năm", never "lẻ"), and
///   the unit after "linh" keeps its plain word ("linh một", "linh bốn");
/// - a group that is zero is skipped entirely ("Một triệu không trăm linh một đồng" for
///   1 000 001, no "không nghìn"); a non-zero group after a larger one is read with all three
///   digits, so its hundreds are kept as "không trăm" ("Một triệu không trăm linh năm nghìn
///   đồng" for 1 005 000, "Mười nghìn không trăm mười đồng" for 10 010);
/// - zero is "Không đồng"; a negative amount is prefixed "Âm ".
pub fn vnd_in_words(amount: i64) -> String {
    let n = amount.unsigned_abs();
    let mut words: Vec<&'static str> = Vec::new();
    if amount < 0 {
        words.push("âm");
    }
    if n == 0 {
        words.push("không");
    } else {
        read_number(n, &mut words);
    }
    words.push("đồng");
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// The electronic fee receipt: the collecting organisation's letterhead with the receipt number,
/// the receipt's name, template symbol, series and number, the payer, the fees, the total in
/// figures and in words, how it was paid, and the digital signature of the collector.
pub fn fee_receipt(input: &FeeReceiptInput) -> Document {
    let mut blocks = Vec::new();
    blocks.push(Block::Facts(vec![
        (
            "Tổ chức thu phí, lệ phí".to_owned(),
            input.issuer.agency.clone(),
        ),
        ("Thời điểm lập".to_owned(), time_and_date(&input.issued_at)),
    ]));
    let payer = vec![
        ("Họ tên người nộp".to_owned(), input.payer_name.clone()),
        ("Số định danh/Mã số thuế".to_owned(), input.payer_id.clone()),
        ("Địa chỉ".to_owned(), input.payer_address.clone()),
        ("Mã hồ sơ".to_owned(), input.dossier_code.clone()),
        ("Thủ tục".to_owned(), input.procedure_name.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .collect::<Vec<_>>();
    blocks.push(Block::Facts(payer));
    blocks.push(Block::Paragraph("Đơn vị tính: đồng".into()));
    let mut rows: Vec<Vec<String>> = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.name.clone(),
                l.quantity.to_string(),
                format_vnd(l.unit_vnd),
                format_vnd(l.amount_vnd),
            ]
        })
        .collect();
    rows.push(vec![
        String::new(),
        "Tổng cộng".into(),
        String::new(),
        String::new(),
        format_vnd(input.total_vnd),
    ]);
    blocks.push(Block::Table {
        headers: vec![
            "STT".into(),
            "Tên loại phí, lệ phí".into(),
            "Số lượng".into(),
            "Đơn giá".into(),
            "Thành tiền".into(),
        ],
        rows,
        widths: vec![0.75, 4.1, 1.2, 1.6, 1.8],
    });
    let method = match input
        .transaction_no
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(tx) => format!("{} (mã giao dịch: {tx})", input.method),
        None => input.method.clone(),
    };
    blocks.push(Block::Facts(vec![
        (
            "Tổng số tiền".to_owned(),
            format!("{} đồng", format_vnd(input.total_vnd)),
        ),
        ("Số tiền bằng chữ".to_owned(), vnd_in_words(input.total_vnd)),
        ("Hình thức thanh toán".to_owned(), method),
    ]));
    blocks.push(Block::Paragraph(format!(
        "Biên lai điện tử lập theo Nghị định 123/2020/NĐ-CP về hóa đơn, chứng từ, đã được ký số bởi {}; bản thể hiện này có giá trị như biên lai điện tử. Tra cứu, kiểm tra biên lai tại: {}",
        input.issuer.agency, input.verify_url
    )));
    Document {
        letterhead: letterhead(&input.issuer, &input.number, &input.issued_at),
        title: FEE_RECEIPT_TITLE.into(),
        subtitle: Some(format!(
            "Mẫu số/Ký hiệu: {} – Số: {}",
            input.series, input.number
        )),
        blocks,
        signature: Some(SignatureBlock {
            role: input.collector.to_uppercase(),
            note: "(Đã ký số)".into(),
            name: input.issuer.agency.clone(),
        }),
        recipients: Vec::new(),
        footer: footer(&input.dossier_code, &input.verify_url, true),
        meta: Meta {
            title: format!("{FEE_RECEIPT_TITLE} – {} số {}", input.series, input.number),
            language: "vi".into(),
            issued_at: input.issued_at,
            document_id: format!("{}-{}", input.series, input.number),
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
            submitted_at: DateTime::parse_from_rfc3339("2026-11-24T08:10:00+07:00").ok(),
            receipt_due_at: DateTime::parse_from_rfc3339("2026-11-25T08:10:00+07:00").ok(),
            received_at: DateTime::parse_from_rfc3339("2026-11-24T09:30:00+07:00").ok(),
            due_at: DateTime::parse_from_rfc3339("2026-11-27T17:00:00+07:00").ok(),
            receiving_point: "Bộ phận Một cửa phường Hồng Bàng".into(),
            channel: "Trực tuyến".into(),
            handler: "Lê Văn Tiếp".into(),
            fees: vec![("Lệ phí đăng ký tạm trú".into(), 1, 7_000)],
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
    fn the_signer_signs_for_the_body_and_the_head_as_decree_30_prescribes() {
        for (body, collective, title, want) in [
            (
                "Ủy ban nhân dân",
                true,
                "Phó Chủ tịch",
                "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            ),
            (
                "Ủy ban nhân dân",
                true,
                "Chủ tịch",
                "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
            ),
            (
                "Công an phường",
                false,
                "Phó Trưởng Công an phường",
                "KT. TRƯỞNG CÔNG AN PHƯỜNG\nPHÓ TRƯỞNG CÔNG AN PHƯỜNG",
            ),
            ("Sở Tư pháp", false, "Giám đốc", "GIÁM ĐỐC"),
            // No title on the profile: the body signs.
            ("Ủy ban nhân dân", true, "  ", "TM. ỦY BAN NHÂN DÂN"),
            ("Sở Tư pháp", false, "", "SỞ TƯ PHÁP"),
        ] {
            assert_eq!(signature_lines(body, collective, title), want, "{title}");
        }
    }

    fn entry(draft: bool) -> RegisterEntry {
        RegisterEntry {
            document_id: "0197-test".into(),
            issuer: Issuer {
                authority: "UBND thành phố Hải Phòng".into(),
                agency: "Ủy ban nhân dân phường Ngô Quyền".into(),
                place: "Ngô Quyền".into(),
            },
            entry_number: "12".into(),
            book: "01/2026".into(),
            register_number: "0012/2026/KQ-H31.11341".into(),
            issued_at: DateTime::parse_from_rfc3339("2026-11-24T10:00:00+07:00")
                .unwrap_or_default(),
            dossier_code: "H31.11341-261124-0001".into(),
            signature_role: signature_lines("Ủy ban nhân dân", true, "Phó Chủ tịch"),
            signer_name: "Hoàng Văn Minh".into(),
            verify_url: "http://localhost/verify/0197-test".into(),
            draft,
        }
    }

    fn birth(draft: bool) -> BirthCertificateInput {
        BirthCertificateInput {
            entry: entry(draft),
            child_name: "Nguyễn Minh Khang".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
            sex: "Nam".into(),
            ethnicity: "Kinh".into(),
            nationality: "Việt Nam".into(),
            place_of_birth: "Bệnh viện Phụ sản Hải Phòng".into(),
            home_town: "Hải Phòng".into(),
            personal_id: String::new(),
            mother: CivilPerson {
                name: "Trần Thị Hoa".into(),
                born: "1990".into(),
                ethnicity: "Kinh".into(),
                ..Default::default()
            },
            father: Some(CivilPerson {
                name: "Nguyễn Văn An".into(),
                born: "1985".into(),
                ..Default::default()
            }),
            declarant_name: "Nguyễn Văn An".into(),
            declarant_id: "031085012345".into(),
            relation: "Cha".into(),
        }
    }

    fn all_text(d: &Document) -> String {
        let mut out = vec![d.title.clone(), d.letterhead.place_and_date.clone()];
        for b in &d.blocks {
            match b {
                Block::Heading(t) | Block::Paragraph(t) => out.push(t.clone()),
                Block::Facts(rows) => {
                    out.extend(rows.iter().map(|(l, v)| format!("{l}: {v}")));
                }
                _ => {}
            }
        }
        if let Some(sig) = &d.signature {
            out.extend([sig.role.clone(), sig.note.clone(), sig.name.clone()]);
        }
        out.join("\n")
    }

    #[test]
    fn the_birth_certificate_states_the_child_the_parents_and_the_register_entry() {
        let text = all_text(&birth_certificate(&birth(false)));
        for want in [
            "GIẤY KHAI SINH",
            "Ngô Quyền, ngày 24 tháng 11 năm 2026",
            "Họ, chữ đệm, tên: Nguyễn Minh Khang",
            "Giới tính / Dân tộc / Quốc tịch: Nam / Kinh / Việt Nam",
            "Ngày, tháng, năm sinh: 02/11/2026",
            "Ghi bằng chữ: Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu",
            "Nơi sinh: Bệnh viện Phụ sản Hải Phòng",
            "Mẹ\nHọ, chữ đệm, tên: Trần Thị Hoa",
            "Cha\nHọ, chữ đệm, tên: Nguyễn Văn An",
            "Ngày đăng ký: 24/11/2026",
            "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            "(Đã ký số)",
            "Hoàng Văn Minh",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        // The facts, not the application: no contact details, no ISO dates.
        assert!(
            !text.contains("2026-11-02") && !text.contains("Số điện thoại"),
            "{text}"
        );
        // Empty facts are left out rather than printed blank.
        assert!(!text.contains("Số định danh cá nhân"), "{text}");
        let issued = birth_certificate(&birth(false));
        assert_eq!(issued.letterhead.number, "12, Quyển số: 01/2026");
        // The file's title names the register number, as every result does, not the child.
        assert_eq!(issued.meta.title, "GIẤY KHAI SINH – 0012/2026/KQ-H31.11341");
        // A child registered without a father's name has no father section.
        let mut alone = birth(false);
        alone.father = Some(CivilPerson::default());
        let text = all_text(&birth_certificate(&alone));
        assert!(!text.contains("Cha\n"), "{text}");
        let draft = all_text(&birth_certificate(&birth(true)));
        assert!(
            draft.contains("BẢN XEM TRƯỚC") && draft.contains("(Chưa ký)"),
            "{draft}"
        );
    }

    #[test]
    fn the_death_extract_states_the_deceased_the_death_and_the_registration() {
        let input = DeathExtractInput {
            entry: entry(false),
            name: "Đặng Văn Hùng".into(),
            date_of_birth: paper_date("1962-12-25"),
            sex: "Nam".into(),
            ethnicity: "Kinh".into(),
            nationality: "Việt Nam".into(),
            personal_id: "031062002468".into(),
            last_residence: "Số 21 Đường Bạch Đằng, Phường Hồng Bàng, Thành phố Hải Phòng".into(),
            died_on: paper_date("2026-11-20"),
            place_of_death: "Bệnh viện Việt Tiệp".into(),
            cause: String::new(),
            death_notice: "Số 15/BT, ngày 20/11/2026, Bệnh viện Việt Tiệp".into(),
            declarant_name: "Đặng Thị Lan".into(),
            declarant_id: "031170009753".into(),
            relation: "Con".into(),
        };
        let doc = death_extract(&input);
        let text = all_text(&doc);
        for want in [
            "TRÍCH LỤC KHAI TỬ",
            "Người đã chết\nHọ, chữ đệm, tên: Đặng Văn Hùng",
            "Ngày, tháng, năm sinh: 25/12/1962",
            "Giới tính / Dân tộc / Quốc tịch: Nam / Kinh / Việt Nam",
            "Số định danh cá nhân: 031062002468",
            "Đã chết vào ngày: 20/11/2026",
            "Nơi chết: Bệnh viện Việt Tiệp",
            "Giấy báo tử/giấy tờ thay thế: Số 15/BT",
            "Người đi khai tử: Đặng Thị Lan (Con)",
            "Nơi đăng ký khai tử: Ủy ban nhân dân phường Ngô Quyền",
            "Ngày đăng ký: 24/11/2026",
            "PHÓ CHỦ TỊCH",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        // No cause was stated: no blank line for it; no ISO date anywhere.
        assert!(!text.contains("Nguyên nhân chết"), "{text}");
        assert!(!text.contains("2026-11-20"), "{text}");
        assert_eq!(doc.meta.title, "TRÍCH LỤC KHAI TỬ – 0012/2026/KQ-H31.11341");
        assert!(crate::render::render(&doc).is_ok());
    }

    #[test]
    fn the_marriage_certificate_states_both_spouses_and_the_registration() {
        let spouse = |name: &str, born: &str, id: &str| Spouse {
            name: name.into(),
            date_of_birth: paper_date(born),
            ethnicity: "Kinh".into(),
            nationality: "Việt Nam".into(),
            residence: "Phường Ngô Quyền, Thành phố Hải Phòng".into(),
            personal_id: id.into(),
        };
        let doc = marriage_certificate(&MarriageCertificateInput {
            entry: entry(true),
            wife: spouse("Lê Thị Dung", "1995-01-30", "031195008822"),
            husband: spouse("Phạm Minh Cường", "1978-11-02", "031078003311"),
        });
        let text = all_text(&doc);
        for want in [
            "GIẤY CHỨNG NHẬN KẾT HÔN",
            "Thông tin của bên vợ\nHọ, chữ đệm, tên: Lê Thị Dung\nNgày, tháng, năm sinh: 30/01/1995",
            "Thông tin của bên chồng\nHọ, chữ đệm, tên: Phạm Minh Cường\nNgày, tháng, năm sinh: 02/11/1978",
            "Dân tộc / Quốc tịch: Kinh / Việt Nam",
            "Nơi đăng ký kết hôn: Ủy ban nhân dân phường Ngô Quyền",
            "Ngày đăng ký: 24/11/2026",
            "BẢN XEM TRƯỚC",
            "(Chưa ký)",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        assert!(crate::render::render(&doc).is_ok());
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
    fn the_receipt_slip_states_the_fees_or_that_none_are_due() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+07:00").unwrap_or_default();
        let slip = |fees: Vec<(String, u32, i64)>| {
            notice(&NoticeInput {
                kind: NoticeKind::Receipt,
                issuer: issuer(),
                dossier: DossierFacts { fees, ..facts() },
                issued_at: at,
                reason: String::new(),
                requested: Vec::new(),
                new_due_at: None,
                steps: Vec::new(),
                tracking_url: "http://x/track".into(),
            })
        };
        let text = |d: &Document| format!("{:?}", d.blocks);
        let paid = slip(vec![("Lệ phí đăng ký tạm trú".into(), 2, 14_000)]);
        assert!(
            text(&paid).contains("14.000 đồng") && text(&paid).contains("Lệ phí đăng ký tạm trú")
        );
        let free = slip(Vec::new());
        assert!(text(&free).contains("Không phải nộp"), "{}", text(&free));
    }

    #[test]
    fn the_acknowledgement_states_what_was_sent_when_and_by_when_it_is_received() {
        let doc = notice(&NoticeInput {
            kind: NoticeKind::Submitted,
            issuer: issuer(),
            dossier: facts(),
            issued_at: DateTime::parse_from_rfc3339("2026-11-24T08:11:00+07:00")
                .unwrap_or_default(),
            reason: String::new(),
            requested: Vec::new(),
            new_due_at: None,
            steps: Vec::new(),
            tracking_url: "http://x/track".into(),
        });
        let text = format!("{:?}", doc.blocks);
        for want in [
            "Nguyễn Thị Hường",
            "Xác nhận thông tin về cư trú",
            "Tờ khai thay đổi thông tin cư trú",
            "08 giờ 10 phút, ngày 24/11/2026",
            "08 giờ 10 phút, ngày 25/11/2026",
            "chưa phải Giấy tiếp nhận hồ sơ",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        // It is not the receipt: no appointment for the result.
        assert!(!text.contains("Thời gian trả kết quả"), "{text}");
        assert_eq!(doc.letterhead.number, "H31.10105-261124-0003/NHS");
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

    #[test]
    fn the_residence_notice_states_what_was_registered_for_whom_not_the_application() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T09:30:00+07:00").unwrap_or_default();
        let row = |l: &str, v: &str| (l.to_owned(), v.to_owned());
        let input = ResidenceNoticeInput {
            document_id: "d-1".into(),
            issuer: Issuer {
                authority: "Công an thành phố Hải Phòng".into(),
                agency: "Công an phường Ngô Quyền".into(),
                place: "Ngô Quyền".into(),
            },
            number: "0003/2026/KQ-H31.11341.CA".into(),
            issued_at: at,
            dossier_code: "H31.11341.CA-261207-0001".into(),
            addressee: "Nguyễn Văn An".into(),
            outcome: "đã đăng ký thường trú cho công dân có thông tin dưới đây".into(),
            person: vec![
                row("Họ, chữ đệm, tên", "Nguyễn Gia Hân"),
                row("Ngày, tháng, năm sinh", &paper_date("2026-11-25")),
                row("Số định danh cá nhân", "031326001234"),
                row("Giới tính", ""),
            ],
            residence: vec![
                row(
                    "Nơi thường trú",
                    "Số 15 Lạch Tray, Phường Ngô Quyền, Thành phố Hải Phòng",
                ),
                row("Họ, chữ đệm, tên chủ hộ", "Nguyễn Văn An"),
                row("Quan hệ với chủ hộ", "Con"),
                row("Ngày đăng ký", "07/12/2026"),
            ],
            note: String::new(),
            signer_role: "Trưởng Công an phường".into(),
            signer_name: "Trần Quốc Bảo".into(),
            verify_url: "http://127.0.0.1:8080/verify/d-1".into(),
            draft: false,
        };
        let doc = residence_notice(&input);
        let text = all_text(&doc);
        for want in [
            "THÔNG BÁO",
            "Kính gửi: Ông/bà Nguyễn Văn An",
            "Công an phường Ngô Quyền thông báo đã đăng ký thường trú cho công dân có thông tin dưới đây:",
            "Họ, chữ đệm, tên: Nguyễn Gia Hân",
            "Ngày, tháng, năm sinh: 25/11/2026",
            "Số định danh cá nhân: 031326001234",
            "Nơi thường trú: Số 15 Lạch Tray",
            "Quan hệ với chủ hộ: Con",
            "TRƯỞNG CÔNG AN PHƯỜNG",
            "(Đã ký số)",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        assert_eq!(
            doc.subtitle.as_deref(),
            Some("Về kết quả giải quyết thủ tục về cư trú")
        );
        // A fact nobody stated is left out; no ISO date; no heading for an empty note.
        assert!(!text.contains("Giới tính"), "{text}");
        assert!(!text.contains("2026-11-25"), "{text}");
        assert!(!text.contains("Ghi chú"), "{text}");
        assert!(crate::render::render(&doc).is_ok());
        let draft = residence_notice(&ResidenceNoticeInput {
            draft: true,
            ..input
        });
        assert!(all_text(&draft).contains("BẢN XEM TRƯỚC"));
        assert_eq!(
            draft.signature.map(|s| s.note).as_deref(),
            Some("(Chưa ký)")
        );
    }
}
