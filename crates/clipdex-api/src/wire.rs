//! The JSON shapes of Clipdex's headless front ends, in one place: the CLI's
//! `--json` lines, the HTTP API's bodies and the MCP tools' text parts are
//! these types, and the OpenAPI document's schemas are generated from them.

use clipdex_library::{Description, Hit, SearchResults, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One search result (or one item, with a score of 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HitJson {
    /// The item's content id (BLAKE3 of its bytes): how every other call names it.
    pub id: String,
    /// The first path holding this content.
    pub path: String,
    /// `photo`, `gif` or `video`.
    pub kind: String,
    /// A video's best moment for the query, seconds from its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// A video's best moments for the query, best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moments: Vec<MomentJson>,
    /// Every path holding this content (copies), `path` first.
    pub paths: Vec<String>,
    /// Cosine similarity between the query and the item, -1 to 1.
    pub score: f32,
    /// The score in words against the library's calibrated marks: `strong`,
    /// `good` (at or above the cutoff) or `weak`; absent before calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub width: u32,
    pub height: u32,
    /// File size in bytes.
    pub size: u64,
    /// File modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// EXIF date taken (UTC, ISO 8601), if the photo has one.
    pub taken_at: Option<String>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    /// A caption a user wrote.
    pub caption: Option<String>,
    /// Labels that fit the picture, best first.
    pub tags: Vec<TagJson>,
    pub why: WhyJson,
    /// Words read in the picture (OCR) that the query found, with their
    /// boxes; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text_match: Vec<TextWordJson>,
}

/// A word read in a picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TextWordJson {
    pub text: String,
    /// Its box: left, top, width and height as fractions (0–1) of the
    /// upright picture's width and height.
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// The engine's confidence, 0–100.
    pub conf: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MomentJson {
    /// Seconds from the video's start.
    pub time: f64,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TagJson {
    pub label: String,
    pub score: f32,
}

/// Why a result matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WhyJson {
    /// The cosine, and the rank among the vector matches (if it was one).
    pub vector_score: f32,
    pub vector_rank: Option<usize>,
    /// Rank among keyword matches, and the fields that held query words
    /// (e.g. `tags: dog`, `path: beach`).
    pub keyword_rank: Option<usize>,
    pub keyword_fields: Vec<String>,
    /// Reciprocal-rank-fusion score (hybrid and keyword modes).
    pub fused: f32,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchJson {
    /// Best first.
    pub results: Vec<HitJson>,
    /// The cosine below which vector matches were left out (the library's
    /// calibrated cutoff unless `min_score` was given); null when none applied.
    pub cutoff: Option<f32>,
    /// Vector matches the cutoff left out.
    pub hidden: usize,
}

/// One label (or user caption) describing an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LabelJson {
    pub text: String,
    /// `label` (Clipdex's vocabulary) or `caption` (written by a user).
    pub source: String,
    /// Cosine between the text and the picture.
    pub cosine: f32,
    /// Share of a softmax over every candidate (CLIP's temperature, 100).
    pub probability: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DescribeJson {
    pub id: String,
    /// Best first.
    pub labels: Vec<LabelJson>,
}

/// The library at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusJson {
    pub library: String,
    /// Distinct contents indexed (copies count once).
    pub items: usize,
    pub videos: usize,
    /// Paths indexed.
    pub files: usize,
    pub folders: Vec<String>,
    /// The model searches use (`name@fingerprint`).
    pub model: Option<String>,
    /// Its name as people call it.
    pub model_name: Option<String>,
    pub dim: Option<usize>,
    /// Files a running indexer or watcher has still to do.
    pub pending: usize,
    /// Files that could not be read.
    pub failures: usize,
    /// Items waiting for tags until the model's label vocabulary is prepared.
    pub tags_waiting: usize,
    /// The calibrated cutoff for text queries, once calibrated.
    pub text_cutoff: Option<f32>,
}

/// Every error: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorJson {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Machine-readable (`unauthorized`, `query_syntax`, `no_such_item`, …).
    pub code: String,
    pub message: String,
    /// Where in the query a syntax error is (0-based character offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}

impl HitJson {
    pub fn from_hit(h: &Hit, results: Option<&SearchResults>) -> Self {
        let d = h.details.as_ref();
        // Browsing and single items have no marks, so no level.
        let level = results.and_then(|r| r.marks);
        Self {
            id: h.id.clone(),
            path: h.path.clone(),
            kind: h.kind().to_string(),
            time: h.time_s(),
            moments: h.moments.iter().map(|m| MomentJson { time: m.time_s, score: m.score }).collect(),
            paths: h.paths.clone(),
            score: h.score,
            level: level.map(|m| m.level(h.score).as_str().to_string()),
            width: h.width,
            height: h.height,
            size: h.size,
            mtime_ns: h.mtime_ns,
            taken_at: h.taken_at_iso(),
            camera: d.and_then(|d| d.camera.clone()),
            lens: d.and_then(|d| d.lens.clone()),
            caption: d.and_then(|d| d.caption.clone()),
            tags: d.map_or(Vec::new(), |d| {
                d.tags.iter().map(|t| TagJson { label: t.label.clone(), score: t.score }).collect()
            }),
            why: WhyJson {
                vector_score: h.score,
                vector_rank: h.why.vector_rank,
                keyword_rank: h.why.keyword_rank,
                keyword_fields: h.why.keyword_fields.clone(),
                fused: h.why.fused,
            },
            text_match: h
                .text_match
                .iter()
                .map(|w| TextWordJson { text: w.text.clone(), x: w.x, y: w.y, w: w.w, h: w.h, conf: w.conf })
                .collect(),
        }
    }
}

impl From<&SearchResults> for SearchJson {
    fn from(r: &SearchResults) -> Self {
        Self {
            results: r.hits.iter().map(|h| HitJson::from_hit(h, Some(r))).collect(),
            cutoff: r.cutoff,
            hidden: r.below_cutoff,
        }
    }
}

impl From<&Description> for LabelJson {
    fn from(d: &Description) -> Self {
        Self { text: d.text.clone(), source: d.source.to_string(), cosine: d.cosine, probability: d.probability }
    }
}

impl From<&Status> for StatusJson {
    fn from(s: &Status) -> Self {
        Self {
            library: s.library_dir.to_string_lossy().into_owned(),
            items: s.items,
            videos: s.videos,
            files: s.files,
            folders: s.folders.clone(),
            model: s.model_id.clone(),
            model_name: s.model_name.clone(),
            dim: s.dim,
            pending: s.pending,
            failures: s.failures.len(),
            tags_waiting: s.tags_waiting,
            text_cutoff: s.calibration.as_ref().map(|c| c.text),
        }
    }
}
