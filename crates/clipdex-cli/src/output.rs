//! Output shared by several commands: the JSON line shapes of hits and failures, printing hits, and text formatting.

use std::io::Write;

use anyhow::Result;
use clipdex_library::SearchResults;
use serde::Serialize;

#[derive(Serialize)]
struct HitJson<'a> {
    path: &'a str,
    /// `photo`, `gif` or `video`.
    kind: &'static str,
    /// A video's best moment, seconds from its start.
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<f64>,
    /// A video's best moments for the query, best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    moments: Vec<MomentJson>,
    /// Every path holding this content (copies), `path` first.
    paths: &'a [String],
    /// Cosine similarity to the query, always.
    score: f32,
    id: &'a str,
    width: u32,
    height: u32,
    size: u64,
    mtime_ns: i64,
    /// EXIF date taken (UTC, ISO 8601), if the photo has one.
    taken_at: Option<String>,
    camera: Option<&'a str>,
    lens: Option<&'a str>,
    caption: Option<&'a str>,
    tags: Vec<TagJson<'a>>,
    why: WhyJson<'a>,
}

#[derive(Serialize)]
struct MomentJson {
    time: f64,
    score: f32,
}

#[derive(Serialize)]
struct TagJson<'a> {
    label: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct WhyJson<'a> {
    /// The cosine, and the rank among vector matches (if it was one).
    vector_score: f32,
    vector_rank: Option<usize>,
    /// Rank among keyword matches, and the fields that held query words.
    keyword_rank: Option<usize>,
    keyword_fields: &'a [String],
    /// Reciprocal-rank-fusion score (hybrid and keyword modes).
    fused: f32,
}

#[derive(Serialize)]
pub(crate) struct FailureJson<'a> {
    pub(crate) path: &'a str,
    pub(crate) reason: &'a str,
}

pub(crate) fn print_hits(results: &SearchResults, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for h in &results.hits {
        let d = h.details.as_ref();
        if json {
            let j = HitJson {
                path: &h.path,
                kind: h.kind(),
                time: h.time_s(),
                moments: h.moments.iter().map(|m| MomentJson { time: m.time_s, score: m.score }).collect(),
                paths: &h.paths,
                score: h.score,
                id: &h.id,
                width: h.width,
                height: h.height,
                size: h.size,
                mtime_ns: h.mtime_ns,
                taken_at: h.taken_at_iso(),
                camera: d.and_then(|d| d.camera.as_deref()),
                lens: d.and_then(|d| d.lens.as_deref()),
                caption: d.and_then(|d| d.caption.as_deref()),
                tags: d.map_or(Vec::new(), |d| {
                    d.tags.iter().map(|t| TagJson { label: &t.label, score: t.score }).collect()
                }),
                why: WhyJson {
                    vector_score: h.score,
                    vector_rank: h.why.vector_rank,
                    keyword_rank: h.why.keyword_rank,
                    keyword_fields: &h.why.keyword_fields,
                    fused: h.why.fused,
                },
            };
            writeln!(out, "{}", serde_json::to_string(&j)?)?;
        } else {
            let mut extra = Vec::new();
            if let Some(t) = h.taken_at_iso() {
                extra.push(t.chars().take(10).collect());
            }
            if let Some(d) = d.filter(|d| !d.tags.is_empty()) {
                extra.push(d.tags.iter().take(3).map(|t| t.label.as_str()).collect::<Vec<_>>().join(", "));
            }
            if !h.why.keyword_fields.is_empty() {
                extra.push(format!("matched {}", h.why.keyword_fields.join("; ")));
            }
            let extra = if extra.is_empty() { String::new() } else { format!("  [{}]", extra.join(" · ")) };
            let at = h.time_s().map_or(String::new(), |t| format!("@{}", clipdex_library::clock(t)));
            writeln!(out, "{:.4}  {}{at}{extra}", h.score, h.path)?;
        }
    }
    if results.below_cutoff > 0 {
        let which = if results.default_cutoff { "the default cutoff" } else { "--min-score" };
        eprintln!(
            "{} more below {which} {:.3} (use --min-score to change it, -1 to show all)",
            results.below_cutoff,
            results.cutoff.unwrap_or(0.0)
        );
    } else if results.hits.is_empty() && !json {
        eprintln!("no matches (try other words, --mode vector, or --min-score -1; an empty library needs `clipdex index FOLDER`)");
    }
    Ok(())
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(crate) fn sparkline(h: &[usize]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = h.iter().copied().max().unwrap_or(0).max(1);
    h.iter().map(|&n| if n == 0 { ' ' } else { BARS[(n * 7).div_ceil(max).min(7)] }).collect()
}

pub(crate) fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}
