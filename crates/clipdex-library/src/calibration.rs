//! Default relevance cutoffs, calibrated per model on the library: what a
//! match must score to be shown, whatever band the model's raw cosines sit in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdex_embed::Model;
use clipdex_store::CalibrationRecord;

use crate::error::Result;
use crate::labels::{self, LabelSet};
use crate::state::{blocking, cache, State};

/// Item vectors sampled to calibrate the default cutoffs.
const CALIBRATION_SAMPLE: usize = 400;
/// The default cutoff passes this share of random (item, label) or
/// (item, item) pairs: a match must fit about as well as an item's ~1% best
/// labels, whatever band the model's raw cosines sit in.
const CALIBRATION_QUANTILE: f64 = 0.99;
/// Items from which image queries get a cutoff of their own.
const IMAGE_SAMPLE_MIN: usize = 20;

/// A model's default relevance cutoffs, calibrated on this library.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// For text queries: cosine of an item to its ~1% best labels.
    pub text: f32,
    /// For image queries: cosine of the ~1% most similar item pairs (needs
    /// a few dozen items).
    pub image: Option<f32>,
    /// Items in the library when calibrated.
    pub items: usize,
    /// The label set (model and vocabulary) it was computed with.
    pub key: String,
    /// The median item–label cosine: what "unrelated text" scores with this
    /// model (the bottom of the heatmap's colour scale).
    pub text_floor: Option<f32>,
}

impl From<CalibrationRecord> for Calibration {
    fn from(r: CalibrationRecord) -> Self {
        Self { text: r.text, image: r.image, items: r.items, key: r.key, text_floor: r.text_floor }
    }
}

impl From<&Calibration> for CalibrationRecord {
    fn from(c: &Calibration) -> Self {
        Self { key: c.key.clone(), items: c.items, text: c.text, image: c.image, text_floor: c.text_floor }
    }
}

impl Calibration {
    /// The cutoff for a query with text terms, image terms, or both.
    pub fn cutoff(&self, has_text: bool, has_image: bool) -> Option<f32> {
        match (has_text, has_image) {
            (true, false) => Some(self.text),
            (false, _) => self.image,
            (true, true) => Some(self.image.map_or(self.text, |i| i.min(self.text))),
        }
    }
}

/// Reads and refreshes calibrations.
pub(crate) struct Calibrator<'a> {
    state: &'a State,
}

impl<'a> Calibrator<'a> {
    pub fn new(state: &'a State) -> Self {
        Self { state }
    }

    /// The library's default cutoffs for a model, if calibrated.
    pub async fn of(&self, model_id: &str) -> Result<Option<Calibration>> {
        if let Some((at, c)) = cache(&self.state.calibrations).get(model_id) {
            if at.elapsed() < Duration::from_secs(1) {
                return Ok(c.clone());
            }
        }
        let c = self.state.store.calibration(model_id).await?.map(Calibration::from);
        cache(&self.state.calibrations).insert(model_id.to_string(), (Instant::now(), c.clone()));
        Ok(c)
    }

    /// Recomputes a model's default cutoffs from a sample of its vectors
    /// and the labels it embedded (see [`Calibrator::is_stale`] for when).
    pub async fn recalibrate(&self, model: &Model, labels: &Arc<LabelSet>) -> Result<()> {
        let items = self.state.store.count_items().await?;
        let key = format!("{}+{}", model.info().id, labels::vocabulary_key());
        let sample = self.state.store.sample_vectors(&model.info().id, CALIBRATION_SAMPLE).await?;
        let labels = labels.clone();
        let (text, image, text_floor) = blocking(move || calibrate(&labels, &sample)).await?;
        let Some(text) = text else { return Ok(()) };
        let c = Calibration { text, image, items, key, text_floor };
        self.state.store.set_calibration(&model.info().id, &CalibrationRecord::from(&c)).await?;
        cache(&self.state.calibrations).remove(&model.info().id);
        Ok(())
    }

    /// Whether this model's cutoffs need computing: there are none for its
    /// labels, or the library has grown or shrunk by a quarter since.
    pub async fn is_stale(&self, model: &Model) -> Result<bool> {
        let items = self.state.store.count_items().await?;
        if items == 0 {
            return Ok(false);
        }
        let key = format!("{}+{}", model.info().id, labels::vocabulary_key());
        Ok(match self.of(&model.info().id).await? {
            Some(c) => {
                let ratio = items as f64 / c.items.max(1) as f64;
                // Calibrations from before the heatmap's scale lack its floor: redo them.
                !(c.key == key && c.text_floor.is_some() && (0.8..=1.25).contains(&ratio))
            }
            None => true,
        })
    }
}

/// The value at quantile `q` of `xs` (sorted in place).
pub(crate) fn quantile(xs: &mut [f32], q: f64) -> Option<f32> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f32::total_cmp);
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    Some(xs[i])
}

/// Default cutoffs from a sample of item vectors: for text queries, the
/// [`CALIBRATION_QUANTILE`] of item–label cosines; for image queries, that
/// of item–item cosines (from 20 items up).
/// (text cutoff, image cutoff, text floor): see [`Calibration`].
pub(crate) fn calibrate(labels: &LabelSet, sample: &[Vec<f32>]) -> (Option<f32>, Option<f32>, Option<f32>) {
    let mut text: Vec<f32> = sample.iter().flat_map(|v| labels.cosines(v)).collect();
    let mut image = Vec::new();
    if sample.len() >= IMAGE_SAMPLE_MIN {
        for i in 0..sample.len() {
            for j in i + 1..sample.len() {
                image.push(clipdex_embed::cosine(&sample[i], &sample[j]));
            }
        }
    }
    let floor = quantile(&mut text, 0.5);
    (quantile(&mut text, CALIBRATION_QUANTILE), quantile(&mut image, CALIBRATION_QUANTILE), floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: Vec<f32>) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    /// One label along the first axis; 101 items whose first coordinate (so
    /// their cosine to the label) runs from −1 to 1 in steps of 0.02. The
    /// 0.99 quantile of those 101 cosines is the 100th smallest, 0.98; the
    /// median is 0.
    #[test]
    fn the_text_cutoff_is_the_99th_percentile_of_item_label_cosines() {
        let labels = LabelSet::from_vectors(vec!["axis".into()], vec![vec![1.0, 0.0]], "k".into());
        let sample: Vec<Vec<f32>> = (0..=100)
            .map(|k| {
                let x = -1.0 + 0.02 * k as f32;
                vec![x, (1.0 - x * x).max(0.0).sqrt()]
            })
            .collect();
        let (text, image, floor) = calibrate(&labels, &sample);
        assert!((text.expect("text") - 0.98).abs() < 1e-5, "{text:?}");
        assert!(floor.expect("floor").abs() < 1e-5, "{floor:?}");
        assert!(image.is_some(), "101 items are enough for an image cutoff");
    }

    /// 4 copies of u and 36 items w_j = c·u + √(1−c²)·e_j (e_j orthogonal
    /// to u and to each other): item pairs score 1 (6 pairs), c (144) or c²
    /// (630). Of the 780 sorted, the 0.99 quantile is index round(779 × 0.99)
    /// = 771, which falls among the 144 at c. Below 20 items there is no
    /// image cutoff.
    #[test]
    fn the_image_cutoff_is_the_99th_percentile_of_item_pairs() {
        let (dim, c) = (40, 0.6f32);
        let u: Vec<f32> = (0..dim).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect();
        let w = |j: usize| {
            let mut v = vec![0.0; dim];
            v[0] = c;
            v[1 + j] = (1.0 - c * c).sqrt();
            unit(v)
        };
        let mut sample = vec![u.clone(); 4];
        sample.extend((0..36).map(w));
        let labels = LabelSet::from_vectors(vec!["u".into()], vec![u], "k".into());
        let (_, image, _) = calibrate(&labels, &sample);
        assert!((image.expect("an image cutoff") - c).abs() < 1e-5, "{image:?}");
        let (_, few, _) = calibrate(&labels, &sample[..19]);
        assert_eq!(few, None);
    }

    #[test]
    fn a_mixed_query_takes_the_lower_cutoff() {
        let c = Calibration { text: 0.3, image: Some(0.8), items: 40, key: String::new(), text_floor: None };
        assert_eq!(c.cutoff(true, false), Some(0.3));
        assert_eq!(c.cutoff(false, true), Some(0.8));
        assert_eq!(c.cutoff(true, true), Some(0.3));
        let few = Calibration { image: None, ..c };
        assert_eq!((few.cutoff(false, true), few.cutoff(true, true)), (None, Some(0.3)));
    }
}
