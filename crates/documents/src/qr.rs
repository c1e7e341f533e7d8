//! QR codes drawn as vector rectangles (no image), so they stay sharp when printed and keep the
//! PDF/A file free of raster data.

use qrcode::{Color, EcLevel, QrCode};

use crate::render::{Op, RenderError};

/// The module matrix of one QR code.
#[derive(Debug, Clone)]
pub struct Matrix {
    width: usize,
    dark: Vec<bool>,
}

impl Matrix {
    /// Level M tolerates ~15 % damage: enough for a stamped or folded paper copy.
    pub fn encode(payload: &str) -> Result<Self, RenderError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| RenderError::Qr(e.to_string()))?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// One rectangle per horizontal run of dark modules, in a `side`-point square at (x, y).
    pub(crate) fn rects(&self, x: f32, y: f32, side: f32) -> Vec<Op> {
        let m = side / self.width as f32;
        let mut out = Vec::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if !self.is_dark(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < self.width && self.is_dark(col, row) {
                    col += 1;
                }
                out.push(Op::Rect {
                    x: x + start as f32 * m,
                    y: y + row as f32 * m,
                    w: (col - start) as f32 * m,
                    // A hair taller than a module so rows print without seams.
                    h: m + 0.05,
                });
            }
        }
        out
    }

    /// An SVG of the code for HTML pages (same matrix as the PDF), named `label` for screen
    /// readers (the label is escaped).
    pub fn svg(&self, px: u32, label: &str) -> String {
        let label = label
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let w = self.width + 8;
        let mut d = String::new();
        for row in 0..self.width {
            for col in 0..self.width {
                if self.is_dark(col, row) {
                    d.push_str(&format!("M{} {}h1v1h-1z", col + 4, row + 4));
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {w}\" width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{label}\"><rect width=\"{w}\" height=\"{w}\" fill=\"#fff\"/><path d=\"{d}\" fill=\"#000\"/></svg>"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rectangles_cover_exactly_the_dark_modules() {
        let m = Matrix::encode("https://motcua.example/verify/01JD").unwrap_or_else(|_| Matrix {
            width: 0,
            dark: vec![],
        });
        assert!(m.width() >= 21);
        // Finder pattern corners are dark.
        assert!(m.is_dark(0, 0) && m.is_dark(m.width() - 1, 0) && m.is_dark(0, m.width() - 1));
        let covered: f32 = m
            .rects(0.0, 0.0, m.width() as f32)
            .iter()
            .map(|op| match op {
                Op::Rect { w, .. } => *w,
                Op::Text { .. } => 0.0,
            })
            .sum();
        let dark = (0..m.width())
            .flat_map(|y| (0..m.width()).map(move |x| (x, y)))
            .filter(|(x, y)| m.is_dark(*x, *y))
            .count();
        assert!((covered - dark as f32).abs() < 0.01, "{covered} vs {dark}");
    }
}
