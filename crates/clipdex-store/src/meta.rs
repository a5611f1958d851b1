//! The key/value `meta` table, read and written only through typed facts:
//! the active model, the models with vectors here, a switch's target, each
//! model's throughput and calibration, what live indexers and watchers
//! report, and the vector indexes' training facts. The text encodings (kept
//! as older libraries wrote them) live here and nowhere else.

use std::sync::Arc;

use arrow_array::{Array, RecordBatch, StringArray};
use lancedb::query::QueryBase;

use crate::error::{arrow, Result};
use crate::rows::{collect, column, quote, upsert};
use crate::schema::meta_schema;
use crate::Store;

const ACTIVE_ID: &str = "model_id";
const ACTIVE_DIR: &str = "model_dir";
const ACTIVE_DIM: &str = "dim";
/// Lines of `id\tdir\tdim`.
const MODELS: &str = "models";
const TARGET: &str = "target";
/// Per model: `items\tseconds`.
const THROUGHPUT: &str = "throughput";
/// Per model: `key\titems\ttext\timage\tfloor`.
const CALIBRATION: &str = "calibration";
/// `pid files`.
const PENDING: &str = "pending";
/// Lines of `folder\tmode`, and the watcher's pid beside them.
const WATCH: &str = "watch";
const WATCH_PID: &str = "watch_pid";
/// Seconds between a video's moments at most (the library's choice).
const MOMENT_EVERY: &str = "video_moment_every_s";
/// The languages pictures are read in ("eng+deu"), if the library chose them.
const TEXT_LANGUAGES: &str = "text_languages";
/// Per vector space: rows and partitions the index was trained with
/// (unsuffixed: the single table of libraries from before several models).
pub(crate) const ANN_ROWS: &str = "ann_rows";
pub(crate) const ANN_PARTITIONS: &str = "ann_partitions";

fn per(base: &str, key: &str) -> String {
    format!("{base}:{key}")
}

/// The keys holding a space's vector-index facts (dropped with the space).
pub(crate) fn ann_keys(space: &str) -> [String; 2] {
    [per(ANN_ROWS, space), per(ANN_PARTITIONS, space)]
}

/// A model with vectors in the library, as the library records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntry {
    pub id: String,
    /// The model's folder, as it was when it last wrote here.
    pub dir: String,
    /// Its vectors' width (0 when a library from before did not record it).
    pub dim: usize,
}

/// Images a model embedded on this library, and the seconds that took.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Throughput {
    pub items: usize,
    pub seconds: f64,
}

/// A model's default relevance cutoffs as stored (the library's
/// `Calibration` says what each means).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationRecord {
    pub key: String,
    pub items: usize,
    pub text: f32,
    pub image: Option<f32>,
    pub text_floor: Option<f32>,
}

/// What a process reported about itself: its id and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported<T> {
    pub pid: u32,
    pub value: T,
}

impl Store {
    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let batches =
            collect(self.meta.query().only_if(format!("key = {}", quote(key))), "reading library metadata").await?;
        for b in &batches {
            let v = column::<StringArray>(b, "value")?;
            if !v.is_empty() {
                return Ok(Some(v.value(0).to_string()));
            }
        }
        Ok(None)
    }

    /// Sets several metadata keys in one commit.
    async fn set_meta(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let keys: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        let values: Vec<&str> = pairs.iter().map(|p| p.1).collect();
        let batch = RecordBatch::try_new(
            meta_schema(),
            vec![Arc::new(StringArray::from(keys)), Arc::new(StringArray::from(values))],
        )
        .map_err(arrow)?;
        upsert(&self.meta, "key", batch, "writing library metadata").await
    }

    /// The model searches and new files use, if the library has one.
    pub async fn active_model(&self) -> Result<Option<ModelEntry>> {
        let Some(id) = self.meta(ACTIVE_ID).await? else { return Ok(None) };
        let dir = self.meta(ACTIVE_DIR).await?.unwrap_or_default();
        let dim = self.meta(ACTIVE_DIM).await?.and_then(|d| d.parse().ok()).unwrap_or(0);
        Ok(Some(ModelEntry { id, dir, dim }))
    }

    /// Records the active model, in one commit; `end_switch` also clears
    /// any switch's target in that commit.
    pub async fn set_active_model(&self, m: &ModelEntry, end_switch: bool) -> Result<()> {
        let dim = m.dim.to_string();
        let mut pairs = vec![(ACTIVE_ID, m.id.as_str()), (ACTIVE_DIR, m.dir.as_str()), (ACTIVE_DIM, dim.as_str())];
        if end_switch {
            pairs.push((TARGET, ""));
        }
        self.set_meta(&pairs).await
    }

    /// Every model the library lists as having vectors here.
    pub async fn listed_models(&self) -> Result<Vec<ModelEntry>> {
        Ok(self
            .meta(MODELS)
            .await?
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                let (id, dir, dim) = (f.next()?, f.next()?, f.next()?.parse().ok()?);
                Some(ModelEntry { id: id.to_string(), dir: dir.to_string(), dim })
            })
            .collect())
    }

    pub async fn set_listed_models(&self, models: &[ModelEntry]) -> Result<()> {
        let lines: Vec<String> = models.iter().map(|m| format!("{}\t{}\t{}", m.id, m.dir, m.dim)).collect();
        self.set_meta(&[(MODELS, &lines.join("\n"))]).await
    }

    /// The model a switch is embedding with, until it is complete.
    pub async fn switch_target(&self) -> Result<Option<String>> {
        Ok(self.meta(TARGET).await?.filter(|t| !t.is_empty()))
    }

    pub async fn set_switch_target(&self, model_id: Option<&str>) -> Result<()> {
        self.set_meta(&[(TARGET, model_id.unwrap_or(""))]).await
    }

    pub async fn throughput(&self, model_id: &str) -> Result<Option<Throughput>> {
        Ok(self.meta(&per(THROUGHPUT, model_id)).await?.as_deref().and_then(|v| {
            let (n, secs) = v.split_once('\t')?;
            Some(Throughput { items: n.parse().ok()?, seconds: secs.parse().ok()? })
        }))
    }

    pub async fn set_throughput(&self, model_id: &str, t: Throughput) -> Result<()> {
        self.set_meta(&[(per(THROUGHPUT, model_id).as_str(), &format!("{}\t{:.3}", t.items, t.seconds))]).await
    }

    pub async fn calibration(&self, model_id: &str) -> Result<Option<CalibrationRecord>> {
        Ok(self.meta(&per(CALIBRATION, model_id)).await?.as_deref().and_then(|s| {
            let mut it = s.split('\t');
            let key = it.next()?.to_string();
            let items = it.next()?.parse().ok()?;
            let text = it.next()?.parse().ok()?;
            let image = it.next().and_then(|x| x.parse().ok());
            let text_floor = it.next().and_then(|x| x.parse().ok());
            Some(CalibrationRecord { key, items, text, image, text_floor })
        }))
    }

    pub async fn set_calibration(&self, model_id: &str, c: &CalibrationRecord) -> Result<()> {
        let opt = |v: Option<f32>| v.map_or(String::new(), |x| x.to_string());
        let v = format!("{}\t{}\t{}\t{}\t{}", c.key, c.items, c.text, opt(c.image), opt(c.text_floor));
        self.set_meta(&[(per(CALIBRATION, model_id).as_str(), &v)]).await
    }

    /// Files an indexing process said it still had to do.
    pub async fn pending_work(&self) -> Result<Option<Reported<usize>>> {
        let Some(v) = self.meta(PENDING).await? else { return Ok(None) };
        let mut it = v.split_whitespace().filter_map(|x| x.parse::<usize>().ok());
        Ok(match (it.next(), it.next()) {
            (Some(pid), Some(n)) => Some(Reported { pid: pid as u32, value: n }),
            _ => None,
        })
    }

    /// Records that this process still has `files` to do.
    pub async fn set_pending_work(&self, files: usize) -> Result<()> {
        self.set_meta(&[(PENDING, &format!("{} {files}", std::process::id()))]).await
    }

    /// The folders a watcher said it watches, each with how.
    pub async fn watch_report(&self) -> Result<Option<Reported<Vec<(String, String)>>>> {
        let Some(pid) = self.meta(WATCH_PID).await?.and_then(|p| p.parse::<u32>().ok()) else { return Ok(None) };
        let modes = self.meta(WATCH).await?.unwrap_or_default();
        let folders =
            modes.lines().filter_map(|l| l.split_once('\t')).map(|(f, m)| (f.to_string(), m.to_string())).collect();
        Ok(Some(Reported { pid, value: folders }))
    }

    /// Records the folders this process watches and how (none when it stops).
    pub async fn set_watch_report(&self, folders: &[(String, String)]) -> Result<()> {
        let lines: Vec<String> = folders.iter().map(|(f, m)| format!("{f}\t{m}")).collect();
        let pid = std::process::id().to_string();
        self.set_meta(&[(WATCH, &lines.join("\n")), (WATCH_PID, &pid)]).await
    }

    /// The longest a video goes between two of its moments, in seconds, if
    /// the library chose one.
    pub async fn moment_every_s(&self) -> Result<Option<f64>> {
        Ok(self.meta(MOMENT_EVERY).await?.and_then(|v| v.parse().ok()))
    }

    pub async fn set_moment_every_s(&self, seconds: f64) -> Result<()> {
        self.set_meta(&[(MOMENT_EVERY, &seconds.to_string())]).await
    }

    /// The languages the library reads pictures in (OCR engine codes), if it chose them.
    pub async fn text_languages(&self) -> Result<Option<Vec<String>>> {
        Ok(self
            .meta(TEXT_LANGUAGES)
            .await?
            .map(|v| v.split('+').filter(|l| !l.is_empty()).map(str::to_string).collect()))
    }

    pub async fn set_text_languages(&self, languages: &[String]) -> Result<()> {
        self.set_meta(&[(TEXT_LANGUAGES, &languages.join("+"))]).await
    }

    /// Rows and partitions a space's vector index was trained with.
    pub(crate) async fn ann_training(&self, space: &str) -> Result<(usize, usize)> {
        let num = |v: Option<String>| v.and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
        Ok((num(self.meta(&per(ANN_ROWS, space)).await?), num(self.meta(&per(ANN_PARTITIONS, space)).await?)))
    }

    pub(crate) async fn set_ann_training(&self, space: &str, rows: usize, partitions: usize) -> Result<()> {
        self.set_meta(&[
            (per(ANN_ROWS, space).as_str(), &rows.to_string()),
            (per(ANN_PARTITIONS, space).as_str(), &partitions.to_string()),
        ])
        .await
    }
}
