//! Reading files, failures, folders, thumbnails and vectors back.

use std::collections::{HashMap, HashSet};

use arrow_array::{Array, BinaryArray, FixedSizeListArray, Int64Array, StringArray, UInt32Array, UInt64Array};
use lancedb::query::{QueryBase, Select};
use lancedb::Table;

use crate::error::{lance, Result};
use crate::records::{FailureRecord, FileRecord, FileStamp, Known};
use crate::rows::{collect, column, in_list, quote, row_vector, IN_CHUNK};
use crate::Store;

impl Store {
    /// The library's folders, sorted.
    pub async fn roots(&self) -> Result<Vec<String>> {
        let batches = collect(self.roots.query().select(Select::columns(&["path"])), "listing library folders").await?;
        let mut out = Vec::new();
        for b in &batches {
            let p = column::<StringArray>(b, "path")?;
            out.extend((0..b.num_rows()).map(|i| p.value(i).to_string()));
        }
        out.sort();
        Ok(out)
    }

    /// Everything recorded under one library folder.
    pub async fn known_under(&self, root: &str) -> Result<Known> {
        let mut known = Known::default();
        let filter = format!("root = {}", quote(root));
        for f in self.file_rows(Some(filter.clone()), "listing known files").await? {
            known.files.insert(f.path, (f.id, f.stamp));
        }
        let batches = collect(
            self.failures.query().only_if(filter).select(Select::columns(&["path", "size", "mtime_ns"])),
            "listing known failures",
        )
        .await?;
        for b in &batches {
            let (p, s, m) = (
                column::<StringArray>(b, "path")?,
                column::<UInt64Array>(b, "size")?,
                column::<Int64Array>(b, "mtime_ns")?,
            );
            for i in 0..b.num_rows() {
                known.failures.insert(p.value(i).to_string(), FileStamp { size: s.value(i), mtime_ns: m.value(i) });
            }
        }
        Ok(known)
    }

    /// Whether the library holds this content id (in any space).
    pub async fn item_exists(&self, id: &str) -> Result<bool> {
        let n =
            self.items.count_rows(Some(format!("id = {}", quote(id)))).await.map_err(lance("looking up an item"))?;
        Ok(n > 0)
    }

    /// Width and height of the items with these ids (those the library holds).
    pub async fn item_sizes(&self, ids: &[String]) -> Result<HashMap<String, (u32, u32)>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let query =
                self.items.query().only_if(in_list("id", chunk)).select(Select::columns(&["id", "width", "height"]));
            for b in &collect(query, "reading items").await? {
                let (id, w, h) = (
                    column::<StringArray>(b, "id")?,
                    column::<UInt32Array>(b, "width")?,
                    column::<UInt32Array>(b, "height")?,
                );
                out.extend((0..b.num_rows()).map(|i| (id.value(i).to_string(), (w.value(i), h.value(i)))));
            }
        }
        Ok(out)
    }

    /// Which of these item ids already have a vector in this space.
    pub async fn existing_ids(&self, space: &str, ids: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        let Some(items) = self.space_table_opt(space).await? else { return Ok(out) };
        for chunk in ids.chunks(IN_CHUNK) {
            let batches = collect(
                items.query().only_if(in_list("id", chunk)).select(Select::columns(&["id"])),
                "looking up items",
            )
            .await?;
            for b in &batches {
                let id = column::<StringArray>(b, "id")?;
                out.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
            }
        }
        Ok(out)
    }

    pub(crate) async fn all_ids(table: &Table, context: &'static str) -> Result<HashSet<String>> {
        let batches = collect(table.query().select(Select::columns(&["id"])), context).await?;
        let mut out = HashSet::new();
        for b in &batches {
            let id = column::<StringArray>(b, "id")?;
            out.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
        }
        Ok(out)
    }

    pub async fn count_items(&self) -> Result<usize> {
        self.items.count_rows(Some(crate::records::WHOLE_ONLY.into())).await.map_err(lance("counting items"))
    }

    pub async fn count_files(&self) -> Result<usize> {
        self.files.count_rows(None).await.map_err(lance("counting files"))
    }

    /// Every file row (path, id, stamp), sorted by path.
    pub async fn files(&self) -> Result<Vec<FileRecord>> {
        let mut out = self.file_rows(None, "listing files").await?;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// File rows matching a filter (all of them for `None`).
    pub(crate) async fn file_rows(&self, filter: Option<String>, context: &'static str) -> Result<Vec<FileRecord>> {
        let mut query = self.files.query();
        if let Some(f) = filter {
            query = query.only_if(f);
        }
        let mut out = Vec::new();
        for b in &collect(query, context).await? {
            let (p, id, s, m, r) = (
                column::<StringArray>(b, "path")?,
                column::<StringArray>(b, "id")?,
                column::<UInt64Array>(b, "size")?,
                column::<Int64Array>(b, "mtime_ns")?,
                column::<StringArray>(b, "root")?,
            );
            for i in 0..b.num_rows() {
                out.push(FileRecord {
                    path: p.value(i).to_string(),
                    id: id.value(i).to_string(),
                    stamp: FileStamp { size: s.value(i), mtime_ns: m.value(i) },
                    root: r.value(i).to_string(),
                });
            }
        }
        Ok(out)
    }

    pub async fn failures(&self) -> Result<Vec<FailureRecord>> {
        let batches = collect(self.failures.query(), "listing failures").await?;
        let mut out = Vec::new();
        for b in &batches {
            let (p, s, m, r, root, a) = (
                column::<StringArray>(b, "path")?,
                column::<UInt64Array>(b, "size")?,
                column::<Int64Array>(b, "mtime_ns")?,
                column::<StringArray>(b, "reason")?,
                column::<StringArray>(b, "root")?,
                column::<Int64Array>(b, "at_ms")?,
            );
            for i in 0..b.num_rows() {
                out.push(FailureRecord {
                    path: p.value(i).to_string(),
                    stamp: FileStamp { size: s.value(i), mtime_ns: m.value(i) },
                    reason: r.value(i).to_string(),
                    root: root.value(i).to_string(),
                    at_ms: a.value(i),
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Paths (with stamps) of the files holding these items, sorted.
    pub async fn paths_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<(String, FileStamp)>>> {
        let mut out: HashMap<String, Vec<(String, FileStamp)>> = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            for f in self.file_rows(Some(in_list("id", chunk)), "looking up paths").await? {
                out.entry(f.id).or_default().push((f.path, f.stamp));
            }
        }
        for v in out.values_mut() {
            v.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(out)
    }

    /// The thumbnail of the item with this content id.
    pub async fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let items = &self.items;
        // An item's id is hex; a part's adds `#` and digits.
        let (whole, part) = id.split_once(crate::records::PART_MARK).unwrap_or((id, ""));
        if whole.is_empty()
            || !whole.bytes().all(|c| c.is_ascii_hexdigit())
            || !part.bytes().all(|c| c.is_ascii_digit())
        {
            return Ok(None);
        }
        let query =
            items.query().only_if(format!("id = {}", quote(id))).select(Select::columns(&["thumbnail"])).limit(1);
        for b in &collect(query, "reading a thumbnail").await? {
            let t = column::<BinaryArray>(b, "thumbnail")?;
            if !t.is_empty() {
                return Ok(Some(t.value(0).to_vec()));
            }
        }
        Ok(None)
    }

    /// The stored vector of an item in a space.
    pub async fn vector(&self, space: &str, id: &str) -> Result<Option<Vec<f32>>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(None) };
        let query = items.query().only_if(format!("id = {}", quote(id))).select(Select::columns(&["vector"])).limit(1);
        for b in &collect(query, "reading a vector").await? {
            let list = column::<FixedSizeListArray>(b, "vector")?;
            if !list.is_empty() {
                let f = row_vector(list, 0)?;
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// Every item's id and vector in a space.
    pub async fn all_vectors(&self, space: &str) -> Result<Vec<(String, Vec<f32>)>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for b in &collect(items.query().select(Select::columns(&["id", "vector"])), "reading vectors").await? {
            let id = column::<StringArray>(b, "id")?;
            let list = column::<FixedSizeListArray>(b, "vector")?;
            for i in 0..b.num_rows() {
                let f = row_vector(list, i)?;
                out.push((id.value(i).to_string(), f));
            }
        }
        Ok(out)
    }

    /// The file rows of these items (every path holding each), by item id.
    pub async fn files_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<FileRecord>>> {
        let mut out: HashMap<String, Vec<FileRecord>> = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            for f in self.file_rows(Some(in_list("id", chunk)), "looking up paths").await? {
                out.entry(f.id.clone()).or_default().push(f);
            }
        }
        for v in out.values_mut() {
            v.sort_by(|a, b| a.path.cmp(&b.path));
        }
        Ok(out)
    }

    /// The stored vectors of these items in a space (those that exist).
    pub async fn vectors_of(&self, space: &str, ids: &[String]) -> Result<HashMap<String, Vec<f32>>> {
        let mut out = HashMap::new();
        let Some(items) = self.space_table_opt(space).await? else { return Ok(out) };
        for chunk in ids.chunks(IN_CHUNK) {
            let query = items.query().only_if(in_list("id", chunk)).select(Select::columns(&["id", "vector"]));
            for b in &collect(query, "reading vectors").await? {
                let id = column::<StringArray>(b, "id")?;
                let list = column::<FixedSizeListArray>(b, "vector")?;
                for i in 0..b.num_rows() {
                    let f = row_vector(list, i)?;
                    out.insert(id.value(i).to_string(), f);
                }
            }
        }
        Ok(out)
    }

    /// The ids of an item's parts (a video's moments) with a vector in this space, sorted.
    pub async fn parts_of(&self, space: &str, item: &str) -> Result<Vec<String>> {
        let Some(t) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        ids_where(&t, &parts_filter(item)).await
    }

    /// The ids of an item's parts (a video's moments), from the model-free `items` table.
    pub async fn item_parts(&self, item: &str) -> Result<Vec<String>> {
        ids_where(&self.items, &parts_filter(item)).await
    }

    /// How many items have parts (videos with their moments).
    pub async fn count_items_with_parts(&self) -> Result<usize> {
        let parts = ids_where(&self.items, &format!("NOT ({})", crate::records::WHOLE_ONLY)).await?;
        let mut wholes: Vec<&str> = parts.iter().map(|p| crate::records::whole_of(p)).collect();
        wholes.dedup(); // sorted, so an item's parts are adjacent
        Ok(wholes.len())
    }

    /// Up to `n` item vectors of a space, spread over the table (for
    /// calibration); whole items only (a video's moments repeat its vector).
    pub async fn sample_vectors(&self, space: &str, n: usize) -> Result<Vec<Vec<f32>>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        let whole = crate::records::WHOLE_ONLY;
        let total = items.count_rows(Some(whole.into())).await.map_err(lance("counting items"))?;
        let step = total.div_ceil(n.max(1)).max(1);
        let mut out = Vec::new();
        let mut seen = 0usize;
        for b in &collect(items.query().only_if(whole).select(Select::columns(&["vector"])), "sampling vectors").await?
        {
            let list = column::<FixedSizeListArray>(b, "vector")?;
            for i in 0..b.num_rows() {
                if seen.is_multiple_of(step) {
                    out.push(row_vector(list, i)?);
                }
                seen += 1;
            }
        }
        Ok(out)
    }

    /// The item id a path holds, if indexed.
    pub async fn id_for_path(&self, path: &str) -> Result<Option<String>> {
        let query =
            self.files.query().only_if(format!("path = {}", quote(path))).select(Select::columns(&["id"])).limit(1);
        for b in &collect(query, "looking up a path").await? {
            let id = column::<StringArray>(b, "id")?;
            if !id.is_empty() {
                return Ok(Some(id.value(0).to_string()));
            }
        }
        Ok(None)
    }
}

/// A filter for an item's parts.
fn parts_filter(item: &str) -> String {
    format!("id LIKE {}", quote(&format!("{item}{}%", crate::records::PART_MARK)))
}

/// The ids of a table's rows that pass `filter`, sorted.
async fn ids_where(table: &Table, filter: &str) -> Result<Vec<String>> {
    let query = table.query().only_if(filter).select(Select::columns(&["id"]));
    let mut out = Vec::new();
    for b in &collect(query, "listing an item's parts").await? {
        let id = column::<StringArray>(b, "id")?;
        out.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
    }
    out.sort();
    Ok(out)
}
