//! Output shared by several commands: printing hits (as `clipdex_api::wire::HitJson` lines with --json), the JSON shape of failures, and text formatting.

use std::io::Write;

use anyhow::Result;
use clipdex_api::wire::HitJson;
use clipdex_library::SearchResults;
use serde::Serialize;

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
            let j = HitJson::from_hit(h, Some(results));
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
