//! Text in pictures (OCR): [`TextReader`] owns the flow. After an indexing
//! run has embedded and described its items (so they are searchable), it
//! reads every item not yet read by the current engine and languages, and
//! each video moment's frame, once per content: a moved or copied file is
//! not read again. The words and their boxes go to the store's `texts`;
//! their index terms go into each item's details, so the keyword half of a
//! search, `text:` filters and `why` see them. Without an engine (no
//! Tesseract found, or reading turned off) the phase does nothing and
//! everything else works; `status` says so.

mod languages;
mod picture;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdex_ocr::{terms, Reading, TextEngine, Word};
use clipdex_store::{whole_of, TextRecord};

pub use languages::{tesseract_code, DEFAULT_LANGUAGE};

use crate::control::{Cancel, Phase, Progress, Timings};
use crate::error::{LibraryError, Result};
use crate::state::{blocking, now_ms, State};

/// Items read at once, across the cores (progress is reported after each).
const TEXT_BATCH: usize = 8;
/// Readings written per commit, at most; and at least every [`FLUSH_EVERY`].
const COMMIT_ROWS: usize = 128;
const FLUSH_EVERY: Duration = Duration::from_secs(10);
/// How long a found (or missing) engine is remembered: installing
/// Tesseract while Clipdex runs is noticed after this.
const ENGINE_TTL: Duration = Duration::from_secs(60);

/// Whether and how pictures are read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TextReading {
    /// Tesseract wherever [`clipdex_ocr::Tesseract::find`] finds it.
    #[default]
    Find,
    /// Not at all (a run that must not take the time, a test).
    Off,
    /// This `tesseract` program.
    Program(std::path::PathBuf),
}

/// What OCR is doing in a library, for `status` and the window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextStatus {
    /// The engine and its version ("tesseract 5.3.0"); `None`: OCR is off.
    pub engine: Option<String>,
    /// Why OCR is off, in words, when it is.
    pub off_reason: Option<String>,
    /// The languages read, in the engine's codes.
    pub languages: Vec<String>,
    /// Languages the engine has data for.
    pub installed: Vec<String>,
    /// Items and moments read with these languages, and those of them holding words.
    pub read: usize,
    pub with_text: usize,
    /// Of those read, how many the cheap check found nothing text-like in.
    pub skipped: usize,
    /// Items and moments waiting to be read.
    pub waiting: usize,
}

/// The words read in one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemText {
    pub id: String,
    /// The words, space-separated (empty when none).
    pub text: String,
    pub words: Vec<Word>,
    /// The clockwise turn the picture was read at.
    pub angle: u16,
    pub engine: String,
}

/// The engine a library reads with, found once a minute.
#[derive(Default)]
pub(crate) struct EngineCache(std::sync::Mutex<Option<(Instant, Option<Arc<clipdex_ocr::Tesseract>>)>>);

impl EngineCache {
    fn get(&self, how: &TextReading) -> Option<Arc<clipdex_ocr::Tesseract>> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, found)) = slot.as_ref() {
            if at.elapsed() < ENGINE_TTL {
                return found.clone();
            }
        }
        let found = match how {
            TextReading::Off => None,
            TextReading::Find => clipdex_ocr::Tesseract::find().map(Arc::new),
            TextReading::Program(p) => clipdex_ocr::Tesseract::at(p).map(Arc::new),
        };
        *slot = Some((Instant::now(), found.clone()));
        found
    }

    pub fn forget(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Reads the text in a library's pictures.
pub(crate) struct TextReader<'a> {
    state: &'a State,
}

impl<'a> TextReader<'a> {
    pub fn new(state: &'a State) -> Self {
        Self { state }
    }

    /// The engine, if reading is on and one is found.
    pub fn engine(&self) -> Option<Arc<clipdex_ocr::Tesseract>> {
        self.state.text_engine.get(&self.state.settings.text_reading)
    }

    /// The languages to read: the library's setting, else the user's
    /// language and English; those the engine has data for.
    pub async fn languages(&self, engine: &dyn TextEngine) -> Result<Vec<String>> {
        let chosen = self.state.store.text_languages().await?;
        let ui = self.state.settings.ui_language.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(languages::choose(chosen.as_deref(), ui.as_deref(), &engine.installed_languages()))
    }

    /// Reads every item and moment not read by the current engine and
    /// languages. Pausing waits between batches; cancelling keeps what was
    /// read. Returns how many were read.
    pub async fn pending(
        &self,
        cancel: &Cancel,
        p: &mut Progress,
        progress: &mut impl FnMut(&Progress),
        timings: &mut Timings,
    ) -> Result<usize> {
        let Some(engine) = self.engine() else { return Ok(0) };
        let langs = self.languages(engine.as_ref()).await?;
        let signature = engine.signature(&langs);
        let todo = self.state.store.unread_texts(&signature).await?;
        if todo.is_empty() {
            return Ok(0);
        }
        // The languages a library first reads in are its own from then on:
        // another process, started with another locale, reads alike.
        if self.state.store.text_languages().await?.is_none() {
            self.state.store.set_text_languages(&langs).await?;
        }
        let started = Instant::now();
        let (saved_total, saved_done) = (p.total, p.done);
        p.phase = Phase::Reading;
        (p.total, p.done) = (todo.len(), 0);
        progress(p);
        let (mut n, mut held, mut since) = (0, Vec::new(), Instant::now());
        for chunk in todo.chunks(TEXT_BATCH) {
            if cancel.is_paused() {
                // What is read stays written while the run waits.
                n += self.write(std::mem::take(&mut held)).await?;
                cancel.wait_while_paused().await;
            }
            if cancel.is_cancelled() {
                break;
            }
            held.extend(self.read_batch(engine.clone(), &langs, &signature, chunk).await?);
            if held.len() >= COMMIT_ROWS || since.elapsed() >= FLUSH_EVERY {
                n += self.write(std::mem::take(&mut held)).await?;
                since = Instant::now();
            }
            p.done += chunk.len();
            p.current = None;
            progress(p);
        }
        n += self.write(held).await?;
        (p.total, p.done) = (saved_total, saved_done);
        p.phase = Phase::Indexing;
        timings.text += started.elapsed();
        Ok(n)
    }

    /// Writes readings: their items' terms into the details first, then the
    /// readings themselves. A crash in between leaves the items unread (read
    /// again next run), never read with their words missing from search.
    async fn write(&self, records: Vec<TextRecord>) -> Result<usize> {
        if records.is_empty() {
            return Ok(0);
        }
        let wholes: Vec<String> = records.iter().map(|r| whole_of(&r.id).to_string()).collect();
        refresh_terms(self.state, &wholes, &records).await?;
        self.state.store.write_texts(&records).await?;
        Ok(records.len())
    }

    /// Reads one batch across the cores. A picture that cannot be opened
    /// now (its file just went) is left for a later run; one the engine
    /// fails on is recorded as read, without words, so it is not retried
    /// until the engine changes.
    async fn read_batch(
        &self,
        engine: Arc<clipdex_ocr::Tesseract>,
        langs: &[String],
        signature: &str,
        ids: &[String],
    ) -> Result<Vec<TextRecord>> {
        let wholes: Vec<String> = ids.iter().map(|id| whole_of(id).to_string()).collect();
        let files = self.state.store.files_of(&wholes).await?;
        let jobs: Vec<(String, Vec<String>)> = ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    files.get(whole_of(id)).map(|f| f.iter().map(|r| r.path.clone()).collect()).unwrap_or_default(),
                )
            })
            .collect();
        let (langs, signature) = (langs.to_vec(), signature.to_string());
        let read = blocking(move || {
            use rayon::prelude::*;
            jobs.into_par_iter()
                .filter_map(|(id, paths)| {
                    let reading = match picture::load(&id, &paths) {
                        picture::Loaded::Picture(image, _permit) => {
                            match clipdex_ocr::read(engine.as_ref(), &image, &langs) {
                                Ok(r) => r,
                                // The engine went away mid-run: nothing is recorded.
                                Err(clipdex_ocr::OcrError::Spawn { .. }) => return None,
                                Err(_) => Reading::default(),
                            }
                        }
                        picture::Loaded::Nothing => Reading { skipped: true, ..Reading::default() },
                        picture::Loaded::Unavailable => return None,
                    };
                    Some(record(&id, &signature, &reading))
                })
                .collect::<Vec<_>>()
        })
        .await?;
        Ok(read)
    }
}

fn record(id: &str, engine: &str, r: &Reading) -> TextRecord {
    TextRecord {
        id: id.to_string(),
        engine: engine.to_string(),
        angle: r.angle,
        skipped: r.skipped,
        text: r.text(),
        words: serde_json::to_string(&r.words).unwrap_or_else(|_| "[]".into()),
        at_ms: now_ms(),
    }
}

/// The words of a stored reading.
pub(crate) fn words_of(r: &TextRecord) -> Vec<Word> {
    serde_json::from_str(&r.words).unwrap_or_default()
}

/// The index terms of these items' readings (a video's: all its moments'),
/// by item, with `fresh` readings (not written yet) in place of stored ones;
/// items never read are absent.
pub(crate) async fn terms_of(
    state: &State,
    wholes: &[String],
    fresh: &[TextRecord],
) -> Result<HashMap<String, String>> {
    let mut texts = state.store.texts_of_items(wholes).await?;
    for r in fresh {
        let rows = texts.entry(whole_of(&r.id).to_string()).or_default();
        rows.retain(|old| old.id != r.id);
        rows.push(r.clone());
    }
    Ok(texts
        .into_iter()
        .map(|(id, rows)| {
            // Each reading's own neighbours: a moment's words never join another's.
            let mut all: Vec<String> = Vec::new();
            for r in &rows {
                all.extend(terms::reading_terms(&words_of(r)).split(' ').filter(|t| !t.is_empty()).map(str::to_string));
            }
            all.sort();
            all.dedup();
            (id, all.join(" "))
        })
        .collect())
}

/// Puts the current terms into these items' details (those described).
async fn refresh_terms(state: &State, wholes: &[String], fresh: &[TextRecord]) -> Result<()> {
    let unique: Vec<String> = wholes.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    let terms = terms_of(state, &unique, fresh).await?;
    let changed: Vec<_> = state
        .store
        .details_of(&unique)
        .await?
        .into_values()
        .filter_map(|mut d| {
            let t = terms.get(&d.id).cloned();
            (t != d.text_terms).then(|| {
                d.text_terms = t;
                d
            })
        })
        .collect();
    state.store.write_details(&changed).await?;
    Ok(())
}

/// What OCR is doing in the library.
pub(crate) async fn status(state: &State) -> Result<TextStatus> {
    let reader = TextReader::new(state);
    let Some(engine) = reader.engine() else {
        let off_reason = match state.settings.text_reading {
            TextReading::Off => "reading text in pictures is turned off",
            _ => "Tesseract is not installed (apt install tesseract-ocr, brew install tesseract, or the Windows installer)",
        };
        return Ok(TextStatus { off_reason: Some(off_reason.into()), ..TextStatus::default() });
    };
    let languages = reader.languages(engine.as_ref()).await?;
    let (read, with_text, skipped) = state.store.count_texts(&engine.signature(&languages)).await?;
    let waiting = state.store.unread_texts(&engine.signature(&languages)).await?.len();
    Ok(TextStatus {
        engine: Some(format!("tesseract {}", engine.version())),
        off_reason: None,
        installed: engine.installed_languages(),
        languages,
        read,
        with_text,
        skipped,
        waiting,
    })
}

/// The words read in one item (by path or id), as stored.
pub(crate) async fn item_text(state: &State, path_or_id: &str) -> Result<ItemText> {
    let id = state.resolve_item(path_or_id).await?.ok_or_else(|| LibraryError::NotInLibrary(path_or_id.to_string()))?;
    let rows =
        state.store.texts_of_items(&[whole_of(&id).to_string()]).await?.remove(whole_of(&id)).unwrap_or_default();
    let Some(own) = rows.iter().find(|r| r.id == id) else {
        return Err(LibraryError::NotReady(format!("{path_or_id} has not been read for text yet")));
    };
    // A moment's own words; a video's, its moments' in time order.
    let mut parts: Vec<&TextRecord> = rows.iter().filter(|r| r.id != id && whole_of(&r.id) == id).collect();
    parts.sort_by_key(|r| crate::index::video::moment_time(&r.id).map(|t| (t * 1000.0) as u64));
    let mut words = words_of(own);
    words.extend(parts.into_iter().flat_map(words_of));
    let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    Ok(ItemText { id, text, words, angle: own.angle, engine: own.engine.clone() })
}

/// Sets the languages read (engine codes); those without data are refused.
pub(crate) async fn set_languages(state: &State, langs: &[String]) -> Result<Vec<String>> {
    let engine = TextReader::new(state)
        .engine()
        .ok_or_else(|| LibraryError::Unsupported("OCR is off: Tesseract is not installed".into()))?;
    let installed = engine.installed_languages();
    if let Some(missing) = langs.iter().find(|l| !installed.contains(l)) {
        return Err(LibraryError::BadArgument(format!(
            "no Tesseract data for {missing:?}; installed: {}",
            installed.join(", ")
        )));
    }
    if langs.is_empty() {
        return Err(LibraryError::BadArgument("name at least one language".into()));
    }
    let _lock = state.write_lock().await?;
    state.store.set_text_languages(langs).await?;
    Ok(langs.to_vec())
}

/// The façade's share: reading text in pictures.
impl crate::Library {
    /// Whether and with what the text in pictures is read (by default,
    /// Tesseract wherever it is found).
    pub fn set_text_reading(&mut self, how: TextReading) {
        self.state.settings.text_reading = how;
        self.state.text_engine.forget();
    }

    /// The window's language (`de`, `pt-BR`): pictures are read in it and
    /// English unless the library chose its languages (a library keeps the
    /// languages it first read in).
    pub fn set_ui_language(&self, tag: Option<String>) {
        *self.state.settings.ui_language.lock().unwrap_or_else(|p| p.into_inner()) = tag;
    }

    /// What OCR is doing in the library.
    pub async fn text_status(&self) -> Result<TextStatus> {
        status(&self.state).await
    }

    /// The words read in one item (by indexed path or id) or video moment.
    pub async fn text(&self, path_or_id: &str) -> Result<ItemText> {
        item_text(&self.state, path_or_id).await
    }

    /// Chooses the languages pictures are read in (engine codes, e.g.
    /// `eng`, `deu`); the next run reads every picture again with them.
    pub async fn set_text_languages(&self, languages: &[String]) -> Result<Vec<String>> {
        set_languages(&self.state, languages).await
    }

    /// Reads every picture not read yet, on its own (an indexing run does
    /// this after its items are searchable). Takes the writer lock.
    pub async fn read_texts(&self, cancel: &Cancel, mut progress: impl FnMut(&Progress)) -> Result<usize> {
        let _lock = self.state.write_lock().await?;
        let (mut p, mut timings) = (Progress::starting(Phase::Reading), Timings::default());
        let n = TextReader::new(&self.state).pending(cancel, &mut p, &mut progress, &mut timings).await?;
        p.phase = Phase::Finished;
        progress(&p);
        Ok(n)
    }
}
