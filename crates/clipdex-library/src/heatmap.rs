//! Similarity heatmaps: how prompts score against items (a matrix on the
//! model's calibrated scale), and where in one image a query matches (a
//! region map: from the model's patch tokens when its visual export has
//! them, one pass and one cell per patch; else from embedding crops, which
//! works for any model).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_embed::{cosine, Model};
use clipdex_media::{RgbImage, VideoError};

use crate::calibration::Calibrator;
use crate::control::Cancel;
use crate::error::{LibraryError, Result};
use crate::index::video::{moment_time, typical_time};
use crate::query::{decode_image_file, Searcher};
use crate::state::{blocking, State};

/// Prompts × items cosines.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMatrix {
    pub prompts: Vec<String>,
    /// Column items: content id and one path holding it.
    pub items: Vec<(String, String)>,
    /// `cosines[p][i]`: prompt `p` against item `i`.
    pub cosines: Vec<Vec<f32>>,
    /// The colour scale: `low` (what unrelated text scores with this model,
    /// the median item–label cosine) to `high` (a strong match: the
    /// calibrated text cutoff). Raw CLIP cosines sit in a narrow band that
    /// differs per model; this scale makes colours comparable.
    pub low: f32,
    pub high: f32,
    /// `calibrated` (from the library's calibration for this model) or
    /// `matrix` (no calibration yet: the matrix's own range).
    pub scale: &'static str,
}

impl HeatMatrix {
    /// A cell's position on the scale, 0 to 1.
    pub fn level(&self, p: usize, i: usize) -> f32 {
        let c = self.cosines[p][i];
        ((c - self.low) / (self.high - self.low).max(1e-6)).clamp(0.0, 1.0)
    }
}

/// Where in an image a query matches.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionMap {
    pub rows: usize,
    pub cols: usize,
    /// Row-major cell scores: the mean cosine of the crops covering each
    /// cell, weighted towards small (local) crops.
    pub cells: Vec<f32>,
    /// The whole image's cosine to the query.
    pub whole: f32,
    /// Visual passes it took.
    pub passes: usize,
    /// Whether it came from the model's patch tokens (a dense map) rather than crops.
    pub dense: bool,
    /// Whether it came from the cache.
    pub cached: bool,
}

impl RegionMap {
    /// Each cell's score scaled to 0..1 between the map's lowest and highest.
    pub fn levels(&self) -> Vec<f32> {
        let (lo, hi) = self.cells.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), c| (a.min(*c), b.max(*c)));
        self.cells.iter().map(|c| (c - lo) / (hi - lo).max(1e-6)).collect()
    }

    /// The cell with the highest score: (row, col).
    pub fn peak(&self) -> (usize, usize) {
        let i = self.cells.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        (i / self.cols, i % self.cols)
    }
}

/// The grid the region map reports on.
pub const GRID: usize = 4;

/// Crop windows in grid units: (row, col, size). Every 1×1 cell (16), 2×2
/// windows at stride 1 (9), 3×3 at stride 1 (4), and the whole image (1):
/// 30 visual passes, several scales, so a region is seen both alone and in
/// its context.
pub fn windows() -> Vec<(usize, usize, usize)> {
    (1..=GRID)
        .flat_map(|size| (0..=GRID - size).flat_map(move |r| (0..=GRID - size).map(move |c| (r, c, size))))
        .collect()
}

/// Scores every cell from the crops' cosines: a cell takes the weighted mean
/// of the windows covering it, each weighted by 1 / its area.
pub fn cells_from(scores: &[((usize, usize, usize), f32)]) -> Vec<f32> {
    let mut sum = [0f32; GRID * GRID];
    let mut weight = [0f32; GRID * GRID];
    for &((r, c, size), s) in scores {
        let w = 1.0 / (size * size) as f32;
        for rr in r..r + size {
            for cc in c..c + size {
                sum[rr * GRID + cc] += w * s;
                weight[rr * GRID + cc] += w;
            }
        }
    }
    sum.iter().zip(&weight).map(|(s, w)| if *w > 0.0 { s / w } else { 0.0 }).collect()
}

/// Crops `img` to a window in grid units.
fn crop(img: &RgbImage, (r, c, size): (usize, usize, usize)) -> RgbImage {
    let (w, h) = img.dimensions();
    let x0 = (w as usize * c / GRID) as u32;
    let y0 = (h as usize * r / GRID) as u32;
    let x1 = (w as usize * (c + size) / GRID) as u32;
    let y1 = (h as usize * (r + size) / GRID) as u32;
    image::imageops::crop_imm(img, x0, y0, (x1 - x0).max(1), (y1 - y0).max(1)).to_image()
}

/// The region map of `img` for `query` (a unit vector from the same model).
/// Blocking; `progress(done, total)` after each batch; stops when cancelled.
pub fn region_map(
    model: &Model,
    img: &RgbImage,
    query: &[f32],
    cancel: &Cancel,
    mut progress: impl FnMut(usize, usize),
) -> Result<RegionMap> {
    let wins = windows();
    let total = wins.len();
    let mut scores = Vec::with_capacity(total);
    for chunk in wins.chunks(6) {
        if cancel.is_cancelled() {
            return Err(LibraryError::Cancelled);
        }
        let pixels: Vec<_> = chunk.iter().map(|w| model.preprocess(crop(img, *w))).collect();
        let vectors = model.embed_pixels(&pixels)?;
        scores.extend(chunk.iter().zip(vectors).map(|(w, v)| (*w, cosine(&v, query))));
        progress(scores.len(), total);
    }
    let whole = scores.iter().find(|(w, _)| w.2 == GRID).map_or(0.0, |(_, s)| *s);
    Ok(RegionMap {
        rows: GRID,
        cols: GRID,
        cells: cells_from(&scores),
        whole,
        passes: total,
        dense: false,
        cached: false,
    })
}

/// The dense map of `img` for `query` from the model's patch tokens: one
/// pass for the tokens (plus one for the whole picture), a cell per patch.
/// `None` when the export has none.
pub fn patch_map(model: &Model, img: &RgbImage, query: &[f32]) -> Result<Option<RegionMap>> {
    let whole = model.embed_images(vec![img.clone()])?.pop().map_or(0.0, |v| cosine(&v, query));
    let Some(p) = model.patch_tokens(img.clone())? else { return Ok(None) };
    let cells = p.tokens.iter().map(|t| cosine(t, query)).collect();
    Ok(Some(RegionMap { rows: p.rows, cols: p.cols, cells, whole, passes: 2, dense: true, cached: false }))
}

fn cache_key(model_id: &str, target: &str, query: &str) -> String {
    let h = blake3::hash(format!("{model_id}\n{target}\n{query}\n{GRID}").as_bytes());
    h.to_hex()[..32].to_string()
}

fn read_cached(path: &Path) -> Option<RegionMap> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let mut head = lines.next()?.split_whitespace();
    let (rows, cols, passes): (usize, usize, usize) =
        (head.next()?.parse().ok()?, head.next()?.parse().ok()?, head.next()?.parse().ok()?);
    let whole: f32 = head.next()?.parse().ok()?;
    let dense = head.next() == Some("dense");
    let cells: Vec<f32> = lines.next()?.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    (cells.len() == rows * cols).then_some(RegionMap { rows, cols, cells, whole, passes, dense, cached: true })
}

fn write_cached(path: &Path, m: &RegionMap) {
    let cells: Vec<String> = m.cells.iter().map(|c| c.to_string()).collect();
    let method = if m.dense { "dense" } else { "crops" };
    let body = format!("{} {} {} {} {method}\n{}\n", m.rows, m.cols, m.passes, m.whole, cells.join(" "));
    // A cache: failing to write it costs a recomputation, nothing else.
    if let Some(dir) = path.parent() {
        if std::fs::create_dir_all(dir).is_ok() {
            let tmp = path.with_extension("tmp");
            if std::fs::write(&tmp, body).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
}

/// Heatmaps with one model.
pub(crate) struct Heatmaps<'a> {
    state: &'a State,
    model: Arc<Model>,
}

impl<'a> Heatmaps<'a> {
    pub fn new(state: &'a State, model: Arc<Model>) -> Self {
        Self { state, model }
    }

    /// Prompts × items cosines with `model` (items by path or content id;
    /// library items use their stored vectors, other files are embedded).
    pub async fn matrix(&self, prompts: &[String], items: &[String], lang: Option<&str>) -> Result<HeatMatrix> {
        let model = &self.model;
        if prompts.is_empty() || items.is_empty() {
            return Err(LibraryError::Unsupported("a heatmap needs at least one prompt and one item".into()));
        }
        let searcher = Searcher::new(self.state, model.clone());
        searcher.check().await?;
        let mut columns = Vec::new();
        let mut vectors = Vec::new();
        for it in items {
            let (id, v) = searcher.vector_of(it).await?;
            let path = match &id {
                Some(id) => self
                    .state
                    .store
                    .paths_of(std::slice::from_ref(id))
                    .await?
                    .remove(id)
                    .and_then(|p| p.into_iter().next())
                    .map(|p| p.0),
                None => None,
            };
            columns.push((id.unwrap_or_default(), path.unwrap_or_else(|| it.clone())));
            vectors.push(v);
        }
        let (m, p, lang) = (model.clone(), prompts.to_vec(), lang.map(str::to_string));
        let text = blocking(move || m.embed_texts_in(&p, lang.as_deref())).await??;
        let cosines: Vec<Vec<f32>> = text.iter().map(|t| vectors.iter().map(|v| cosine(t, v)).collect()).collect();
        let cal = Calibrator::new(self.state).of(&model.info().id).await?;
        let (low, high, scale) = match cal.and_then(|c| c.text_floor.map(|f| (f, c.text))) {
            Some((lo, hi)) if hi > lo => (lo, hi, "calibrated"),
            _ => {
                let all = cosines.iter().flatten();
                let lo = all.clone().copied().fold(f32::INFINITY, f32::min);
                let hi = all.copied().fold(f32::NEG_INFINITY, f32::max);
                (lo, hi.max(lo + 1e-6), "matrix")
            }
        };
        Ok(HeatMatrix { prompts: prompts.to_vec(), items: columns, cosines, low, high, scale })
    }

    /// Where `text` matches in one image (a library item by path or id, or
    /// any image file): from the model's patch tokens when its export has
    /// them (one pass, a cell per patch), else the image's crops on a 4×4
    /// grid at several scales (30 visual passes), scored against the query.
    /// Cached per model, item and query in `<library>/cache/regions/`.
    pub async fn region(
        &self,
        path_or_id: &str,
        text: &str,
        lang: Option<&str>,
        cancel: &Cancel,
        progress: impl FnMut(usize, usize) + Send + 'static,
    ) -> Result<RegionMap> {
        if text.trim().is_empty() {
            return Err(LibraryError::EmptyQuery);
        }
        let model = &self.model;
        let (id, picture) = picture(self.state, path_or_id).await?;
        let query = format!("{}\t{text}", lang.unwrap_or(""));
        let cache = id.as_ref().map(|id| {
            self.state
                .dir
                .join("cache")
                .join("regions")
                .join(format!("{}.txt", cache_key(&model.info().id, id, &query)))
        });
        if let Some(hit) = cache.as_deref().and_then(read_cached) {
            return Ok(hit);
        }
        let (m, t, lang, cancel) = (model.clone(), text.to_string(), lang.map(str::to_string), cancel.clone());
        let map = blocking(move || {
            let img = picture.decode()?;
            let q = m.embed_texts_in(&[t], lang.as_deref())?.pop().ok_or(LibraryError::EmptyQuery)?;
            match patch_map(&m, &img, &q)? {
                Some(map) => Ok(map),
                None => region_map(&m, &img, &q, &cancel, progress),
            }
        })
        .await??;
        if let Some(c) = &cache {
            write_cached(c, &map);
        }
        Ok(map)
    }
}

/// Writes `map` over an item's (or image file's) picture as a colour
/// overlay, PNG or JPEG by `out`'s extension.
pub(crate) async fn save_overlay(state: &State, path_or_id: &str, map: &RegionMap, out: &Path) -> Result<()> {
    let (_, picture) = picture(state, path_or_id).await?;
    let (map, out) = (map.clone(), out.to_path_buf());
    blocking(move || {
        let img = picture.decode()?;
        clipdex_media::heat_overlay(&img, map.rows, map.cols, &map.levels(), 0.45)
            .save(&out)
            .map_err(|e| LibraryError::Io { path: out.clone(), source: std::io::Error::other(e) })
    })
    .await?
}

/// Where an item's (or image file's) picture comes from: the file, or a
/// video's frame at a time (a moment's, else its typical moment's).
struct Picture {
    path: PathBuf,
    video_time: Option<f64>,
}

impl Picture {
    /// The pixels, upright. Blocking.
    fn decode(&self) -> Result<RgbImage> {
        let Some(t) = self.video_time else { return decode_image_file(&self.path) };
        let bad = |reason: String| LibraryError::Decode { path: self.path.clone(), reason };
        let ffmpeg = clipdex_media::find_ffmpeg().ok_or_else(|| bad(VideoError::NoFfmpeg.to_string()))?;
        clipdex_media::video_frame_at(&ffmpeg, &self.path, t, VIDEO_FRAME_SIDE).map_err(|e| bad(e.to_string()))
    }
}

/// A video frame's short side for a heatmap.
const VIDEO_FRAME_SIDE: u32 = 720;

async fn picture(state: &State, path_or_id: &str) -> Result<(Option<String>, Picture)> {
    let (id, path) = state.image_file(path_or_id).await?;
    let video_time = match &id {
        Some(id) if clipdex_media::is_video_path(&path) => Some(match moment_time(id) {
            Some(t) => t,
            None => typical_time(state, id).await?,
        }),
        _ => None,
    };
    Ok((id, Picture { path, video_time }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_windows_cover_every_cell_at_several_scales() {
        let w = windows();
        assert_eq!(w.len(), 16 + 9 + 4 + 1);
        let cells = cells_from(&w.iter().map(|w| (*w, 0.5)).collect::<Vec<_>>());
        assert!(cells.iter().all(|c| (c - 0.5).abs() < 1e-6), "a flat map stays flat: {cells:?}");
        // One hot 1×1 window makes its own cell the peak.
        let scores: Vec<_> = w.iter().map(|w| (*w, if *w == (2, 1, 1) { 1.0 } else { 0.0 })).collect();
        let m = RegionMap {
            rows: GRID,
            cols: GRID,
            cells: cells_from(&scores),
            whole: 0.0,
            passes: 30,
            dense: false,
            cached: false,
        };
        assert_eq!(m.peak(), (2, 1));
    }

    #[test]
    fn the_cache_format_round_trips() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("x/y.txt");
        let m = RegionMap {
            rows: 4,
            cols: 4,
            cells: (0..16).map(|i| i as f32 / 10.0).collect(),
            whole: 0.25,
            passes: 30,
            dense: false,
            cached: false,
        };
        write_cached(&p, &m);
        let back = read_cached(&p).expect("read back");
        assert_eq!((back.cells, back.whole, back.passes, back.cached), (m.cells, 0.25, 30, true));
        std::fs::write(&p, "garbage").expect("write");
        assert!(read_cached(&p).is_none(), "a damaged cache entry is ignored");
    }
}
