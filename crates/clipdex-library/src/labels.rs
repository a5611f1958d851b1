//! Zero-shot labels: a built-in vocabulary of everyday concepts
//! (`vocab/labels.txt`, over 1,400 of them), each embedded through a small
//! ensemble of prompts ("a photo of a {}.", …) whose unit vectors are
//! averaged and normalised (CLIP's prompt ensembling). The text side costs a
//! few thousand text-encoder runs (about 100 s for ViT-B/32 on two cores),
//! so it is computed once per model and vocabulary and cached, in
//! `<library>/cache/` and in the user's cache folder shared by every
//! library (`Library::share_cache`): a second library with the same model
//! never pays it.
//!
//! An image's tags are the labels whose cosine to it stands out from its
//! cosines to the whole vocabulary (a z-score), which works the same for any
//! model, whatever the band its raw cosines sit in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_embed::Model;
use clipdex_store::Tag;

use crate::control::Cancel;
use crate::error::{LibraryError, Result};
use crate::state::blocking;

const VOCABULARY: &str = include_str!("../vocab/labels.txt");

/// Prompt templates; `{}` is the label.
pub const TEMPLATES: &[&str] = &["a photo of a {}.", "a close-up photo of {}.", "a picture showing {}.", "{}"];

/// Tags kept per item, at most.
pub const MAX_TAGS: usize = 5;
/// How far (in standard deviations over the vocabulary) a label's cosine
/// must stand above the image's mean to become a tag.
pub const TAG_MIN_Z: f32 = 2.5;

const CACHE_MAGIC: &[u8; 8] = b"CDXLBL01";

/// The vocabulary's labels, in file order, without duplicates.
pub fn vocabulary() -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    VOCABULARY
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| seen.insert(l.to_string()))
        .map(str::to_string)
        .collect()
}

/// Identifies the vocabulary and templates, so a change invalidates caches and tags.
pub fn vocabulary_key() -> String {
    let mut h = blake3::Hasher::new();
    h.update(VOCABULARY.as_bytes());
    for t in TEMPLATES {
        h.update(t.as_bytes());
        h.update(b"\0");
    }
    h.finalize().to_hex()[..8].to_string()
}

/// The vocabulary embedded by one model.
pub struct LabelSet {
    pub labels: Vec<String>,
    /// Row-major, `labels.len() × dim`, unit rows.
    vectors: Vec<f32>,
    dim: usize,
    /// `<model id>+<vocabulary key>`: what tags made from this set record.
    pub key: String,
}

/// A ranked label or caption.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedLabel {
    pub text: String,
    pub cosine: f32,
    /// Standard deviations above the mean cosine over the vocabulary.
    pub z: f32,
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

impl LabelSet {
    /// The model whose text tower embedded this set (the part of `key`
    /// before the vocabulary key).
    pub fn model_id(&self) -> &str {
        self.key.rsplit_once('+').map_or(self.key.as_str(), |(m, _)| m)
    }

    /// Builds a set from labels and their (already ensembled, unit) vectors.
    pub fn from_vectors(labels: Vec<String>, vectors: Vec<Vec<f32>>, key: String) -> Self {
        let dim = vectors.first().map_or(0, Vec::len);
        Self { labels, vectors: vectors.concat(), dim, key }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn row(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dim..(i + 1) * self.dim]
    }

    /// Cosine of `image` to every label, in label order.
    pub fn cosines(&self, image: &[f32]) -> Vec<f32> {
        (0..self.len()).map(|i| clipdex_embed::cosine(self.row(i), image)).collect()
    }

    /// Every label ranked for one image, best first.
    pub fn rank(&self, image: &[f32]) -> Vec<RankedLabel> {
        let cos = self.cosines(image);
        let (mean, sd) = mean_sd(&cos);
        let mut out: Vec<RankedLabel> = cos
            .iter()
            .enumerate()
            .map(|(i, &c)| RankedLabel { text: self.labels[i].clone(), cosine: c, z: (c - mean) / sd })
            .collect();
        out.sort_by(|a, b| b.cosine.total_cmp(&a.cosine));
        out
    }

    /// The image's tags: up to [`MAX_TAGS`] labels at least [`TAG_MIN_Z`]
    /// standard deviations above its mean label cosine, best first.
    pub fn tags(&self, image: &[f32]) -> Vec<Tag> {
        self.rank(image)
            .into_iter()
            .take(MAX_TAGS)
            .filter(|s| s.z >= TAG_MIN_Z)
            .map(|s| Tag { label: s.text, score: s.cosine })
            .collect()
    }

    /// The set for `model` from the first of `cache_dirs` that holds it
    /// (copied into the others), or `None`: nothing is embedded.
    pub fn cached(model: &Model, cache_dirs: &[PathBuf]) -> Option<Arc<LabelSet>> {
        let labels = vocabulary();
        let key = set_key(model);
        let (at, set) = cache_dirs
            .iter()
            .enumerate()
            .find_map(|(i, d)| read_cache(&cache_file(d, &key), &labels, model.info().dim, &key).map(|s| (i, s)))?;
        for (i, d) in cache_dirs.iter().enumerate() {
            if i != at && !cache_file(d, &key).is_file() {
                let _ = write_cache(&cache_file(d, &key), &set);
            }
        }
        Some(Arc::new(set))
    }

    /// The set for `model` from `cache_dirs` (see [`LabelSet::cached`]), or
    /// embeds the vocabulary (reporting `(done, total)` texts) and caches it
    /// in each. A cache that cannot be written is not an error: the set is
    /// still returned.
    pub async fn load_or_build(
        model: Arc<Model>,
        cache_dirs: &[PathBuf],
        cancel: &Cancel,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Arc<LabelSet>> {
        if let Some(set) = Self::cached(&model, cache_dirs) {
            return Ok(set);
        }
        let labels = vocabulary();
        let key = set_key(&model);
        let texts: Vec<String> =
            labels.iter().flat_map(|l| TEMPLATES.iter().map(move |t| t.replace("{}", l))).collect();
        let total = texts.len();
        let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(labels.len());
        let per_batch = 32 * TEMPLATES.len();
        progress(0, total);
        for (n, chunk) in texts.chunks(per_batch).enumerate() {
            if cancel.is_cancelled() {
                return Err(LibraryError::Cancelled);
            }
            let (m, chunk) = (model.clone(), chunk.to_vec());
            let embedded = blocking(move || m.embed_texts(&chunk)).await??;
            for group in embedded.chunks(TEMPLATES.len()) {
                let mut mean = vec![0f32; group[0].len()];
                for v in group {
                    mean.iter_mut().zip(v).for_each(|(a, b)| *a += b);
                }
                normalise(&mut mean);
                vectors.push(mean);
            }
            progress(((n + 1) * per_batch).min(total), total);
        }
        let set = LabelSet::from_vectors(labels, vectors, key);
        for d in cache_dirs {
            let _ = write_cache(&cache_file(d, &set.key), &set);
        }
        Ok(Arc::new(set))
    }
}

/// `<model id>+<vocabulary key>`: names a model's set and the tags made with it.
pub fn set_key(model: &Model) -> String {
    format!("{}+{}", model.info().id, vocabulary_key())
}

/// Mean and standard deviation (never zero).
pub(crate) fn mean_sd(xs: &[f32]) -> (f32, f32) {
    let n = xs.len().max(1) as f32;
    let mean = xs.iter().sum::<f32>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
    (mean, var.sqrt().max(1e-6))
}

fn cache_file(dir: &Path, key: &str) -> PathBuf {
    let safe: String =
        key.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.+@".contains(c) { c } else { '_' }).collect();
    dir.join(format!("labels-{safe}.f32"))
}

/// Cache layout: magic, label count (u32 LE), dim (u32 LE), then the
/// vectors as f32 LE. Anything that does not match is ignored.
fn read_cache(file: &Path, labels: &[String], dim: usize, key: &str) -> Option<LabelSet> {
    let bytes = std::fs::read(file).ok()?;
    let (head, body) = bytes.split_at_checked(16)?;
    if &head[..8] != CACHE_MAGIC {
        return None;
    }
    let n = u32::from_le_bytes(head[8..12].try_into().ok()?) as usize;
    let d = u32::from_le_bytes(head[12..16].try_into().ok()?) as usize;
    if n != labels.len() || d != dim || body.len() != n * d * 4 {
        return None;
    }
    let vectors: Vec<f32> = body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    if vectors.iter().any(|x| !x.is_finite()) {
        return None;
    }
    Some(LabelSet { labels: labels.to_vec(), vectors, dim, key: key.to_string() })
}

/// Written to a temporary name and renamed, so a crash never leaves half a cache.
fn write_cache(file: &Path, set: &LabelSet) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("labels"),
        std::process::id()
    ));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(CACHE_MAGIC)?;
        f.write_all(&(set.len() as u32).to_le_bytes())?;
        f.write_all(&(set.dim as u32).to_le_bytes())?;
        for x in &set.vectors {
            f.write_all(&x.to_le_bytes())?;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    std::fs::rename(&tmp, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_has_over_a_thousand_distinct_everyday_labels() {
        let v = vocabulary();
        assert!(v.len() >= 1_000, "{}", v.len());
        for must in ["dog", "beach", "birthday cake", "snow", "bicycle", "sunset"] {
            assert!(v.iter().any(|l| l == must), "{must} missing");
        }
        let unique: std::collections::HashSet<&String> = v.iter().collect();
        assert_eq!(unique.len(), v.len());
    }

    fn axis(dim: usize, i: usize) -> Vec<f32> {
        let mut v = vec![0.0; dim];
        v[i] = 1.0;
        v
    }

    #[test]
    fn tags_are_the_labels_that_stand_out_best_first() {
        // 40 labels on 40 axes; an image mostly along "dog", a bit along "beach".
        let labels: Vec<String> = (0..40).map(|i| format!("l{i}")).collect();
        let mut labels = labels;
        labels[3] = "dog".into();
        labels[7] = "beach".into();
        let vectors = (0..40).map(|i| axis(40, i)).collect();
        let set = LabelSet::from_vectors(labels, vectors, "k".into());
        let mut img = vec![0.01; 40];
        img[3] = 0.8;
        img[7] = 0.5;
        normalise(&mut img);
        let tags = set.tags(&img);
        let names: Vec<&str> = tags.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(names, ["dog", "beach"]);
        assert!(tags[0].score > tags[1].score);
        // A flat image (all labels alike) gets no tags rather than arbitrary ones.
        let flat = vec![1.0 / (40f32).sqrt(); 40];
        assert!(set.tags(&flat).is_empty());
    }

    #[test]
    fn the_cache_round_trips_and_rejects_a_different_shape() {
        let dir = tempfile::tempdir().expect("tempdir");
        let labels = vec!["a".to_string(), "b".to_string()];
        let set = LabelSet::from_vectors(labels.clone(), vec![vec![1.0, 0.0], vec![0.0, 1.0]], "m+v".into());
        let file = cache_file(dir.path(), "m@1/x+v");
        write_cache(&file, &set).expect("write");
        let back = read_cache(&file, &labels, 2, "m+v").expect("read");
        assert_eq!(back.vectors, set.vectors);
        assert!(read_cache(&file, &labels, 3, "m+v").is_none());
        assert!(read_cache(&file, &labels[..1], 2, "m+v").is_none());
        std::fs::write(&file, b"CDXLBL01garbage").expect("overwrite");
        assert!(read_cache(&file, &labels, 2, "m+v").is_none());
    }
}
