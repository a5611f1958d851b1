//! Reproducible synthetic rows for the benchmark examples.

use clipdex_store::{Details, ItemRecord, Tag};

/// xorshift64*: reproducible numbers without a dependency.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Roughly normal (sum of uniforms).
    pub fn gauss(&mut self) -> f32 {
        (0..4).map(|_| (self.next() >> 40) as f32 / (1u64 << 24) as f32).sum::<f32>() - 2.0
    }
}

/// `v` scaled to length 1.
pub fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// The row of a 12-MP photo with this vector and thumbnail.
pub fn item(id: &str, model_id: &str, vector: Vec<f32>, thumbnail: &[u8]) -> ItemRecord {
    ItemRecord {
        id: id.to_string(),
        width: 4032,
        height: 3024,
        model_id: model_id.to_string(),
        vector,
        thumbnail: thumbnail.to_vec(),
        indexed_at_ms: 0,
    }
}

/// The `k`th photo's details: taken in 2000–2024 by one of three cameras,
/// with these tags, its file name's words after `words_prefix`.
pub fn details(id: &str, k: usize, tags: Vec<Tag>, tags_model: &str, words_prefix: &str) -> Details {
    let year = 2000 + k % 25;
    Details {
        id: id.to_string(),
        taken_at_ms: Some((year as i64 - 1970) * 31_557_600_000),
        camera: Some(["Canon EOS R5", "iPhone 13", "NIKON D750"][k % 3].into()),
        lens: None,
        tags,
        tags_model: tags_model.to_string(),
        words: format!("{words_prefix}{year} IMG {k:06} jpg"),
        caption: None,
        text_terms: None,
    }
}
