//! What a handling system tells the National Public Service Portal (NPSP, Cổng Dịch vụ công quốc
//! gia) about each dossier it holds (issue 19, DOMAIN-VN §2.2 and §2.7): the dossier when it is
//! submitted, every step after it in order, the fee list as it stands, and the result's link.
//!
//! The wire format follows the dossier-sync service as vendors' adapters describe it: JSON with
//! the NPSP's PascalCase Vietnamese field names (`MaHoSo`, `TrangThaiHoSo`, `NgayHenTra`, …),
//! times as `yyyyMMddHHmmss` in Vietnam time, yes/no flags as 0/1. The official field list is in
//! Circular 04/2025/TT-VPCP, whose text we do not have; the names below are the observed ones.
//!
//! Each dossier's updates are numbered from 1 (`SoThuTu`): 1 is the dossier itself, then one per
//! recorded step. The portal keeps the highest number it accepted, treats a number it already
//! holds as the same update again (so a retry is one change there) and refuses a gap, answering
//! the number it expects next (`SoThuTuTiepTheo`), from which the sender resumes.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "%Y%m%d%H%M%S";

/// `yyyyMMddHHmmss`, Vietnam time (UTC+7, no daylight saving).
pub fn portal_time(t: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(7 * 3600) {
        Some(vn) => t.with_timezone(&vn).format(FORMAT).to_string(),
        None => t.format(FORMAT).to_string(),
    }
}

/// 0/1 as the portal writes a yes/no.
pub fn flag(b: bool) -> u8 {
    u8::from(b)
}

/// `KenhThucHien`: how the dossier was submitted.
pub fn channel_code(channel: &str) -> u8 {
    match channel {
        "online" => 2,
        "post" => 3,
        _ => 1,
    }
}

/// Statuses whose update must say when handling ended (`NgayKetThucXuLy`): refused, stopped,
/// result ready, result returned.
pub fn ends_handling(status: u8) -> bool {
    matches!(status, 3 | 8 | 9 | 10)
}

/// `NoiDung` of a recorded step: what was done, in the portal's language (the action's wire name
/// when it is one we do not name).
pub fn step_content(action: &str) -> &str {
    match action {
        "submit" => "Nộp hồ sơ",
        "receive" => "Tiếp nhận hồ sơ",
        "refuse" => "Từ chối tiếp nhận hồ sơ",
        "request_supplement" => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
        "supplement" => "Nhận hồ sơ bổ sung",
        "hand_over" => "Chuyển cơ quan có thẩm quyền giải quyết",
        "assign" => "Phân công xử lý",
        "forward" => "Trình lãnh đạo xem xét",
        "approve" => "Phê duyệt kết quả",
        "send_back" => "Trả lại chuyên viên xử lý",
        "issue_result" => "Ban hành kết quả",
        "return_result" => "Trả kết quả",
        "consult" => "Lấy ý kiến cơ quan liên quan",
        "record_consultation_reply" => "Ghi nhận ý kiến trả lời",
        "request_payment" => "Yêu cầu thực hiện nghĩa vụ tài chính",
        "record_payment" | "fee_collected" => "Ghi nhận đã thực hiện nghĩa vụ tài chính",
        "extend" => "Xin lỗi và hẹn lại ngày trả kết quả",
        "request_withdrawal" => "Công dân yêu cầu rút hồ sơ",
        "accept_withdrawal" => "Đồng ý rút hồ sơ",
        "reject_withdrawal" => "Tiếp tục giải quyết hồ sơ",
        "stop" => "Dừng xử lý hồ sơ",
        other => other,
    }
}

/// Update 1: the dossier as submitted (TaoHoSo / DongBoHoSo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierRecord {
    #[serde(rename = "SoThuTu")]
    pub seq: u32,
    #[serde(rename = "MaHoSo")]
    pub code: String,
    #[serde(rename = "MaTTHC")]
    pub procedure_code: String,
    #[serde(rename = "TenTTHC")]
    pub procedure_name: String,
    #[serde(rename = "MaDonViTiepNhan")]
    pub receiving_agency: String,
    #[serde(rename = "MaDonViXuLy")]
    pub competent_agency: String,
    #[serde(rename = "KenhThucHien")]
    pub channel: u8,
    #[serde(rename = "NgayNop")]
    pub submitted_at: String,
    #[serde(
        rename = "NgayTiepNhan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub received_at: Option<String>,
    #[serde(
        rename = "NgayHenTra",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<String>,
    #[serde(rename = "TrangThaiHoSo")]
    pub status: u8,
    #[serde(rename = "ThongTinNguoiNop")]
    pub applicant: Applicant,
    #[serde(rename = "TaiKhoanDuocXacThucVoiVNeID")]
    pub vneid_account: u8,
    #[serde(rename = "HoSoCoThanhPhanSoHoa")]
    pub has_digitized_components: u8,
    #[serde(rename = "ThanhPhanHoSo")]
    pub components: Vec<Component>,
    #[serde(rename = "DanhSachLePhi")]
    pub fees: Vec<Fee>,
    #[serde(rename = "DuocThanhToanTrucTuyen")]
    pub paid_online: u8,
}

/// `ThongTinNguoiNop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    #[serde(rename = "HoTen")]
    pub full_name: String,
    /// The personal identification number (12 digits) or an organisation's code.
    #[serde(rename = "SoGiayTo")]
    pub id_number: String,
    /// 1 a citizen, 2 an organisation.
    #[serde(rename = "LoaiDoiTuong")]
    pub kind: u8,
    #[serde(rename = "MaXa", default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
}

/// One component of the dossier and the files given for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    #[serde(rename = "MaThanhPhan")]
    pub key: String,
    #[serde(rename = "TenThanhPhan")]
    pub name: String,
    #[serde(rename = "GiayToDinhKem")]
    pub files: Vec<File>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct File {
    #[serde(rename = "MaTep")]
    pub id: String,
    #[serde(rename = "TenTep")]
    pub name: String,
    /// SHA-256 of the file, hex.
    #[serde(rename = "HashTep")]
    pub sha256: String,
    #[serde(rename = "DuocSoHoa")]
    pub digitized: u8,
    /// Taken from the citizen's data warehouse on the portal.
    #[serde(rename = "DuocLayTuKhoDMQG")]
    pub from_warehouse: u8,
}

/// A fee line and whether it is paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fee {
    #[serde(rename = "TenPhiLePhi")]
    pub name: String,
    #[serde(rename = "MucPhi")]
    pub amount_vnd: i64,
    #[serde(rename = "DaThanhToan")]
    pub paid: u8,
    /// 1 the portal's payment platform, 2 the province's own gateway, 3 at the desk.
    #[serde(
        rename = "HinhThucThanhToan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub method: Option<u8>,
    #[serde(
        rename = "MaGiaoDich",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transaction: Option<String>,
}

/// Updates 2, 3, …: one recorded step (CapNhatTienTrinh, with the status of CapNhatTrangThai).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressUpdate {
    #[serde(rename = "SoThuTu")]
    pub seq: u32,
    #[serde(rename = "TrangThaiHoSo")]
    pub status: u8,
    #[serde(rename = "ThoiGian")]
    pub at: String,
    #[serde(rename = "NguoiXuLy")]
    pub handler: String,
    #[serde(rename = "DonViXuLy", default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(rename = "NoiDung")]
    pub content: String,
    #[serde(
        rename = "NgayHenTra",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<String>,
    #[serde(
        rename = "NgayKetThucXuLy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_at: Option<String>,
    /// Where the signed result can be fetched and checked.
    #[serde(
        rename = "DuongDanTepTinKetQua",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_url: Option<String>,
    #[serde(
        rename = "HashTepKetQua",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_sha256: Option<String>,
}

/// The dossier's fee list as it stands (CapNhatThanhToan): a whole replacement, so sending it
/// again changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeList {
    #[serde(rename = "DanhSachLePhi")]
    pub fees: Vec<Fee>,
    #[serde(rename = "DuocThanhToanTrucTuyen")]
    pub paid_online: u8,
}

/// The portal's answer: `error_code` 0 is success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub error_code: i32,
    pub message: String,
    /// On an update out of order: the number the portal expects next.
    #[serde(
        rename = "SoThuTuTiepTheo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expected: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_written_in_vietnam_time() {
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 5).single();
        let Some(t) = t else { panic!("valid time") };
        // 18:30 UTC on the 31st is 01:30 on 1 January in Hà Nội.
        assert_eq!(portal_time(t), "20270101013005");
    }

    #[test]
    fn the_wire_names_are_the_portals() {
        let u = ProgressUpdate {
            seq: 2,
            status: 2,
            at: "20261207090000".into(),
            handler: "Nguyễn Thị Lan".into(),
            unit: Some("H31.01.02".into()),
            content: "Tiếp nhận hồ sơ".into(),
            due_at: None,
            ended_at: None,
            result_url: None,
            result_sha256: None,
        };
        let v = serde_json::to_value(&u).unwrap_or_default();
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for k in [
            "SoThuTu",
            "TrangThaiHoSo",
            "ThoiGian",
            "NguoiXuLy",
            "DonViXuLy",
            "NoiDung",
        ] {
            assert!(keys.contains(&k), "{k} missing from {keys:?}");
        }
        // Absent facts are left out, not sent as null.
        assert!(!keys.contains(&"NgayKetThucXuLy"));
    }

    #[test]
    fn channels_and_ends() {
        assert_eq!(channel_code("online"), 2);
        assert_eq!(channel_code("counter"), 1);
        assert_eq!(channel_code("post"), 3);
        for s in 1..=10u8 {
            assert_eq!(ends_handling(s), [3, 8, 9, 10].contains(&s), "status {s}");
        }
    }
}
