//! A video competes with photos through its best moment: the vector list
//! holds moments (parts `<video id>#<ms>`) beside whole items; [`fold`]
//! keeps one row per item, scored by its best row, and [`attach`] gives
//! each video hit its best moments for the query.

use std::collections::HashSet;

use clipdex_store::{whole_of, Scored};

use crate::error::Result;
use crate::index::video::moment_time;
use crate::query::Hit;
use crate::state::State;

/// Moments listed with a video hit, at most.
pub const MOMENTS_SHOWN: usize = 5;

/// One moment of a video hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MomentHit {
    /// Seconds from the start of the video.
    pub time_s: f64,
    /// Cosine similarity to the query.
    pub score: f32,
}

/// One row per item, in the rows' order (best first): a moment's row
/// stands for its video, scored by the best of the video's rows.
pub(crate) fn fold(rows: Vec<Scored>) -> Vec<Scored> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let whole = whole_of(&r.id).to_string();
        if seen.insert(whole.clone()) {
            out.push(Scored { id: whole, ..r });
        }
    }
    out
}

/// The rows nearest `vector`, at least `rows` of them, read deeper until
/// they hold `items` items once folded (a long video's moments can fill
/// the first rows) or the table has no more.
pub(crate) async fn nearest_items(
    state: &State,
    space: &str,
    vector: &[f32],
    rows: usize,
    items: usize,
) -> Result<Vec<Scored>> {
    let mut depth = rows.max(1);
    loop {
        let near = state.store.nearest(space, vector, depth, false).await?;
        let held: HashSet<&str> = near.iter().map(|r| whole_of(&r.id)).collect();
        if near.len() < depth || held.len() >= items || depth >= usize::MAX / 16 {
            return Ok(near);
        }
        depth = depth.saturating_mul(4);
    }
}

/// Gives each video hit its moments, best first for `vector`, and its
/// score the best moment's (the time a front end opens it at).
pub(crate) async fn attach(state: &State, space: &str, hits: &mut [Hit], vector: &[f32]) -> Result<()> {
    for h in hits.iter_mut().filter(|h| h.is_video()) {
        let mut ids = state.store.parts_of(space, &h.id).await?;
        ids.push(h.id.clone());
        let mut scored = state.store.scored_by_id(space, &ids, vector).await?;
        // The video's own row has its size (a moment's is the frame's).
        if let Some(own) = scored.iter().find(|s| s.id == h.id) {
            (h.width, h.height) = (own.width, own.height);
        }
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        h.moments = scored
            .iter()
            .filter_map(|s| Some(MomentHit { time_s: moment_time(&s.id)?, score: s.score }))
            .take(MOMENTS_SHOWN)
            .collect();
        if let Some(best) = h.moments.first() {
            h.score = h.score.max(best.score);
        }
    }
    Ok(())
}

/// A time in a video as people write it: `m:ss`, or `h:mm:ss` past an hour.
pub fn clock(time_s: f64) -> String {
    let t = time_s.max(0.0).floor() as u64;
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// `path@mm:ss` (or `@h:mm:ss`, `@75s`, `@75.5`) → the path and the seconds.
pub fn split_at_time(s: &str) -> Option<(&str, f64)> {
    let (path, t) = s.rsplit_once('@')?;
    let t = t.strip_suffix('s').unwrap_or(t);
    let mut secs = 0.0;
    for part in t.split(':') {
        let v: f64 = part.parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
        secs = secs * 60.0 + v;
    }
    (!path.is_empty() && t.split(':').count() <= 3).then_some((path, secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_and_write_as_clocks() {
        assert_eq!(clock(75.9), "01:15");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(split_at_time("/v/a.mp4@01:15"), Some(("/v/a.mp4", 75.0)));
        assert_eq!(split_at_time("/v/a@b.mp4@1:02:05"), Some(("/v/a@b.mp4", 3725.0)));
        assert_eq!(split_at_time("/v/a.mp4@12.5s"), Some(("/v/a.mp4", 12.5)));
        assert_eq!(split_at_time("/v/a.mp4@x"), None);
        assert_eq!(split_at_time("/v/a.mp4"), None);
    }

    fn row(id: &str, score: f32) -> Scored {
        Scored { id: id.into(), width: 1, height: 1, score }
    }

    #[test]
    fn a_video_is_one_row_scored_by_its_best_moment() {
        let rows = vec![row("v#4000", 0.9), row("p", 0.8), row("v", 0.7), row("v#0", 0.6), row("q", 0.5)];
        let got: Vec<(String, f32)> = fold(rows).into_iter().map(|r| (r.id, r.score)).collect();
        assert_eq!(got, vec![("v".into(), 0.9), ("p".into(), 0.8), ("q".into(), 0.5)]);
    }
}
