//! What the library knows about an item besides its vector: EXIF facts,
//! tags from the label vocabulary, the words of its paths, a user's caption.
//! [`Describer`] fills them in after indexing, ranks descriptions of any
//! image, and keeps captions.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use clipdex_embed::Model;
use clipdex_store::{Details, FileRecord, Store};

use crate::calibration::Calibrator;
use crate::control::{Cancel, Phase, Progress, Timings, Vocabulary};
use crate::error::{error_chain, LibraryError, Result};
use crate::labels::{self, LabelSet};
use crate::query::{fusion, Searcher};
use crate::state::{blocking, cache, now_ms, State};

/// What an item's `tags_model` starts with while it waits for its tags:
/// described (facts, path words) without a prepared vocabulary.
const UNTAGGED: &str = "untagged:";

/// What the details of an item waiting for `model_id`'s vocabulary record.
fn waiting_key(model_id: &str) -> String {
    format!("{UNTAGGED}{model_id}+{}", labels::vocabulary_key())
}

/// How many items wait for their tags until `model_id`'s vocabulary is prepared.
pub(crate) async fn tags_waiting(state: &State, model_id: &str) -> Result<usize> {
    if model_id.is_empty() {
        return Ok(0);
    }
    Ok(state.store.count_described_as(&waiting_key(model_id)).await?)
}

/// Items described per commit.
const DESCRIBE_BATCH: usize = 256;
/// Largest file a preview sends as it is (larger ones are re-encoded).
const PASS_THROUGH_MAX_BYTES: u64 = 48 << 20;

/// A ranked description of one image (see [`Describer::describe`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    pub text: String,
    /// `label` (from the vocabulary) or `caption` (a user's).
    pub source: &'static str,
    pub cosine: f32,
    /// Share of a softmax over all candidates at CLIP's temperature (100).
    pub probability: f32,
}

/// Describes items with one model's vectors and labels.
pub(crate) struct Describer<'a> {
    state: &'a State,
    model: Arc<Model>,
}

impl<'a> Describer<'a> {
    pub fn new(state: &'a State, model: Arc<Model>) -> Self {
        Self { state, model }
    }

    /// Where prepared vocabularies are kept: the library's cache, then the
    /// user's shared one.
    fn cache_dirs(&self) -> Vec<std::path::PathBuf> {
        let mut dirs = vec![self.state.dir.join("cache")];
        dirs.extend(self.state.settings.shared_cache.clone());
        dirs
    }

    /// The vocabulary as embedded by the model, if memory or a cache holds
    /// it; nothing is embedded.
    pub fn ready_labels(&self) -> Option<Arc<LabelSet>> {
        let want = labels::set_key(&self.model);
        if let Some(set) = cache(&self.state.labels).as_ref().filter(|s| s.key == want) {
            return Some(set.clone());
        }
        let set = LabelSet::cached(&self.model, &self.cache_dirs())?;
        *cache(&self.state.labels) = Some(set.clone());
        Some(set)
    }

    /// The vocabulary embedded by the model, from memory, a cache, or (once
    /// per model) the text encoder.
    pub async fn labels(&self, cancel: &Cancel, progress: impl FnMut(usize, usize)) -> Result<Arc<LabelSet>> {
        if let Some(set) = self.ready_labels() {
            return Ok(set);
        }
        let set = LabelSet::load_or_build(self.model.clone(), &self.cache_dirs(), cancel, progress).await?;
        *cache(&self.state.labels) = Some(set.clone());
        Ok(set)
    }

    /// Gives every undescribed item (new, or tagged by another model) its
    /// details: EXIF facts, tags, path words, caption. Then recalibrates the
    /// default cutoffs if the library changed enough. Without a prepared
    /// vocabulary and with [`Vocabulary::IfReady`], items get their other
    /// details and wait for their tags (and the cutoffs for their
    /// calibration, which needs the vocabulary). Returns how many items were
    /// described, and how many of the library's wait for tags.
    pub async fn pending(
        &self,
        vocabulary: Vocabulary,
        cancel: &Cancel,
        p: &mut Progress,
        progress: &mut impl FnMut(&Progress),
        timings: &mut Timings,
    ) -> Result<(usize, usize)> {
        let key = labels::set_key(&self.model);
        let waiting_key = waiting_key(&self.model.info().id);
        let todo = self.state.store.undescribed(&key).await?;
        let labels = match self.ready_labels() {
            Some(set) => Some(set),
            None if todo.is_empty() || vocabulary == Vocabulary::IfReady => None,
            None => {
                let started = Instant::now();
                let (saved_total, saved_done) = (p.total, p.done);
                p.phase = Phase::Labels;
                let mut report = |done: usize, total: usize| {
                    p.total = total;
                    p.done = done;
                    progress(p);
                };
                let set = self.labels(cancel, &mut report).await?;
                (p.total, p.done) = (saved_total, saved_done);
                timings.vocabulary = started.elapsed();
                Some(set)
            }
        };
        // Without a vocabulary, items already waiting for their tags are not redone.
        let todo = match labels {
            Some(_) => todo,
            None => self.state.store.undescribed_besides(&key, &waiting_key).await?,
        };
        let started = Instant::now();
        let mut n = 0;
        if !todo.is_empty() {
            let (saved_total, saved_done) = (p.total, p.done);
            p.phase = Phase::Describing;
            p.total = todo.len();
            p.done = 0;
            progress(p);
            for chunk in todo.chunks(DESCRIBE_BATCH) {
                if cancel.is_cancelled() {
                    break;
                }
                let rows = self.details(chunk, labels.as_ref(), &waiting_key).await?;
                self.state.store.write_details(&rows).await?;
                n += rows.len();
                p.done += chunk.len();
                progress(p);
            }
            (p.total, p.done) = (saved_total, saved_done);
            p.phase = Phase::Indexing;
        }
        let waiting = match labels {
            Some(labels) => {
                self.calibrate_if_stale(&labels).await?;
                0
            }
            None => self.state.store.count_described_as(&waiting_key).await?,
        };
        timings.describe = started.elapsed();
        Ok((n, waiting))
    }

    async fn calibrate_if_stale(&self, labels: &Arc<LabelSet>) -> Result<()> {
        let calibrator = Calibrator::new(self.state);
        if calibrator.is_stale(&self.model).await? {
            calibrator.recalibrate(&self.model, labels).await?;
        }
        Ok(())
    }

    /// Details for these items, computed now (not written). Without labels
    /// they have no tags, and `waiting_key` marks them as waiting for them.
    async fn details(&self, ids: &[String], labels: Option<&Arc<LabelSet>>, waiting_key: &str) -> Result<Vec<Details>> {
        let store = &self.state.store;
        let files = store.files_of(ids).await?;
        let vectors = store.vectors_of(&self.model.info().id, ids).await?;
        let captions = store.captions(Some(ids)).await?;
        let text_terms = crate::text::terms_of(self.state, ids, &[]).await?;
        let ids = ids.to_vec();
        let labels = labels.cloned();
        let waiting_key = waiting_key.to_string();
        blocking(move || {
            ids.iter()
                .filter_map(|id| {
                    let vector = vectors.get(id)?;
                    let held = files.get(id)?;
                    // The first copy that has EXIF facts (copies share bytes, but one may be gone).
                    let facts = held
                        .iter()
                        .map(|f| clipdex_media::read_facts(Path::new(&f.path)))
                        .find(|f| !f.is_empty())
                        .unwrap_or_default();
                    Some(Details {
                        id: id.clone(),
                        taken_at_ms: facts.taken_at_ms,
                        camera: facts.camera,
                        lens: facts.lens,
                        tags: labels.as_ref().map(|l| l.tags(vector)).unwrap_or_default(),
                        tags_model: labels.as_ref().map_or_else(|| waiting_key.clone(), |l| l.key.clone()),
                        words: words_of(held),
                        caption: captions.get(id).cloned(),
                        text_terms: text_terms.get(id).cloned(),
                    })
                })
                .collect()
        })
        .await
    }

    /// Ranks the label vocabulary, plus every caption users wrote, as
    /// descriptions of one image (a library item, or any image file).
    pub async fn describe(
        &self,
        path_or_id: &str,
        limit: usize,
        cancel: &Cancel,
        progress: impl FnMut(usize, usize),
    ) -> Result<Vec<Description>> {
        let searcher = Searcher::new(self.state, self.model.clone());
        searcher.check().await?;
        let (_, vector) = searcher.vector_of(path_or_id).await?;
        let labels = self.labels(cancel, progress).await?;
        self.rank(&vector, labels, limit).await
    }

    /// As [`Describer::describe`] for a library item by id, with the
    /// vocabulary only if it is prepared: nothing is embedded or written
    /// (what a read-only server may do).
    pub async fn describe_if_ready(&self, id: &str, limit: usize) -> Result<Vec<Description>> {
        if !crate::state::is_item_id(id) {
            return Err(LibraryError::NoSuchItem(id.to_string()));
        }
        let searcher = Searcher::new(self.state, self.model.clone());
        searcher.check().await?;
        let (_, vector) = searcher.vector_of(id).await?;
        let labels = self.ready_labels().ok_or_else(|| {
            LibraryError::NotReady(format!(
                "the label vocabulary of {} is not prepared yet; an indexing run with tags prepares it (once per model)",
                self.model.info().id
            ))
        })?;
        self.rank(&vector, labels, limit).await
    }

    async fn rank(&self, vector: &[f32], labels: Arc<LabelSet>, limit: usize) -> Result<Vec<Description>> {
        let vector = vector.to_vec();
        let captions: Vec<String> = {
            let mut c: Vec<String> = self.state.store.captions(None).await?.into_values().collect();
            c.sort();
            c.dedup();
            c
        };
        let caption_vectors = if captions.is_empty() {
            Vec::new()
        } else {
            let (m, c) = (self.model.clone(), captions.clone());
            blocking(move || m.embed_texts(&c)).await??
        };
        let mut out: Vec<Description> = labels
            .cosines(&vector)
            .into_iter()
            .zip(&labels.labels)
            .map(|(cosine, text)| Description { text: text.clone(), source: "label", cosine, probability: 0.0 })
            .collect();
        out.extend(captions.into_iter().zip(&caption_vectors).map(|(text, v)| Description {
            text,
            source: "caption",
            cosine: clipdex_embed::cosine(v, &vector),
            probability: 0.0,
        }));
        // Softmax at CLIP's temperature, stabilised by the best score.
        let best = out.iter().map(|d| d.cosine).fold(f32::MIN, f32::max);
        let total: f32 = out.iter().map(|d| ((d.cosine - best) * 100.0).exp()).sum();
        for d in &mut out {
            d.probability = ((d.cosine - best) * 100.0).exp() / total.max(f32::MIN_POSITIVE);
        }
        out.sort_by(|a, b| b.cosine.total_cmp(&a.cosine));
        out.truncate(limit.max(1));
        Ok(out)
    }
}

/// Sets (or clears, with `None`) the caption of a library item, by path or
/// id. Returns the item's id. Takes the writer lock.
pub(crate) async fn set_caption(state: &State, path_or_id: &str, caption: Option<&str>) -> Result<String> {
    let id = state.resolve_item(path_or_id).await?.ok_or_else(|| LibraryError::NotInLibrary(path_or_id.into()))?;
    let caption = caption.map(str::trim).filter(|c| !c.is_empty());
    let _lock = state.write_lock().await?;
    let now = now_ms();
    crate::journal::append(&state.dir, &id, caption, now)?;
    store_caption(&state.store, &id, caption, now).await?;
    Ok(id)
}

/// Writes a caption to the captions table and the item's details.
pub(crate) async fn store_caption(store: &Store, id: &str, caption: Option<&str>, now: i64) -> Result<()> {
    store.set_caption(id, caption, now).await?;
    if let Some(mut d) = store.details_of(&[id.to_string()]).await?.remove(id) {
        d.caption = caption.map(str::to_string);
        store.write_details(&[d]).await?;
    }
    Ok(())
}

/// Everything known about one library item (by path or id).
pub(crate) async fn item_details(state: &State, path_or_id: &str) -> Result<Option<Details>> {
    let Some(id) = state.resolve_item(path_or_id).await? else { return Ok(None) };
    Ok(state.store.details_of(std::slice::from_ref(&id)).await?.remove(&id))
}

/// Redoes the path words (and keywords) of items whose paths changed.
pub(crate) async fn refresh_words(state: &State, ids: &[String]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let details = state.store.details_of(ids).await?;
    let files = state.store.files_of(ids).await?;
    let changed: Vec<Details> = details
        .into_values()
        .filter_map(|mut d| {
            let words = words_of(files.get(&d.id)?);
            (words != d.words).then(|| {
                d.words = words;
                d
            })
        })
        .collect();
    state.store.write_details(&changed).await?;
    Ok(changed.len())
}

/// The words of an item's paths, each below its library folder.
fn words_of(files: &[FileRecord]) -> String {
    let mut seen = Vec::new();
    for f in files {
        let w = fusion::path_words(&f.path, &f.root);
        if !seen.contains(&w) {
            seen.push(w);
        }
    }
    seen.join(" ")
}

/// The picture of an item (by id) for a preview: the file itself when every
/// web view shows its format, else a JPEG at most `side` pixels on its
/// longer side. Bytes and MIME type.
pub(crate) async fn preview(state: &State, id: &str, side: u32) -> Result<(Vec<u8>, &'static str)> {
    if !crate::state::is_item_id(id) {
        return Err(LibraryError::BadArgument(format!("{id:?} is not an item id")));
    }
    let path = match state.image_file(id).await? {
        (Some(_), path) => path,
        (None, _) => return Err(LibraryError::NoSuchItem(id.to_string())),
    };
    let id = id.to_string();
    blocking(move || {
        // Only the item's own bytes are served: a regular file whose content
        // still hashes to the id (not whatever a link or a swap put there).
        let bytes = clipdex_media::read_capped(&path, clipdex_media::MAX_FILE_BYTES)
            .map_err(|e| LibraryError::Decode { path: path.clone(), reason: error_chain(&e) })?;
        if blake3::hash(&bytes).to_hex().as_str() != id {
            return Err(LibraryError::Decode {
                path: path.clone(),
                reason: "the file has changed since it was indexed".into(),
            });
        }
        // A format the web view shows as it is passes through if small
        // enough; anything else is decoded and re-encoded.
        if let Some(mime) = clipdex_media::web_mime(&path) {
            if bytes.len() as u64 <= PASS_THROUGH_MAX_BYTES {
                return Ok((bytes, mime));
            }
        }
        let img = clipdex_media::decode(&bytes)
            .map_err(|e| LibraryError::Decode { path: path.clone(), reason: error_chain(&e) })?;
        let (bytes, _, _) = clipdex_media::jpeg_within(&img, side)
            .map_err(|e| LibraryError::Decode { path: path.clone(), reason: e.to_string() })?;
        Ok((bytes, "image/jpeg"))
    })
    .await?
}
