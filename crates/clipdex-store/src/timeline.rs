//! The library at a glance: every item a path holds, with the date it is
//! browsed by (EXIF date taken, else its first path's modification time),
//! and the cameras its photos were taken with.

use std::collections::HashMap;

use arrow_array::{Array, Int64Array, StringArray, UInt32Array};
use lancedb::query::{QueryBase, Select};

use crate::records::Scored;
use crate::rows::{collect, column};
use crate::{Result, Store};

/// One item on the library's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated {
    pub id: String,
    pub width: u32,
    pub height: u32,
    /// EXIF date taken, else the first path's modification time, in nanoseconds.
    pub date_ns: i64,
    /// The first of its paths (sorted): ties in date go by it.
    pub path: String,
}

impl Dated {
    /// As a scored row (score 0: nothing was asked) for [`crate::with_paths`].
    pub fn scored(&self) -> Scored {
        Scored { id: self.id.clone(), width: self.width, height: self.height, score: 0.0 }
    }
}

impl Store {
    /// Every item some path holds, newest first (by date taken, else
    /// modification time; then by path). Three column scans: files, items
    /// and details, no thumbnails or vectors.
    pub async fn timeline(&self) -> Result<Vec<Dated>> {
        // The first path of each item and its modification time.
        let mut first: HashMap<String, (String, i64)> = HashMap::new();
        for f in self.file_rows(None, "listing files").await? {
            match first.get_mut(&f.id) {
                Some(held) if held.0 <= f.path => {}
                Some(held) => *held = (f.path, f.stamp.mtime_ns),
                None => {
                    first.insert(f.id, (f.path, f.stamp.mtime_ns));
                }
            }
        }
        let mut taken: HashMap<String, i64> = HashMap::new();
        let query = self.details.query().select(Select::columns(&["id", "taken_at_ms"]));
        for b in &collect(query, "reading dates").await? {
            let (id, t) = (column::<StringArray>(b, "id")?, column::<Int64Array>(b, "taken_at_ms")?);
            for i in (0..b.num_rows()).filter(|&i| !t.is_null(i)) {
                taken.insert(id.value(i).to_string(), t.value(i).saturating_mul(1_000_000));
            }
        }
        let mut out = Vec::with_capacity(first.len());
        let query = self.items.query().select(Select::columns(&["id", "width", "height"]));
        for b in &collect(query, "listing items").await? {
            let (id, w, h) = (
                column::<StringArray>(b, "id")?,
                column::<UInt32Array>(b, "width")?,
                column::<UInt32Array>(b, "height")?,
            );
            for i in 0..b.num_rows() {
                let id = id.value(i);
                // Items no path holds (left by an interrupted run) are not in the library.
                let Some((path, mtime_ns)) = first.remove(id) else { continue };
                let date_ns = taken.get(id).copied().unwrap_or(mtime_ns);
                out.push(Dated { id: id.to_string(), width: w.value(i), height: h.value(i), date_ns, path });
            }
        }
        out.sort_by(|a, b| b.date_ns.cmp(&a.date_ns).then_with(|| a.path.cmp(&b.path)));
        Ok(out)
    }
}

impl Store {
    /// The cameras the library's photos were taken with (EXIF make and
    /// model as read), each with how many items it took, most first (then by name).
    pub async fn cameras(&self) -> Result<Vec<(String, usize)>> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let query = self.details.query().only_if("camera IS NOT NULL").select(Select::columns(&["camera"]));
        for b in &collect(query, "listing cameras").await? {
            let camera = column::<StringArray>(b, "camera")?;
            for i in (0..b.num_rows()).filter(|&i| !camera.is_null(i)) {
                let name = camera.value(i).trim();
                if !name.is_empty() {
                    *counts.entry(name.to_string()).or_default() += 1;
                }
            }
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}
