//! The library's models: which one is active (searches and new files use
//! it), which others have vectors here, which one is being switched to, how
//! fast each embedded on this library, and the one rule for which model may
//! index; the models on this machine ([`shelf`]: the one model list, getting,
//! checking and removing models). Switching a library to another model is
//! an indexing flow (`index::switch`), comparing models a query flow
//! (`query::compare`): the catalog depends on neither. [`start`]: what a
//! first run needs (which installed model a new library starts with, and
//! installing one the user picked, named after it).

pub(crate) mod shelf;
mod start;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_embed::Model;
use clipdex_store::{ModelEntry, Throughput};

use crate::error::{LibraryError, Result};
use crate::state::{cache, State};
use crate::{open_model, paths};

/// The model a library was built with, as recorded in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRecord {
    pub id: String,
    pub dir: PathBuf,
}

/// A model the library has vectors from.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryModel {
    pub id: String,
    /// What people call it: the registry's name, else its folder name.
    pub name: String,
    pub dir: PathBuf,
    pub dim: usize,
    /// Items with a vector from this model.
    pub vectors: usize,
    /// Items the library holds (what "complete" means).
    pub items: usize,
    /// The model searches and new files use.
    pub active: bool,
    /// Being switched to: indexing in the background until complete.
    pub target: bool,
    /// Images per second this model embedded on this library (decode,
    /// preprocess and inference), once it has indexed some.
    pub images_per_second: Option<f64>,
}

impl LibraryModel {
    pub fn is_complete(&self) -> bool {
        self.vectors >= self.items
    }
}

/// The library's model bookkeeping.
pub(crate) struct Catalog<'a> {
    state: &'a State,
}

impl<'a> Catalog<'a> {
    pub fn new(state: &'a State) -> Self {
        Self { state }
    }

    /// The active model, if the library has any vectors yet.
    pub async fn active(&self) -> Result<Option<ModelRecord>> {
        let active = self.state.store.active_model().await?;
        Ok(active.map(|m| ModelRecord { id: m.id, dir: PathBuf::from(m.dir) }))
    }

    /// The active model's id, or "" for a library without one.
    pub async fn active_id(&self) -> Result<String> {
        Ok(self.active().await?.map(|r| r.id).unwrap_or_default())
    }

    /// The model being switched to, if any.
    pub async fn target(&self) -> Result<Option<String>> {
        Ok(self.state.store.switch_target().await?)
    }

    pub async fn set_target(&self, model_id: Option<&str>) -> Result<()> {
        Ok(self.state.store.set_switch_target(model_id).await?)
    }

    /// The one rule for which model indexes new files: the active one (any
    /// model, for a library without one). Other models join by switching.
    pub async fn check_indexer(&self, model: &Model) -> Result<()> {
        if let Some(rec) = self.active().await? {
            if rec.id != model.info().id {
                return Err(LibraryError::ModelMismatch {
                    library: rec.id,
                    library_dir: rec.dir.display().to_string(),
                    given: format!("{} ({})", model.info().id, model.info().dir.display()),
                });
            }
        }
        self.check_dim(model).await
    }

    /// A model's vectors here (if any) have its width.
    pub async fn check_dim(&self, model: &Model) -> Result<()> {
        if let Some(stored) = self.state.store.space_dimension(&model.info().id).await? {
            if stored != model.info().dim {
                return Err(clipdex_store::StoreError::DimensionMismatch { stored, given: model.info().dim }.into());
            }
        }
        Ok(())
    }

    /// The library has vectors from `model` to search with.
    pub async fn check_searchable(&self, model: &Model) -> Result<()> {
        match self.state.store.space_dimension(&model.info().id).await? {
            None => Err(LibraryError::NotIndexedWith(model.info().id.clone())),
            Some(stored) if stored != model.info().dim => {
                Err(clipdex_store::StoreError::DimensionMismatch { stored, given: model.info().dim }.into())
            }
            Some(_) => Ok(()),
        }
    }

    /// The model to search with: `explicit` if given (the library must have
    /// its vectors), else the active one.
    pub async fn model_for_search(&self, explicit: Option<&Path>) -> Result<Arc<Model>> {
        let dir = match (explicit, self.active().await?) {
            (Some(d), _) => paths::model_dir(Some(d)),
            (None, Some(rec)) => rec.dir,
            (None, None) => return Err(LibraryError::NoModel),
        };
        let model = open_model(&dir, &self.state.settings.runtime_dirs).await?;
        self.check_searchable(&model).await?;
        Ok(model)
    }

    /// The one rule for which model indexes: `explicit` if given (an indexer
    /// that is not the active model is refused when it runs), else the
    /// library's active model, else `default` for a library without one.
    pub async fn model_for_indexing(&self, explicit: Option<&Path>, default: &Path) -> Result<Arc<Model>> {
        let dir = match (explicit, self.active().await?) {
            (Some(d), _) => paths::model_dir(Some(d)),
            (None, Some(rec)) => rec.dir,
            (None, None) => default.to_path_buf(),
        };
        open_model(&dir, &self.state.settings.runtime_dirs).await
    }

    /// Every model the library has vectors from, the active one first.
    pub async fn models(&self) -> Result<Vec<LibraryModel>> {
        let store = &self.state.store;
        let active = self.active().await?;
        let target = self.target().await?;
        let mut rows: Vec<(String, PathBuf, usize)> =
            store.listed_models().await?.into_iter().map(|m| (m.id, PathBuf::from(m.dir), m.dim)).collect();
        // Libraries from before several models: the active model is the only one.
        if let Some(a) = &active {
            if !rows.iter().any(|r| r.0 == a.id) {
                let dim = store.space_dimension(&a.id).await?.unwrap_or(0);
                rows.insert(0, (a.id.clone(), a.dir.clone(), dim));
            }
        }
        let items = store.count_items().await?;
        let mut out = Vec::new();
        for (id, dir, dim) in rows {
            let throughput = store.throughput(&id).await?;
            out.push(LibraryModel {
                name: clipdex_models::Registry::builtin().display_name(&id),
                vectors: store.count_vectors(&id).await?,
                items,
                active: active.as_ref().is_some_and(|a| a.id == id),
                target: target.as_deref() == Some(id.as_str()),
                images_per_second: throughput.filter(|t| t.seconds > 0.0).map(|t| t.items as f64 / t.seconds),
                id,
                dir,
                dim,
            });
        }
        out.sort_by_key(|m| !m.active);
        Ok(out)
    }

    /// Gets the library ready for `model`'s vectors: its table exists and
    /// the library lists it (idempotent: an idle run commits nothing).
    pub async fn register(&self, model: &Model) -> Result<()> {
        let store = &self.state.store;
        let entry = entry_of(model);
        store.ensure_space(&entry.id, entry.dim).await?;
        let listed = store.listed_models().await?;
        if listed.contains(&entry) {
            return Ok(());
        }
        let mut models: Vec<ModelEntry> = listed.into_iter().filter(|m| m.id != entry.id).collect();
        models.push(entry);
        store.set_listed_models(&models).await?;
        Ok(())
    }

    /// Records `model` as the library's own when it has none yet (or the
    /// same model moved folders). Only an indexer the catalog accepted
    /// ([`Catalog::check_indexer`]) calls this; an idle run commits nothing.
    pub async fn adopt(&self, model: &Model) -> Result<()> {
        let entry = entry_of(model);
        let recorded = self.state.store.active_model().await?;
        if recorded.as_ref().is_none_or(|r| r.id != entry.id || r.dir != entry.dir) {
            self.state.store.set_active_model(&entry, false).await?;
        }
        Ok(())
    }

    /// Makes `model` the one searches and new files use, ending any switch.
    pub async fn activate(&self, model: &Model) -> Result<()> {
        self.state.store.set_active_model(&entry_of(model), true).await?;
        cache(&self.state.calibrations).clear();
        Ok(())
    }

    /// Drops a model from the list (its vectors are dropped by the caller).
    /// Whether it was listed.
    pub async fn unlist(&self, model_id: &str) -> Result<bool> {
        let store = &self.state.store;
        let current = store.listed_models().await?;
        let kept: Vec<ModelEntry> = current.iter().filter(|m| m.id != model_id).cloned().collect();
        let listed = kept.len() != current.len();
        if listed {
            store.set_listed_models(&kept).await?;
        }
        if self.target().await?.as_deref() == Some(model_id) {
            self.set_target(None).await?;
        }
        Ok(listed)
    }

    /// Adds `items` embedded in `seconds` to a model's measured throughput.
    pub async fn record_throughput(&self, model_id: &str, items: usize, seconds: f64) -> Result<()> {
        if items == 0 {
            return Ok(());
        }
        let store = &self.state.store;
        let was = store.throughput(model_id).await?.unwrap_or_default();
        let now = Throughput { items: was.items + items, seconds: was.seconds + seconds };
        Ok(store.set_throughput(model_id, now).await?)
    }
}

/// A model as the library records it: id, folder (canonical), width.
fn entry_of(model: &Model) -> ModelEntry {
    let info = model.info();
    let dir = info.dir.canonicalize().unwrap_or_else(|_| info.dir.clone()).to_string_lossy().into_owned();
    ModelEntry { id: info.id.clone(), dir, dim: info.dim }
}
