//! Vector spaces: one vectors table per model, opened lazily and cached.

use std::collections::HashSet;

use lancedb::Table;

use crate::error::{lance, Result, StoreError};
use crate::meta::ann_keys;
use crate::open::{open_or_create, open_recovering, Recovery};
use crate::rows::in_list;
use crate::schema::{space_of_table, space_table, vector_width, vectors_schema};
use crate::Store;

impl Store {
    /// The vectors table of a space (model id), if it exists.
    pub(crate) async fn space_table_opt(&self, space: &str) -> Result<Option<Table>> {
        if let Some(t) = self.spaces.read().unwrap_or_else(|p| p.into_inner()).get(space) {
            return Ok(Some(t.clone()));
        }
        let t = open_recovering(&self.db, &self.db_dir, &space_table(space), Recovery::Report, &mut Vec::new()).await?;
        if let Some(t) = &t {
            self.spaces.write().unwrap_or_else(|p| p.into_inner()).insert(space.to_string(), t.clone());
        }
        Ok(t)
    }

    pub(crate) async fn space_table_req(&self, space: &str) -> Result<Table> {
        self.space_table_opt(space).await?.ok_or_else(|| StoreError::NoSpace(space.to_string()))
    }

    /// Every space that has a vectors table, by model id.
    pub async fn spaces(&self) -> Result<Vec<String>> {
        let names = self.db.table_names().execute().await.map_err(lance("listing tables"))?;
        let mut out: Vec<String> = names.iter().filter_map(|n| space_of_table(n)).collect();
        out.sort();
        Ok(out)
    }

    pub(crate) async fn all_space_tables(&self) -> Result<Vec<(String, Table)>> {
        let mut out = Vec::new();
        for space in self.spaces().await? {
            if let Some(t) = self.space_table_opt(&space).await? {
                out.push((space, t));
            }
        }
        Ok(out)
    }

    /// The vector width of a space, once it has a table.
    pub async fn space_dimension(&self, space: &str) -> Result<Option<usize>> {
        match self.space_table_opt(space).await? {
            Some(t) => vector_width(&t).await,
            None => Ok(None),
        }
    }

    /// Creates the vectors table of a space for `dim`-wide vectors, or checks
    /// the existing one matches.
    pub async fn ensure_space(&self, space: &str, dim: usize) -> Result<()> {
        if let Some(stored) = self.space_dimension(space).await? {
            return if stored == dim { Ok(()) } else { Err(StoreError::DimensionMismatch { stored, given: dim }) };
        }
        let table = open_or_create(
            &self.db,
            &self.db_dir,
            &space_table(space),
            vectors_schema(dim),
            Recovery::Report,
            &mut Vec::new(),
        )
        .await?;
        self.spaces.write().unwrap_or_else(|p| p.into_inner()).insert(space.to_string(), table);
        match self.space_dimension(space).await? {
            Some(stored) if stored != dim => Err(StoreError::DimensionMismatch { stored, given: dim }),
            _ => Ok(()),
        }
    }

    /// Deletes a space's vectors table. `Ok(false)` if there was none.
    pub async fn drop_space(&self, space: &str) -> Result<bool> {
        if self.space_table_opt(space).await?.is_none() {
            return Ok(false);
        }
        self.spaces.write().unwrap_or_else(|p| p.into_inner()).remove(space);
        self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(space);
        self.db.drop_table(space_table(space), &[]).await.map_err(lance("dropping a model's vectors"))?;
        let keys = ann_keys(space);
        self.meta.delete(in_list("key", &keys).as_str()).await.map_err(lance("updating library metadata"))?;
        Ok(true)
    }

    /// How many items have a vector in this space.
    pub async fn count_vectors(&self, space: &str) -> Result<usize> {
        match self.space_table_opt(space).await? {
            Some(t) => t.count_rows(None).await.map_err(lance("counting vectors")),
            None => Ok(0),
        }
    }

    /// Items some file holds that have no vector in this space yet, sorted.
    pub async fn missing_vectors(&self, space: &str) -> Result<Vec<String>> {
        let held = Self::all_ids(&self.files, "listing file ids").await?;
        let have = match self.space_table_opt(space).await? {
            Some(t) => Self::all_ids(&t, "listing vector ids").await?,
            None => HashSet::new(),
        };
        let mut out: Vec<String> = held.into_iter().filter(|id| !have.contains(id)).collect();
        out.sort();
        Ok(out)
    }
}
