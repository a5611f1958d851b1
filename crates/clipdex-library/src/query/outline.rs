//! The query as the engine reads it, for a front end to show while the user
//! types: each term and filter with its place in the text, or where the
//! query stops making sense. The same parser as search, so what is shown is
//! what runs.

use super::parse::{parse, PieceOf, TermKind};

/// What a part of a query is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Words to match.
    Text,
    /// An image file (read as words to match by front ends that never open paths).
    Image,
    /// `similar:<id>`: a library item.
    Similar,
    /// A filter (`after:`, `camera:`, …).
    Filter,
}

impl PartKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Text => "text",
            PartKind::Image => "image",
            PartKind::Similar => "similar",
            PartKind::Filter => "filter",
        }
    }
}

/// One part of a query. Offsets count UTF-16 code units, as JavaScript
/// strings (and so every window text box) do.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlinePart {
    /// The part with its sign or weight …
    pub start: usize,
    /// … where the term itself (or the filter's value) begins …
    pub atom_start: usize,
    /// … and just past the part.
    pub end: usize,
    pub kind: PartKind,
    /// The phrase, path, item id, or `name:value` of a filter.
    pub label: String,
    /// Terms only: the signed weight.
    pub weight: Option<f32>,
}

/// Where a query stops making sense (UTF-16 offset), and what was expected there.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxAt {
    pub position: usize,
    pub expected: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outline {
    pub parts: Vec<OutlinePart>,
    pub error: Option<SyntaxAt>,
}

impl Outline {
    /// Whether the query has a filter (its order then depends on the pool ranked).
    pub fn has_filter(&self) -> bool {
        self.parts.iter().any(|p| p.kind == PartKind::Filter)
    }
}

/// The outline of `src`, read as a front end that never opens paths reads
/// it: a path is words to match.
pub fn outline(src: &str) -> Outline {
    // Character offsets → UTF-16 offsets.
    let mut utf16 = Vec::with_capacity(src.len() + 1);
    let mut at = 0;
    for c in src.chars() {
        utf16.push(at);
        at += c.len_utf16();
    }
    utf16.push(at);
    let u = |i: usize| utf16.get(i).copied().unwrap_or(at);
    let mut q = match parse(src) {
        Err(e) => {
            return Outline {
                parts: Vec::new(),
                error: Some(SyntaxAt { position: u(e.position), expected: e.expected }),
            }
        }
        Ok(q) => q,
    };
    q.paths_as_text();
    let parts = q
        .pieces
        .iter()
        .filter_map(|p| {
            let (kind, label, weight) = match p.of {
                PieceOf::Term(i) => {
                    let t = q.terms.get(i)?;
                    let (kind, label) = match &t.kind {
                        TermKind::Text(s) => (PartKind::Text, s.clone()),
                        TermKind::Image(path) => (PartKind::Image, path.display().to_string()),
                        TermKind::Similar(id) => (PartKind::Similar, id.clone()),
                    };
                    (kind, label, Some(t.weight))
                }
                PieceOf::Filter(_) => {
                    let text: String = src.chars().skip(p.start).take(p.end - p.start).collect();
                    (PartKind::Filter, text, None)
                }
            };
            Some(OutlinePart { start: u(p.start), atom_start: u(p.atom_start), end: u(p.end), kind, label, weight })
        })
        .collect();
    Outline { parts, error: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_as_the_window_counts() {
        // "📷" is one character but two UTF-16 units.
        let o = outline("📷 beach -0.5:\"rain\" after:2024-01-31");
        let kinds: Vec<(&str, usize, usize, usize)> =
            o.parts.iter().map(|p| (p.kind.as_str(), p.start, p.atom_start, p.end)).collect();
        assert_eq!(kinds, vec![("text", 0, 0, 8), ("text", 9, 14, 20), ("filter", 21, 27, 37)]);
        assert_eq!(o.parts[1].weight, Some(-0.5));
        assert_eq!(o.parts[2].label, "after:2024-01-31");
        assert!(o.has_filter());
        let bad = outline("📷 \"red car");
        assert_eq!(bad.error.map(|e| e.position), Some(3));
    }
}
