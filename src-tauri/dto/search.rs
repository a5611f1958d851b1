//! Search's wire types: hits and their explanation, one page of results, and the query's outline.

use clipdex_library::query::Outline;
use clipdex_library::{Hit, Marks, SearchResults};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::schemes::{scheme_url, thumbnail_url, MEDIA_SCHEME};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Hit")]
pub struct HitDto {
    pub id: String,
    pub path: String,
    /// Every path holding this content (copies), `path` first.
    pub paths: Vec<String>,
    /// Cosine similarity: shown only when the user asks for numbers.
    pub score: f32,
    /// How well it matches in words, against the query's calibrated marks;
    /// null when browsing or before the library is calibrated.
    #[ts(type = "\"strong\" | \"good\" | \"weak\" | null")]
    pub level: Option<String>,
    /// Where a keyword match was found: `name`, `tag`, `camera`, `words`
    /// (read in the picture), `text` (a caption).
    #[ts(type = "Array<\"name\" | \"tag\" | \"camera\" | \"words\" | \"text\">")]
    pub matched_by: Vec<String>,
    pub width: u32,
    pub height: u32,
    /// `thumb://localhost/<id>`: served by id, never by path.
    pub thumbnail: String,
    /// `media://localhost/<id>`: the picture at preview size, by id.
    pub image: String,
    /// EXIF date taken (ms since the epoch), if any.
    pub taken_at: Option<i64>,
    /// Date taken, else the file's modification time (ms).
    pub date: i64,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub caption: Option<String>,
    pub tags: Vec<TagDto>,
    pub why: WhyDto,
    #[ts(type = "\"photo\" | \"video\" | \"gif\"")]
    pub kind: String,
    /// A video's best moment for the query, seconds from its start (its
    /// `thumbnail` is that moment's picture).
    pub time: Option<f64>,
    /// A video's best moments, best first (the window's strip sorts them by time).
    pub moments: Vec<MomentDto>,
    /// Words read in the picture that the query found, with their boxes
    /// (fractions of the upright picture): what the preview highlights.
    pub text_match: Vec<TextWordDto>,
}

/// The words read in an item's picture.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ItemText")]
pub struct ItemTextDto {
    /// The words, space-separated (empty: the picture holds none).
    pub text: String,
    pub words: Vec<TextWordDto>,
}

impl From<clipdex_library::ItemText> for ItemTextDto {
    fn from(t: clipdex_library::ItemText) -> Self {
        let words = t.words.into_iter().map(|w| TextWordDto { text: w.text, x: w.x, y: w.y, w: w.w, h: w.h }).collect();
        Self { text: t.text, words }
    }
}

/// A word read in a picture, and where.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "TextWord")]
pub struct TextWordDto {
    pub text: String,
    /// Left, top, width, height: fractions (0–1) of the picture's width and height.
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// One moment of a video.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Moment")]
pub struct MomentDto {
    /// Seconds from the start.
    pub time: f64,
    /// The moment's picture, by its id (`thumb://localhost/<id>%23<ms>`).
    pub thumbnail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Tag")]
pub struct TagDto {
    pub label: String,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Why")]
pub struct WhyDto {
    pub vector_rank: Option<usize>,
    pub keyword_rank: Option<usize>,
    pub keyword_fields: Vec<String>,
    pub fused: f32,
}

impl From<Hit> for HitDto {
    fn from(h: Hit) -> Self {
        HitDto::of(h, None)
    }
}

impl HitDto {
    /// The hit, its level read against `marks`.
    pub fn of(h: Hit, marks: Option<Marks>) -> Self {
        let date = h.date_ns() / 1_000_000;
        let level = marks.map(|m| m.level(h.score).as_str().to_string());
        let matched_by = h.why.matched_by().into_iter().map(str::to_string).collect();
        let (kind, time) = (h.kind().to_string(), h.time_s());
        let moment_thumb = |t: f64| thumbnail_url(&format!("{}#{}", h.id, (t * 1000.0).round() as u64));
        let moments =
            h.moments.iter().map(|m| MomentDto { time: m.time_s, thumbnail: moment_thumb(m.time_s) }).collect();
        let thumbnail = time.map_or_else(|| thumbnail_url(&h.id), moment_thumb);
        let d = h.details.unwrap_or_default();
        let text_match =
            h.text_match.into_iter().map(|w| TextWordDto { text: w.text, x: w.x, y: w.y, w: w.w, h: w.h }).collect();
        HitDto {
            text_match,
            thumbnail,
            kind,
            time,
            moments,
            image: scheme_url(MEDIA_SCHEME, &h.id),
            id: h.id,
            path: h.path,
            paths: h.paths,
            score: h.score,
            level,
            matched_by,
            width: h.width,
            height: h.height,
            taken_at: d.taken_at_ms,
            date,
            camera: d.camera,
            lens: d.lens,
            caption: d.caption,
            tags: d.tags.into_iter().map(|t| TagDto { label: t.label, score: t.score }).collect(),
            why: WhyDto {
                vector_rank: h.why.vector_rank,
                keyword_rank: h.why.keyword_rank,
                keyword_fields: h.why.keyword_fields,
                fused: h.why.fused,
            },
        }
    }
}

/// Photos in one calendar month (UTC) of the library browsed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Month")]
pub struct MonthDto {
    pub year: i64,
    /// 1–12.
    pub month: u32,
    pub count: usize,
}

/// One search's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "SearchResult")]
pub struct SearchDto {
    pub hits: Vec<HitDto>,
    /// The cosine cutoff applied to vector matches, if any.
    pub cutoff: Option<f32>,
    /// Whether it is the library's calibrated default (the slider's home).
    pub default_cutoff: bool,
    /// Vector matches below the cutoff (they follow the matches, as weaker ones).
    pub below_cutoff: usize,
    /// Results above the cutoff in all pages together, exactly (not when browsing):
    /// the first `matches - offset` hits of this page are matches, the rest weaker.
    pub matches: Option<usize>,
    /// Browsing: the photos listed in all pages together, exactly.
    pub total: Option<usize>,
    /// Browsing: the whole list's photos per month (UTC), newest first.
    pub months: Vec<MonthDto>,
    /// The query had no terms: the library, newest first (scores are 0).
    pub browsed: bool,
    /// The query as the engine read it.
    pub outline: OutlineDto,
}

impl SearchDto {
    pub fn of(found: SearchResults, outline: OutlineDto) -> Self {
        SearchDto {
            hits: found.hits.into_iter().map(|h| HitDto::of(h, found.marks)).collect(),
            cutoff: found.cutoff,
            default_cutoff: found.default_cutoff,
            below_cutoff: found.below_cutoff,
            matches: found.matches,
            total: found.total,
            months: found.months.iter().map(|m| MonthDto { year: m.year, month: m.month, count: m.count }).collect(),
            browsed: found.browsed,
            outline,
        }
    }
}

/// One part of a query, where it sits in the text (UTF-16 offsets, as the
/// window's strings count), so the window can show it and rewrite its weight.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Part")]
pub struct PartDto {
    pub start: usize,
    pub atom_start: usize,
    pub end: usize,
    /// `text`, `image` (a path), `similar` (a library item) or `filter`.
    #[ts(type = "\"text\" | \"image\" | \"similar\" | \"filter\"")]
    pub kind: String,
    /// The phrase, path, item id, or `name:value` of a filter.
    pub label: String,
    /// Terms only: the signed weight.
    pub weight: Option<f32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "SyntaxAt")]
pub struct SyntaxDto {
    /// Where the query stops making sense (UTF-16 offset).
    pub position: usize,
    pub expected: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Outline")]
pub struct OutlineDto {
    pub parts: Vec<PartDto>,
    pub error: Option<SyntaxDto>,
}

impl From<Outline> for OutlineDto {
    fn from(o: Outline) -> Self {
        OutlineDto {
            parts: o
                .parts
                .into_iter()
                .map(|p| PartDto {
                    start: p.start,
                    atom_start: p.atom_start,
                    end: p.end,
                    kind: p.kind.as_str().to_string(),
                    label: p.label,
                    weight: p.weight,
                })
                .collect(),
            error: o.error.map(|e| SyntaxDto { position: e.position, expected: e.expected }),
        }
    }
}
