//! A4 administrative documents as PDF/A-2b, laid out after the presentation rules of Decree
//! 30/2020/NĐ-CP (Appendix I): national motto top right, issuing body top left, number and
//! place-date line, centred title, body, signature block, recipients. Text is NFC-normalised and
//! every character must exist in the embedded font, so a document never shows a missing glyph.
//!
//! Layout happens first, into pages of drawing operations; drawing with krilla happens after, so
//! page breaks are decided without holding krilla's borrows.

use std::sync::LazyLock;

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use unicode_normalization::UnicodeNormalization;

use crate::qr;

const REGULAR_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSerif.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSerif-Bold.ttf");
const ITALIC_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSerif-Italic.ttf");

/// A4 in PDF points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
// Decree 30/2020 margins: left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm.
const LEFT: f32 = 85.0;
const RIGHT: f32 = PAGE_W - 57.0;
const TOP: f32 = 57.0;
const FOOTER_H: f32 = 78.0;
const BOTTOM: f32 = PAGE_H - 40.0 - FOOTER_H;
const WIDTH: f32 = RIGHT - LEFT;
const BODY: f32 = 12.5;
const LEADING: f32 = 1.38;

/// One administrative document, ready to be laid out.
#[derive(Debug, Clone)]
pub struct Document {
    pub letterhead: Letterhead,
    pub title: String,
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
    pub signature: Option<SignatureBlock>,
    /// "Nơi nhận" (recipients), bottom left.
    pub recipients: Vec<String>,
    pub footer: Footer,
    pub meta: Meta,
}

/// The top of the first page.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The body the issuing agency belongs to, e.g. "UBND THÀNH PHỐ HẢI PHÒNG"; may be empty.
    pub authority: String,
    pub agency: String,
    /// The document number as written after "Số:".
    pub number: String,
    /// E.g. "Hải Phòng, ngày 24 tháng 11 năm 2026".
    pub place_and_date: String,
}

#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// Label–value rows, values in bold.
    Facts(Vec<(String, String)>),
    Bullets(Vec<String>),
    /// A ruled table; `widths` are relative column widths.
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
        widths: Vec<f32>,
    },
    Spacer(f32),
}

#[derive(Debug, Clone)]
pub struct SignatureBlock {
    /// E.g. "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"; lines are centred.
    pub role: String,
    /// E.g. "(Đã ký số)".
    pub note: String,
    pub name: String,
}

/// Printed at the bottom of every page: the QR code and the lines beside it.
#[derive(Debug, Clone)]
pub struct Footer {
    /// What the QR code encodes (the verification or tracking address).
    pub qr_payload: String,
    pub lines: Vec<String>,
}

/// Document information for the PDF's metadata.
#[derive(Debug, Clone)]
pub struct Meta {
    pub title: String,
    pub language: String,
    pub issued_at: chrono::DateTime<chrono::FixedOffset>,
    /// Stable id (ours), also written as the PDF file identifier.
    pub document_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the font has no glyph for {0:?} (U+{1:04X})")]
    MissingGlyph(char, u32),
    #[error("QR code: {0}")]
    Qr(String),
    #[error("PDF export: {0}")]
    Export(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
}

struct Fonts {
    krilla: [Font; 3],
    faces: [ttf_parser::Face<'static>; 3],
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    let data = [REGULAR_TTF, BOLD_TTF, ITALIC_TTF];
    let k = data.map(|d| Font::new(krilla::Data::from(d), 0));
    let f = data.map(|d| ttf_parser::Face::parse(d, 0).ok());
    let [Some(k0), Some(k1), Some(k2)] = k else {
        return None;
    };
    let [Some(f0), Some(f1), Some(f2)] = f else {
        return None;
    };
    Some(Fonts {
        krilla: [k0, k1, k2],
        faces: [f0, f1, f2],
    })
});

fn fonts() -> Result<&'static Fonts, RenderError> {
    FONTS
        .as_ref()
        .ok_or_else(|| RenderError::Export("the embedded fonts do not parse".into()))
}

impl Fonts {
    fn idx(face: Face) -> usize {
        match face {
            Face::Regular => 0,
            Face::Bold => 1,
            Face::Italic => 2,
        }
    }

    fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let f = &self.faces[Self::idx(face)];
        let upm = f32::from(f.units_per_em());
        let units: u32 = text
            .chars()
            .filter_map(|c| f.glyph_index(c))
            .filter_map(|g| f.glyph_hor_advance(g))
            .map(u32::from)
            .sum();
        units as f32 * size / upm
    }

    fn check(&self, face: Face, text: &str) -> Result<(), RenderError> {
        let f = &self.faces[Self::idx(face)];
        match text
            .chars()
            .find(|c| !c.is_control() && f.glyph_index(*c).is_none())
        {
            Some(c) => Err(RenderError::MissingGlyph(c, u32::from(c))),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        face: Face,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
}

struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    /// Greedy line breaking at spaces; a word wider than the line is cut by characters.
    fn wrap(&self, text: &str, face: Face, size: f32, width: f32, indent: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let avail = if lines.is_empty() {
                    width - indent
                } else {
                    width
                };
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.fonts.width(face, size, &candidate) <= avail {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A single word longer than a line (a URL, a long code): cut it.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.fonts.width(face, size, &piece) > width {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    #[allow(clippy::too_many_arguments)]
    fn text_at(
        &mut self,
        text: &str,
        face: Face,
        size: f32,
        x: f32,
        width: f32,
        align: Align,
        indent: f32,
    ) -> f32 {
        let lines = self.wrap(text, face, size, width, indent);
        let lh = size * LEADING;
        let start = self.y;
        for (i, line) in lines.iter().enumerate() {
            self.ensure(lh);
            let first = i == 0;
            let lx = match align {
                Align::Left => x + if first { indent } else { 0.0 },
                Align::Center => x + (width - self.fonts.width(face, size, line)) / 2.0,
            };
            let baseline = self.y + size;
            if !line.is_empty() {
                self.ops().push(Op::Text {
                    x: lx,
                    baseline,
                    size,
                    face,
                    text: line.clone(),
                });
            }
            self.y += lh;
        }
        self.y - start
    }

    fn rule(&mut self, x: f32, y: f32, w: f32) {
        self.ops().push(Op::Rect { x, y, w, h: 0.6 });
    }

    fn letterhead(&mut self, l: &Letterhead) {
        let left_w = 200.0;
        let right_x = LEFT + left_w - 10.0;
        let right_w = RIGHT - right_x + 20.0;
        let top = self.y;
        // Left column: the authority, then the agency in bold, underlined.
        if !l.authority.is_empty() {
            self.text_at(
                &l.authority,
                Face::Regular,
                11.5,
                LEFT - 25.0,
                left_w,
                Align::Center,
                0.0,
            );
        }
        self.text_at(
            &l.agency,
            Face::Bold,
            11.5,
            LEFT - 25.0,
            left_w,
            Align::Center,
            0.0,
        );
        let left_end = self.y;
        self.rule(LEFT - 25.0 + left_w / 2.0 - 30.0, left_end + 1.0, 60.0);
        // Right column: the national motto.
        self.y = top;
        self.text_at(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            Face::Bold,
            11.0,
            right_x,
            right_w,
            Align::Center,
            0.0,
        );
        let motto = "Độc lập - Tự do - Hạnh phúc";
        self.text_at(
            motto,
            Face::Bold,
            12.0,
            right_x,
            right_w,
            Align::Center,
            0.0,
        );
        let mw = self.fonts.width(Face::Bold, 12.0, motto);
        let right_end = self.y;
        self.rule(right_x + (right_w - mw) / 2.0, right_end + 1.0, mw);
        self.y = left_end.max(right_end) + 10.0;
        let row = self.y;
        self.text_at(
            &format!("Số: {}", l.number),
            Face::Regular,
            12.0,
            LEFT - 25.0,
            left_w,
            Align::Center,
            0.0,
        );
        let after_left = self.y;
        self.y = row;
        self.text_at(
            &l.place_and_date,
            Face::Italic,
            12.0,
            right_x,
            right_w,
            Align::Center,
            0.0,
        );
        self.y = self.y.max(after_left) + 14.0;
    }

    fn facts(&mut self, rows: &[(String, String)]) {
        let label_w = WIDTH * 0.38;
        for (label, value) in rows {
            let lh = BODY * LEADING;
            self.ensure(lh);
            let top = self.y;
            let page = self.pages.len();
            self.text_at(
                &format!("{label}:"),
                Face::Regular,
                BODY,
                LEFT,
                label_w - 6.0,
                Align::Left,
                0.0,
            );
            let after_label = (self.pages.len(), self.y);
            if self.pages.len() == page {
                self.y = top;
            }
            self.text_at(
                value,
                Face::Bold,
                BODY,
                LEFT + label_w,
                WIDTH - label_w,
                Align::Left,
                0.0,
            );
            if after_label.0 == self.pages.len() {
                self.y = self.y.max(after_label.1);
            }
            self.y += 1.5;
        }
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>], widths: &[f32]) {
        let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
        let cols: Vec<f32> = widths.iter().map(|w| w / total * WIDTH).collect();
        let size = 10.5;
        let pad = 3.0;
        let draw_row = |layout: &mut Self, cells: &[String], face: Face| {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(&cols)
                .map(|(c, w)| layout.wrap(c, face, size, w - 2.0 * pad, 0.0))
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * size * LEADING + 2.0 * pad;
            layout.ensure(h);
            let top = layout.y;
            let mut x = LEFT;
            for (lines, w) in wrapped.iter().zip(&cols) {
                for (i, line) in lines.iter().enumerate() {
                    if line.is_empty() {
                        continue;
                    }
                    layout.ops().push(Op::Text {
                        x: x + pad,
                        baseline: top + pad + size + i as f32 * size * LEADING,
                        size,
                        face,
                        text: line.clone(),
                    });
                }
                // Cell's left border.
                layout.ops().push(Op::Rect {
                    x,
                    y: top,
                    w: 0.6,
                    h,
                });
                x += w;
            }
            layout.ops().push(Op::Rect {
                x: RIGHT - 0.6,
                y: top,
                w: 0.6,
                h,
            });
            layout.rule(LEFT, top, WIDTH);
            layout.rule(LEFT, top + h, WIDTH);
            layout.y = top + h;
        };
        draw_row(self, headers, Face::Bold);
        for row in rows {
            draw_row(self, row, Face::Regular);
        }
        self.y += 6.0;
    }

    fn signature(&mut self, sig: &SignatureBlock, recipients: &[String]) {
        let x = LEFT + WIDTH * 0.45;
        let w = WIDTH * 0.55;
        let lines = sig.role.lines().count() as f32 + 5.0;
        self.ensure(lines * 13.0 * LEADING);
        let top = self.y + 8.0;
        self.y = top;
        for line in sig.role.lines() {
            self.text_at(line, Face::Bold, 12.0, x, w, Align::Center, 0.0);
        }
        self.text_at(&sig.note, Face::Italic, 11.0, x, w, Align::Center, 0.0);
        self.y += 34.0;
        self.text_at(&sig.name, Face::Bold, 12.5, x, w, Align::Center, 0.0);
        let right_end = self.y;
        if !recipients.is_empty() {
            self.y = top;
            self.text_at(
                "Nơi nhận:",
                Face::Bold,
                11.0,
                LEFT,
                WIDTH * 0.42,
                Align::Left,
                0.0,
            );
            for r in recipients {
                self.text_at(
                    &format!("- {r};"),
                    Face::Regular,
                    10.0,
                    LEFT,
                    WIDTH * 0.42,
                    Align::Left,
                    0.0,
                );
            }
        }
        self.y = self.y.max(right_end);
    }

    fn footer(&mut self, footer: &Footer, qr_matrix: &qr::Matrix) {
        let pages = self.pages.len();
        let side = 64.0;
        let y0 = PAGE_H - 36.0 - side;
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.push(Op::Rect {
                x: LEFT,
                y: y0 - 8.0,
                w: WIDTH,
                h: 0.5,
            });
            page.extend(qr_matrix.rects(LEFT, y0, side));
            let mut baseline = y0 + 12.0;
            for line in &footer.lines {
                page.push(Op::Text {
                    x: LEFT + side + 10.0,
                    baseline,
                    size: 8.5,
                    face: Face::Regular,
                    text: line.clone(),
                });
                baseline += 11.5;
            }
            let label = format!("Trang {}/{}", i + 1, pages);
            let lw = self.fonts.width(Face::Regular, 8.5, &label);
            page.push(Op::Text {
                x: RIGHT - lw,
                baseline: y0 + side,
                size: 8.5,
                face: Face::Regular,
                text: label,
            });
        }
    }
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Every text of the document, normalised, with the face it is drawn in.
fn normalise(doc: &Document) -> Document {
    let mut d = doc.clone();
    let n = |s: &mut String| *s = nfc(s);
    n(&mut d.letterhead.authority);
    n(&mut d.letterhead.agency);
    n(&mut d.letterhead.number);
    n(&mut d.letterhead.place_and_date);
    n(&mut d.title);
    if let Some(s) = d.subtitle.as_mut() {
        n(s);
    }
    for b in &mut d.blocks {
        match b {
            Block::Heading(s) | Block::Paragraph(s) => n(s),
            Block::Facts(rows) => rows.iter_mut().for_each(|(a, b)| {
                n(a);
                n(b);
            }),
            Block::Bullets(items) => items.iter_mut().for_each(n),
            Block::Table { headers, rows, .. } => {
                headers.iter_mut().for_each(n);
                rows.iter_mut().flatten().for_each(n);
            }
            Block::Spacer(_) => {}
        }
    }
    if let Some(s) = d.signature.as_mut() {
        n(&mut s.role);
        n(&mut s.note);
        n(&mut s.name);
    }
    d.recipients.iter_mut().for_each(n);
    d.footer.lines.iter_mut().for_each(n);
    d
}

/// Lays the document out into pages of drawing operations.
pub(crate) fn layout(doc: &Document) -> Result<Vec<Vec<Op>>, RenderError> {
    let fonts = fonts()?;
    let doc = normalise(doc);
    let qr_matrix = qr::Matrix::encode(&doc.footer.qr_payload)?;
    let mut l = Layout::new(fonts);
    l.letterhead(&doc.letterhead);
    l.text_at(
        &doc.title,
        Face::Bold,
        14.0,
        LEFT,
        WIDTH,
        Align::Center,
        0.0,
    );
    if let Some(sub) = &doc.subtitle {
        l.text_at(sub, Face::Bold, 12.5, LEFT, WIDTH, Align::Center, 0.0);
    }
    l.y += 10.0;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                l.y += 4.0;
                l.ensure(3.0 * BODY * LEADING);
                l.text_at(h, Face::Bold, BODY, LEFT, WIDTH, Align::Left, 0.0);
            }
            Block::Paragraph(p) => {
                l.text_at(p, Face::Regular, BODY, LEFT, WIDTH, Align::Left, 28.0);
                l.y += 3.0;
            }
            Block::Facts(rows) => l.facts(rows),
            Block::Bullets(items) => {
                for item in items {
                    l.text_at(
                        &format!("– {item}"),
                        Face::Regular,
                        BODY,
                        LEFT + 14.0,
                        WIDTH - 14.0,
                        Align::Left,
                        0.0,
                    );
                }
                l.y += 3.0;
            }
            Block::Table {
                headers,
                rows,
                widths,
            } => l.table(headers, rows, widths),
            Block::Spacer(h) => l.y += h,
        }
    }
    if let Some(sig) = &doc.signature {
        l.signature(sig, &doc.recipients);
    }
    l.footer(&doc.footer, &qr_matrix);
    // Check glyph coverage of everything that will be drawn.
    for op in l.pages.iter().flatten() {
        if let Op::Text { face, text, .. } = op {
            fonts.check(*face, text)?;
        }
    }
    Ok(l.pages)
}

/// Renders the document as PDF/A-2b bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let fonts = fonts()?;
    let pages = layout(doc)?;
    let configuration = krilla::configure::ConfigurationBuilder::new()
        .with_archival_validator(krilla::configure::Archival::A2_B)
        .finish()
        .map_err(|e| RenderError::Export(format!("{e:?}")))?;
    let settings = krilla::SerializeSettings {
        configuration,
        enable_tagging: false,
        ..Default::default()
    };
    let mut pdf = krilla::Document::new_with(settings);
    let t = doc.meta.issued_at;
    use chrono::{Datelike, Timelike};
    let offset_minutes = t.offset().local_minus_utc() / 60;
    let date = DateTime::new(u16::try_from(t.year()).unwrap_or(2026))
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(i8::try_from(offset_minutes / 60).unwrap_or(7))
        .utc_offset_minute(u8::try_from((offset_minutes % 60).abs()).unwrap_or(0));
    pdf.set_metadata(
        Metadata::new()
            .title(nfc(&doc.meta.title))
            .language(doc.meta.language.clone())
            .creator("motcua".into())
            .producer("motcua (krilla)".into())
            .creation_date(date)
            .document_id(doc.meta.document_id.clone()),
    );
    let size = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| RenderError::Export("page size".into()))?;
    for ops in pages {
        let mut page = pdf.start_page_with(size.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    size,
                    face,
                    text,
                } => surface.draw_text(
                    Point::from_xy(x, baseline),
                    fonts.krilla[Fonts::idx(face)].clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                ),
                Op::Rect { x, y, w, h } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(x, y, w, h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish()
        .map_err(|e| RenderError::Export(format!("{e:?}")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Document {
        Document {
            letterhead: Letterhead {
                authority: "UBND THÀNH PHỐ HẢI PHÒNG".into(),
                agency: "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG".into(),
                number: "12/GXN-UBND".into(),
                place_and_date: "Hải Phòng, ngày 24 tháng 11 năm 2026".into(),
            },
            title: "GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ".into(),
            subtitle: None,
            blocks: vec![
                Block::Paragraph("Ủy ban nhân dân phường xác nhận ông/bà có tên dưới đây đang cư trú tại địa chỉ ghi trong giấy này. Chữ tiếng Việt: ă â đ ê ô ơ ư, thanh: à á ả ã ạ.".into()),
                Block::Facts(vec![("Họ, chữ đệm và tên".into(), "NGUYỄN THỊ HƯỜNG".into())]),
                Block::Table {
                    headers: vec!["STT".into(), "Thành phần".into()],
                    rows: vec![vec!["1".into(), "Tờ khai thay đổi thông tin cư trú".into()]],
                    widths: vec![1.0, 6.0],
                },
            ],
            signature: Some(SignatureBlock {
                role: "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".into(),
                note: "(Đã ký số)".into(),
                name: "Trần Văn Quý".into(),
            }),
            recipients: vec!["Ông/bà Nguyễn Thị Hường".into(), "Lưu: VT".into()],
            footer: Footer {
                qr_payload: "http://127.0.0.1:8080/verify/0192".into(),
                lines: vec!["Mã hồ sơ: H31.10105-261124-0001".into()],
            },
            meta: Meta {
                title: "Giấy xác nhận thông tin về cư trú".into(),
                language: "vi".into(),
                issued_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:30:00+07:00")
                    .unwrap_or_default(),
                document_id: "0192".into(),
            },
        }
    }

    #[test]
    fn decomposed_vietnamese_is_normalised_and_every_glyph_exists() {
        let mut d = sample();
        // "Hường" typed with combining marks (NFD) must come out precomposed.
        d.blocks
            .push(Block::Paragraph("Hu\u{031b}o\u{031b}\u{0300}ng".into()));
        let pages = layout(&d).unwrap_or_default();
        let texts: Vec<&str> = pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                Op::Rect { .. } => None,
            })
            .collect();
        assert!(texts.contains(&"Hường"), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("ă â đ ê ô ơ ư")));
    }

    #[test]
    fn a_character_the_font_lacks_is_an_error_not_a_blank() {
        let mut d = sample();
        d.title = "漢字".into();
        assert!(matches!(
            layout(&d),
            Err(RenderError::MissingGlyph('漢', _))
        ));
    }

    #[test]
    fn long_content_flows_onto_numbered_pages_with_the_qr_on_each() {
        let mut d = sample();
        for i in 0..80 {
            d.blocks.push(Block::Paragraph(format!(
                "Đoạn {i}: nội dung dài để kiểm tra việc ngắt trang của văn bản hành chính."
            )));
        }
        let pages = layout(&d).unwrap_or_default();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let n = pages.len();
        for (i, ops) in pages.iter().enumerate() {
            let label = format!("Trang {}/{n}", i + 1);
            assert!(
                ops.iter()
                    .any(|o| matches!(o, Op::Text { text, .. } if *text == label))
            );
            // Nothing is drawn below the footer rule except the footer itself.
            assert!(
                ops.iter()
                    .any(|o| matches!(o, Op::Rect { w, .. } if (*w - 64.0 / 29.0).abs() < 64.0))
            );
        }
        for op in pages.iter().flatten() {
            if let Op::Text { baseline, size, .. } = op {
                assert!(
                    *baseline <= PAGE_H - 30.0 && *baseline >= TOP,
                    "{baseline} {size}"
                );
            }
        }
    }

    #[test]
    fn renders_a_pdf_a_file_with_the_font_embedded() {
        let bytes = render(&sample()).unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF-1.7"), "{:?}", bytes.get(..8));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("pdfaid:part>2<") || text.contains("pdfaid:part=\"2\""));
        assert!(text.contains("FontFile2"));
    }
}

#[cfg(test)]
mod sample_file {
    /// `MOTCUA_SAMPLE_PDF=/tmp/x.pdf cargo test -p motcua-documents sample` writes the sample.
    #[test]
    fn sample() {
        if let Ok(path) = std::env::var("MOTCUA_SAMPLE_PDF") {
            let bytes = super::render(&super::tests::sample()).unwrap_or_default();
            assert!(std::fs::write(path, bytes).is_ok());
        }
    }
}
