//! Upkeep: garbage collection, consistency audits and repairs, compaction and version pruning.

use std::collections::HashSet;

use arrow_array::StringArray;
use lancedb::query::{QueryBase, Select};
use lancedb::Table;

use crate::error::{lance, Result};
use crate::records::{is_part, whole_of, Audit};
use crate::rows::{collect, column, delete_in};
use crate::Store;

impl Store {
    /// Reads every table at its newest commit from now on. A writer calls
    /// this once it holds the writer lock, so what it checks (the library's
    /// folders, its files) is what another process last committed, not a
    /// view up to [`crate::READ_CONSISTENCY`] old.
    pub async fn refresh(&self) -> Result<()> {
        let mut tables = self.small_tables();
        tables.extend(self.spaces.read().unwrap_or_else(|p| p.into_inner()).values().cloned());
        for t in tables {
            t.checkout_latest().await.map_err(lance("reading the newest version"))?;
        }
        Ok(())
    }

    /// Every table but the vector tables.
    fn small_tables(&self) -> Vec<Table> {
        vec![
            self.items.clone(),
            self.files.clone(),
            self.failures.clone(),
            self.roots.clone(),
            self.meta.clone(),
            self.details.clone(),
            self.captions.clone(),
            self.texts.clone(),
        ]
    }

    /// Deletes items no file points at, with their vectors in every space,
    /// and parts (a video's moments) with their item. Returns how many items.
    pub async fn collect_garbage(&self) -> Result<usize> {
        let held = Self::all_ids(&self.files, "listing file ids").await?;
        // Vectors first: a crash in between leaves items without vectors (harmless), never the reverse.
        for (space, t) in self.all_space_tables().await? {
            let stale: Vec<String> = Self::all_ids(&t, "listing vector ids")
                .await?
                .into_iter()
                .filter(|id| !held.contains(whole_of(id)))
                .collect();
            delete_in(&t, "id", &stale, "deleting unused vectors").await?;
            if !stale.is_empty() {
                self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(&space);
            }
        }
        let items = self.items.clone();
        let orphans: Vec<String> = Self::all_ids(&items, "listing item ids")
            .await?
            .into_iter()
            .filter(|id| !held.contains(whole_of(id)))
            .collect();
        delete_in(&items, "id", &orphans, "deleting unused items").await?;
        let orphans = orphans.iter().filter(|id| !is_part(id)).count();
        let described = Self::all_ids(&self.details, "listing described items").await?;
        let have = Self::all_ids(&items, "listing item ids").await?;
        let stale: Vec<String> = described.into_iter().filter(|id| !have.contains(id)).collect();
        delete_in(&self.details, "id", &stale, "deleting details of unused items").await?;
        let read = Self::all_ids(&self.texts, "listing read items").await?;
        let stale: Vec<String> = read.into_iter().filter(|id| !have.contains(id)).collect();
        delete_in(&self.texts, "id", &stale, "deleting text of unused items").await?;
        Ok(orphans)
    }

    /// Drops file rows whose item is missing (which a crash can never leave
    /// behind, but a damaged or foreign database might). Returns how many.
    pub async fn drop_dangling_files(&self) -> Result<usize> {
        let have = Self::all_ids(&self.items, "listing item ids").await?;
        let dangling: Vec<String> = self
            .file_rows(None, "listing files")
            .await?
            .into_iter()
            .filter(|f| !have.contains(&f.id))
            .map(|f| f.path)
            .collect();
        delete_in(&self.files, "path", &dangling, "dropping dangling files").await?;
        Ok(dangling.len())
    }

    /// Counts what should never be there: two rows for one path or one item,
    /// file rows whose item is missing; and items no path holds (harmless).
    pub async fn audit(&self) -> Result<Audit> {
        let mut audit = Audit::default();
        let mut paths = HashSet::new();
        let files = self.files().await?;
        let item_ids: Vec<String> = {
            let batches = collect(self.items.query().select(Select::columns(&["id"])), "listing item ids").await?;
            let mut ids = Vec::new();
            for b in &batches {
                let id = column::<StringArray>(b, "id")?;
                ids.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
            }
            ids
        };
        let mut ids = HashSet::new();
        for id in item_ids.iter().filter(|id| !is_part(id)) {
            if !ids.insert(id.as_str()) {
                audit.duplicate_items += 1;
            }
        }
        let mut held = HashSet::new();
        for f in &files {
            if !paths.insert(f.path.as_str()) {
                audit.duplicate_files += 1;
            }
            if !ids.contains(f.id.as_str()) {
                audit.dangling_files += 1;
            }
            held.insert(f.id.as_str());
        }
        audit.unreferenced_items = ids.iter().filter(|id| !held.contains(*id)).count();
        audit.files = files.len();
        audit.items = ids.len();
        Ok(audit)
    }

    /// Compacts small fragments and prunes table versions older than
    /// `keep_ms` milliseconds, so many small commits do not pile up.
    pub async fn optimize(&self, keep_ms: i64) -> Result<()> {
        self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let mut tables = self.small_tables();
        tables.extend(self.all_space_tables().await?.into_iter().map(|(_, t)| t));
        for t in &tables {
            t.optimize(lancedb::table::OptimizeAction::Compact { options: Default::default(), remap_options: None })
                .await
                .map_err(lance("compacting"))?;
            // Folds rows added since an index was built into it (no-op without indexes).
            t.optimize(lancedb::table::OptimizeAction::Index(Default::default()))
                .await
                .map_err(lance("updating indexes"))?;
            t.optimize(lancedb::table::OptimizeAction::Prune {
                older_than: Some(chrono_duration_ms(keep_ms)),
                delete_unverified: Some(false),
                error_if_tagged_old_versions: Some(false),
            })
            .await
            .map_err(lance("pruning old versions"))?;
        }
        Ok(())
    }

    /// How many versions each table keeps (for tests and `status`).
    pub async fn version_count(&self) -> Result<usize> {
        let mut tables = self.small_tables();
        tables.extend(self.all_space_tables().await?.into_iter().map(|(_, t)| t));
        let mut n = 0;
        for t in &tables {
            n += t.list_versions().await.map_err(lance("listing versions"))?.len();
        }
        Ok(n)
    }
}

fn chrono_duration_ms(ms: i64) -> lancedb::table::Duration {
    lancedb::table::Duration::milliseconds(ms.max(0))
}
