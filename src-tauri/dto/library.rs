//! The library's wire types: its status, indexing progress events and a run's summary.

use clipdex_library::{IndexSummary, Phase, Progress, Status};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::models::{DeviceDto, LibModelDto};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Failure")]
pub struct FailureDto {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Status")]
pub struct StatusDto {
    pub library: String,
    pub items: usize,
    /// How many of `items` are videos.
    pub videos: usize,
    pub files: usize,
    pub folders: Vec<String>,
    pub model_id: Option<String>,
    /// The active model as people call it (the registry's name, else its folder name).
    pub model_name: Option<String>,
    pub model_dir: Option<String>,
    pub failures: Vec<FailureDto>,
    /// Files left for later through no fault of theirs, with the reason
    /// (videos while ffmpeg is missing).
    pub skipped: Vec<FailureDto>,
    pub indexing: bool,
    /// Whether the running index is paused.
    pub paused: bool,
    /// Files still to index by a running indexer or watcher.
    pub pending: usize,
    /// How each watched folder is watched: "events" or "polling (why)".
    pub watching: Vec<WatchDto>,
    /// Every model with vectors in the library: the active one first, and
    /// any being switched to.
    pub models: Vec<LibModelDto>,
    /// Where the loaded model runs, if one is loaded.
    pub device: Option<DeviceDto>,
    /// No model to index with yet (none in the library, none installed):
    /// the window offers the registry's models first.
    pub needs_model: bool,
    /// A folder to offer a library without folders (the user's Pictures).
    pub suggested_folder: Option<String>,
    /// Reading text in pictures (OCR).
    pub text: TextStatusDto,
}

/// Whether the words in pictures are read, and how far.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "TextStatus")]
pub struct TextStatusDto {
    /// The engine ("tesseract 5.3.0"); null: OCR is off.
    pub engine: Option<String>,
    /// Why it is off, in words.
    pub off_reason: Option<String>,
    pub languages: Vec<String>,
    /// Pictures read, and how many held words.
    pub read: usize,
    pub with_text: usize,
    /// Pictures waiting to be read.
    pub waiting: usize,
}

/// The app's version and where it keeps the library and models.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "AppInfo")]
pub struct AppInfoDto {
    pub version: String,
    pub library: String,
    pub models: String,
    /// Where to play a video from: this and its id (Linux, whose web view
    /// cannot play from the app's own scheme); null: the hit's `image`.
    pub video_base: Option<String>,
}

impl StatusDto {
    /// The library's status, with what only the app knows: whether it is
    /// indexing (and paused), and where the loaded model runs.
    pub fn of(s: Status, indexing: bool, paused: bool, device: Option<DeviceDto>) -> Self {
        StatusDto {
            library: s.library_dir.display().to_string(),
            items: s.items,
            videos: s.videos,
            files: s.files,
            folders: s.folders,
            model_id: s.model_id,
            model_name: s.model_name,
            model_dir: s.model_dir,
            failures: s.failures.into_iter().map(|f| FailureDto { path: f.path, reason: f.reason }).collect(),
            skipped: s.skipped.into_iter().map(|f| FailureDto { path: f.path, reason: f.reason }).collect(),
            indexing,
            paused,
            pending: s.pending,
            watching: s.watching.into_iter().map(|(folder, mode)| WatchDto { folder, mode }).collect(),
            models: s.models.iter().map(LibModelDto::from).collect(),
            device,
            needs_model: false,
            suggested_folder: None,
            text: TextStatusDto {
                engine: s.text.engine,
                off_reason: s.text.off_reason,
                languages: s.text.languages,
                read: s.text.read,
                with_text: s.text.with_text,
                waiting: s.text.waiting,
            },
        }
    }
}

/// A camera the library's photos were taken with (what `camera:` matches).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Camera")]
pub struct CameraDto {
    pub name: String,
    pub photos: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Watching")]
pub struct WatchDto {
    pub folder: String,
    pub mode: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Summary")]
pub struct SummaryDto {
    pub indexed: usize,
    pub reused: usize,
    pub skipped: usize,
    pub removed: usize,
    pub failed: Vec<FailureDto>,
    pub cancelled: bool,
    pub seconds: f64,
}

/// Sent over the channel given to `index_folders`, in order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
#[ts(rename = "IndexEvent")]
pub enum IndexEvent {
    #[serde(rename_all = "camelCase")]
    Started { folders: Vec<String> },
    #[serde(rename_all = "camelCase")]
    Progress {
        #[ts(type = "\"scanning\" | \"indexing\" | \"labels\" | \"describing\" | \"reading\" | \"finished\"")]
        phase: String,
        total: usize,
        done: usize,
        indexed: usize,
        reused: usize,
        skipped: usize,
        failed: usize,
        removed: usize,
        current: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Finished { summary: SummaryDto },
}

pub fn progress_event(p: &Progress) -> IndexEvent {
    IndexEvent::Progress {
        phase: match p.phase {
            Phase::Scanning => "scanning",
            Phase::Indexing => "indexing",
            Phase::Labels => "labels",
            Phase::Describing => "describing",
            Phase::Reading => "reading",
            Phase::Finished => "finished",
        }
        .into(),
        total: p.total,
        done: p.done,
        indexed: p.indexed,
        reused: p.reused,
        skipped: p.skipped,
        failed: p.failed,
        removed: p.removed,
        current: p.current.clone(),
    }
}

pub fn summary_dto(summary: IndexSummary) -> SummaryDto {
    SummaryDto {
        indexed: summary.indexed,
        reused: summary.reused,
        skipped: summary.skipped,
        removed: summary.removed,
        failed: summary.failed.into_iter().map(|(path, reason)| FailureDto { path, reason }).collect(),
        cancelled: summary.cancelled,
        seconds: summary.elapsed.as_secs_f64(),
    }
}
