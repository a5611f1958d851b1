//! The models on this machine, as front ends show them: one list merging
//! the registry (what can be downloaded), the models folder (what is
//! installed) and a library's vectors (what it was indexed with); getting a
//! model (download or copy, each checked by opening it), checking it and
//! removing it. Front ends render this list; none merges its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_embed::Model;
use clipdex_models::{manifest::Source, Depth, Hub, Installed, Models, ModelsError, Registry};

use crate::catalog::LibraryModel;
use crate::control::Cancel;
use crate::error::{LibraryError, Result};
use crate::state::blocking;
use crate::{open_model, Library};

/// What the registry says of a model Clipdex knows.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownModel {
    /// What people call it ("CLIP ViT-B/32 (OpenAI)").
    pub name: String,
    /// `owner/name` on the model hub.
    pub repo: String,
    pub dim: usize,
    pub image_size: u32,
    pub context_length: usize,
    /// The text graph's inputs, `name:type`.
    pub text_inputs: Vec<String>,
    /// Approximate download, in MB.
    pub size_mb: u64,
    pub languages: Vec<String>,
    pub languages_note: Option<String>,
    pub language_prefix: bool,
    pub licence: String,
    pub quality: Vec<QualityFigure>,
    pub summary: String,
}

/// A published quality figure, with where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityFigure {
    pub benchmark: String,
    pub metric: String,
    pub value: f32,
    pub source: String,
}

/// A model in the models folder.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledModel {
    pub dir: PathBuf,
    pub bytes: u64,
    /// The hub commit it was downloaded from (none for a copy or a folder placed by hand).
    pub commit: Option<String>,
}

/// One row of the model list: known, installed, in the library, each if so.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelListing {
    pub id: String,
    /// The model a new library starts with.
    pub default: bool,
    pub known: Option<KnownModel>,
    pub installed: Option<InstalledModel>,
    /// The library's vectors from this model, when a library was given.
    pub library: Option<LibraryModel>,
}

/// Where a download comes from, to say so before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadSource {
    pub repo: String,
    pub endpoint: String,
    pub size_mb: u64,
}

/// Download or copy progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transfer {
    pub file: String,
    pub done: u64,
    pub total: u64,
}

/// How a model got onto the disk.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// Already installed from the same commit and intact: nothing fetched.
    UpToDate { commit: String },
    /// Downloaded, every file checked against the hub's published digest.
    Downloaded { commit: String, received: u64, resumed: u64, restarts: u32 },
    /// Copied from a local folder or archive.
    Copied { bytes: u64 },
}

/// A model installed and opened once (verified bytes are not yet a working model).
pub struct Got {
    pub dir: PathBuf,
    pub fetched: Fetched,
    pub model: Arc<Model>,
}

/// What a full check of an installed model found.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCheck {
    /// Whether it has an install record to hold its files to (one placed by hand has not).
    pub has_record: bool,
    pub files: usize,
    pub hashed_bytes: u64,
    /// Empty when intact.
    pub problems: Vec<String>,
}

impl ModelCheck {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The models folder and the registry, with the library's view merged in.
#[derive(Debug, Clone)]
pub struct ModelShelf {
    pub(super) models: Models,
}

impl ModelShelf {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { models: Models::new(dir) }
    }

    pub fn dir(&self) -> &Path {
        self.models.dir()
    }

    /// The one model list: every known model (the registry's order), then
    /// installed ones the registry does not know, then models only the
    /// library knows (a folder given by hand). A library model belongs to
    /// the row whose install is its folder, or whose id it carries.
    pub async fn list(&self, library: Option<&Library>) -> Result<Vec<ModelListing>> {
        let registry = Registry::builtin();
        let models = self.models.clone();
        let installed = blocking(move || models.installed()).await??;
        let lib_models = match library {
            Some(l) => l.models().await?,
            None => Vec::new(),
        };
        let mut used = vec![false; lib_models.len()];
        let mut lib_for = |dir: Option<&Path>, id: &str| -> Option<LibraryModel> {
            let i = lib_models
                .iter()
                .position(|m| dir.is_some_and(|d| same_dir(&m.dir, d)) || m.id.split('@').next() == Some(id))?;
            used[i] = true;
            Some(lib_models[i].clone())
        };
        let row = |id: &str, inst: Option<&Installed>, lib: Option<LibraryModel>| ModelListing {
            id: id.to_string(),
            default: registry.default == id,
            known: registry.get(id).map(known_of),
            installed: inst.map(installed_of),
            library: lib,
        };
        let mut out = Vec::new();
        for e in &registry.models {
            let inst = installed.iter().find(|i| i.id == e.id);
            let lib = lib_for(inst.map(|i| i.dir.as_path()), &e.id);
            out.push(row(&e.id, inst, lib));
        }
        for i in installed.iter().filter(|i| registry.get(&i.id).is_none()) {
            let lib = lib_for(Some(&i.dir), &i.id);
            out.push(row(&i.id, Some(i), lib));
        }
        for (m, _) in lib_models.iter().zip(&used).filter(|(_, u)| !**u) {
            out.push(row(&m.id, None, Some(m.clone())));
        }
        Ok(out)
    }

    /// One model's row, without a library, read from its own folder only
    /// (another model's damaged folder cannot fail it).
    pub async fn listing(&self, id: &str) -> Result<ModelListing> {
        let registry = Registry::builtin();
        let (models, id2) = (self.models.clone(), id.to_string());
        let installed = blocking(move || models.get(&id2)).await??;
        Ok(ModelListing {
            id: id.to_string(),
            default: registry.default == id,
            known: registry.get(id).map(known_of),
            installed: installed.as_ref().map(installed_of),
            library: None,
        })
    }

    /// Where `id` would be downloaded from.
    pub fn download_source(&self, id: &str) -> Result<DownloadSource> {
        let entry = Registry::builtin().entry(id)?;
        let hub = Hub::from_env()?;
        Ok(DownloadSource { repo: entry.repo.clone(), endpoint: hub.endpoint().to_string(), size_mb: entry.size_mb })
    }

    /// Downloads a known model (resumable, every file checked against the
    /// hub's digest, placed atomically), then opens it once.
    pub async fn pull(&self, id: &str, cancel: &Cancel, on_progress: impl FnMut(&Transfer) + Send) -> Result<Got> {
        let entry = Registry::builtin().entry(id)?;
        let hub = Hub::from_env()?;
        let mut on_progress = on_progress;
        let report = self
            .models
            .pull(&hub, entry, cancel.as_flag(), &mut |p| {
                on_progress(&Transfer { file: p.file.clone(), done: p.done, total: p.total })
            })
            .await?;
        let fetched = if report.up_to_date {
            Fetched::UpToDate { commit: report.commit }
        } else {
            Fetched::Downloaded {
                commit: report.commit,
                received: report.received,
                resumed: report.resumed,
                restarts: report.restarts,
            }
        };
        self.opened(report.installed.dir, fetched).await
    }

    /// Installs a model from a local folder or archive, without a network, then opens it once.
    pub async fn install_from(
        &self,
        id: &str,
        src: &Path,
        cancel: &Cancel,
        on_progress: impl FnMut(&Transfer) + Send + 'static,
    ) -> Result<Got> {
        let (models, id2, src, cancel2) = (self.models.clone(), id.to_string(), src.to_path_buf(), cancel.clone());
        let mut on_progress = on_progress;
        let inst = blocking(move || {
            models.install_from(&id2, &src, cancel2.as_flag(), &mut |p| {
                on_progress(&Transfer { file: p.file.clone(), done: p.done, total: p.total })
            })
        })
        .await??;
        self.opened(inst.dir, Fetched::Copied { bytes: inst.bytes }).await
    }

    pub(super) async fn opened(&self, dir: PathBuf, fetched: Fetched) -> Result<Got> {
        let model = open_model(&dir, &[]).await?;
        Ok(Got { dir, fetched, model })
    }

    /// Rehashes every file of an installed model against its install record.
    pub async fn verify(&self, id: &str) -> Result<ModelCheck> {
        let (models, id) = (self.models.clone(), id.to_string());
        let r = blocking(move || models.verify(&id, Depth::Full)).await??;
        Ok(ModelCheck {
            has_record: r.has_manifest,
            files: r.files,
            hashed_bytes: r.hashed_bytes,
            problems: r.problems,
        })
    }

    /// The error for a check that found problems.
    pub fn damaged(id: &str, check: &ModelCheck) -> LibraryError {
        ModelsError::Damaged { id: id.to_string(), problems: check.problems.join("; ") }.into()
    }

    /// Removes an installed model. The model `library` indexes new files
    /// with is kept unless `force`: without it the library cannot be searched.
    pub async fn remove(&self, id: &str, library: Option<&Library>, force: bool) -> Result<()> {
        let dir = self.models.path_of(id)?;
        if !dir.exists() {
            return Err(ModelsError::NotInstalled(id.to_string()).into());
        }
        if let (false, Some(lib)) = (force, library) {
            if lib.model_record().await?.is_some_and(|r| same_dir(&r.dir, &dir)) {
                return Err(LibraryError::BadArgument(format!(
                    "{id} is the model this library's vectors were made with; without it the library cannot be \
                     searched (downloading it again later makes it searchable again)"
                )));
            }
        }
        let (models, id2) = (self.models.clone(), id.to_string());
        if blocking(move || models.remove(&id2)).await?? {
            Ok(())
        } else {
            Err(ModelsError::NotInstalled(id.to_string()).into())
        }
    }

    /// The folder of a model named by id: one the library has vectors from,
    /// else an installed one. Never a path from the caller.
    pub async fn folder_of(&self, library: &Library, id: &str) -> Result<PathBuf> {
        if let Some(m) = library.models().await?.into_iter().find(|m| m.id == id) {
            return Ok(m.dir);
        }
        let dir = self.models.path_of(id)?;
        if !dir.is_dir() {
            return Err(ModelsError::NotInstalled(id.to_string()).into());
        }
        Ok(dir)
    }
}

/// Whether two paths name one folder.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn known_of(e: &clipdex_models::Entry) -> KnownModel {
    KnownModel {
        name: e.name.clone(),
        repo: e.repo.clone(),
        dim: e.dim,
        image_size: e.image_size,
        context_length: e.context_length,
        text_inputs: e.text_inputs.clone(),
        size_mb: e.size_mb,
        languages: e.languages.clone(),
        languages_note: e.languages_note.clone(),
        language_prefix: e.language_prefix,
        licence: e.licence.clone(),
        quality: e
            .quality
            .iter()
            .map(|q| QualityFigure {
                benchmark: q.benchmark.clone(),
                metric: q.metric.clone(),
                value: q.value,
                source: q.source.clone(),
            })
            .collect(),
        summary: e.summary.clone(),
    }
}

fn installed_of(i: &Installed) -> InstalledModel {
    let commit = i.manifest.as_ref().and_then(|m| match &m.source {
        Source::Hub { commit, .. } => Some(commit.clone()),
        Source::Local { .. } => None,
    });
    InstalledModel { dir: i.dir.clone(), bytes: i.bytes, commit }
}
