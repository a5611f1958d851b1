//! Checks and upkeep of a whole library: [`Auditor::verify`] (the library
//! against itself and the disk), [`Auditor::duplicates`] (exact and near),
//! and [`Auditor::optimize`] (the housekeeping an indexing run does).

use std::collections::{BTreeMap, HashSet};

use clipdex_store::{is_part, whole_of, Audit, FileStamp, IndexAction};

use crate::catalog::Catalog;
use crate::error::Result;
use crate::index::{self, mtime_ns};
use crate::state::{blocking, State};

/// What `optimize` did to the active model's vector index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimized {
    /// The index was (re)built over `rows` vectors in `partitions` partitions.
    IndexBuilt { rows: usize, partitions: usize },
    /// Compacted; the index was already up to date (or the library is too small for one).
    UpToDate,
}

impl From<IndexAction> for Optimized {
    fn from(a: IndexAction) -> Self {
        match a {
            IndexAction::Built { rows, partitions } => Optimized::IndexBuilt { rows, partitions },
            IndexAction::None => Optimized::UpToDate,
        }
    }
}

/// One member of a near-duplicate group.
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicate {
    pub id: String,
    pub paths: Vec<String>,
    /// For a video, the moment (seconds in) that looks like the others.
    pub time_s: Option<f64>,
    /// Its highest cosine to another member.
    pub score: f32,
}

/// What [`Library::duplicates`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicates {
    /// Paths holding identical bytes, a group each.
    pub exact: Vec<Vec<String>>,
    /// Different files that look alike, a group each.
    pub near: Vec<Vec<NearDuplicate>>,
}

/// What [`Library::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub audit: Audit,
    /// Indexed files that changed or vanished since: the next run re-queues them.
    pub stale: usize,
    /// Indexed files unchanged on disk whose content does not hash to their item.
    pub hash_mismatches: Vec<String>,
}

impl Verification {
    /// True when nothing is wrong (stale files are expected, not wrong).
    pub fn is_consistent(&self) -> bool {
        let a = &self.audit;
        a.duplicate_files == 0 && a.duplicate_items == 0 && a.dangling_files == 0 && self.hash_mismatches.is_empty()
    }
}

pub(crate) struct Auditor<'a> {
    state: &'a State,
}

impl<'a> Auditor<'a> {
    pub fn new(state: &'a State) -> Self {
        Self { state }
    }

    /// Runs the housekeeping an indexing run does after writing, now (for
    /// `clipdex optimize`, and after bulk loads), for every model's vectors.
    /// Returns what it did to the active model's index. Takes the writer lock.
    pub async fn optimize(&self) -> Result<Optimized> {
        let _lock = self.state.write_lock().await?;
        let mut action = IndexAction::None;
        for m in Catalog::new(self.state).models().await? {
            let a = index::maintain(self.state, &m.id).await?;
            if m.active {
                action = a;
            }
        }
        Ok(action.into())
    }

    /// Checks the library against itself and the disk. Reads every indexed
    /// file whose size and mtime still match, to confirm its content hash.
    pub async fn verify(&self) -> Result<Verification> {
        let state = self.state;
        let audit = state.store.audit().await?;
        let files = state.store.files().await?;
        let (stale, hash_mismatches) = blocking(move || {
            let mut stale = 0;
            let mut bad = Vec::new();
            for f in &files {
                let now = std::fs::metadata(&f.path).ok().map(|m| FileStamp { size: m.len(), mtime_ns: mtime_ns(&m) });
                if now != Some(f.stamp) {
                    stale += 1; // changed or gone: the next run re-queues it
                    continue;
                }
                match std::fs::read(&f.path) {
                    Ok(bytes) if blake3::hash(&bytes).to_hex().as_str() == f.id => {}
                    _ => bad.push(f.path.clone()),
                }
            }
            (stale, bad)
        })
        .await?;
        Ok(Verification { audit, stale, hash_mismatches })
    }

    /// Duplicates, kept apart: exact ones (one content at several paths) and
    /// near ones (different content whose vectors have cosine ≥ `threshold`),
    /// grouped transitively. Compares every pair: fine for tens of thousands
    /// of items, not yet for millions.
    pub async fn duplicates(&self, threshold: f32) -> Result<Duplicates> {
        let state = self.state;
        let files = state.store.files().await?;
        let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in files {
            by_id.entry(f.id).or_default().push(f.path);
        }
        let exact: Vec<Vec<String>> = by_id.values().filter(|p| p.len() > 1).cloned().collect();
        let space = Catalog::new(state).active_id().await?;
        let mut vectors: Vec<(String, Vec<f32>)> = state
            .store
            .all_vectors(&space)
            .await?
            .into_iter()
            .filter(|(id, _)| by_id.contains_key(whole_of(id)))
            .collect();
        // A video is compared through its moments (a photo taken during one
        // of its scenes looks like that moment), not through its own vector,
        // which is one of them.
        let videos: HashSet<String> =
            vectors.iter().filter(|(id, _)| is_part(id)).map(|(id, _)| whole_of(id).to_string()).collect();
        vectors.retain(|(id, _)| is_part(id) || !videos.contains(id));
        let groups = blocking(move || near_groups(&vectors, threshold)).await?;
        let near = groups
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|(id, score)| NearDuplicate {
                        paths: by_id.get(whole_of(&id)).cloned().unwrap_or_default(),
                        time_s: crate::index::video::moment_time(&id),
                        id: whole_of(&id).to_string(),
                        score,
                    })
                    .collect()
            })
            .collect();
        Ok(Duplicates { exact, near })
    }
}

/// Groups (transitively, by union-find) vectors whose cosine is at least
/// `threshold`, each member with its highest cosine to another. Moments of
/// one video are never paired with each other, and a group names a video
/// once, by its closest moment.
fn near_groups(vectors: &[(String, Vec<f32>)], threshold: f32) -> Vec<Vec<(String, f32)>> {
    let n = vectors.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut best = vec![f32::NEG_INFINITY; n];
    for i in 0..n {
        for j in i + 1..n {
            if whole_of(&vectors[i].0) == whole_of(&vectors[j].0) {
                continue;
            }
            let c = clipdex_embed::cosine(&vectors[i].1, &vectors[j].1);
            if c >= threshold {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a] = b;
                best[i] = best[i].max(c);
                best[j] = best[j].max(c);
            }
        }
    }
    let mut groups: BTreeMap<usize, BTreeMap<&str, (String, f32)>> = BTreeMap::new();
    for (i, (id, _)) in vectors.iter().enumerate() {
        if best[i] == f32::NEG_INFINITY {
            continue; // close to nothing
        }
        let r = root(&mut parent, i);
        let member = groups.entry(r).or_default().entry(whole_of(id)).or_insert_with(|| (id.clone(), best[i]));
        if best[i] > member.1 {
            *member = (id.clone(), best[i]);
        }
    }
    groups.into_values().map(|g| g.into_values().collect::<Vec<_>>()).filter(|g| g.len() > 1).collect()
}
