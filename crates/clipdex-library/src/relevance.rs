//! Relevance in words: a query's calibrated marks (where a match is loose,
//! balanced or strict for this model on this library) and the level of a
//! score against them, so no front end has to show a raw cosine.

use crate::calibration::Calibration;

/// How close a result must be to count as a match: the window's
/// Strict / Balanced / Loose. Balanced is the calibrated cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    Strict,
    #[default]
    Balanced,
    Loose,
}

impl std::str::FromStr for Strictness {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "strict" => Ok(Strictness::Strict),
            "balanced" => Ok(Strictness::Balanced),
            "loose" => Ok(Strictness::Loose),
            _ => Err(format!("unknown strictness {s:?}: use strict, balanced or loose")),
        }
    }
}

/// How well one result matches, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// At or above the strict mark.
    Strong,
    /// At or above the balanced mark (the calibrated cutoff).
    Good,
    /// Below it.
    Weak,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Strong => "strong",
            Level::Good => "good",
            Level::Weak => "weak",
        }
    }
}

/// A query's marks on the model's cosine scale, calibrated on the library.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marks {
    pub loose: f32,
    /// The calibrated cutoff.
    pub balanced: f32,
    pub strict: f32,
}

impl Marks {
    /// The marks for a query with text terms, image terms, or both. The
    /// balanced mark is the calibrated cutoff; strict and loose sit half a
    /// step above and below it, a step being how far the cutoff stands above
    /// what unrelated text scores (text queries), else half the way from it
    /// to identical (image queries, whose cosines run higher).
    pub fn of(c: &Calibration, has_text: bool, has_image: bool) -> Option<Marks> {
        let balanced = c.cutoff(has_text, has_image)?;
        let step = match (has_image, c.text_floor) {
            (false, Some(floor)) if floor < balanced => balanced - floor,
            _ => (1.0 - balanced).max(0.0) / 2.0,
        };
        Some(Marks { loose: balanced - step / 2.0, balanced, strict: (balanced + step / 2.0).min(1.0) })
    }

    /// The cutoff this strictness asks for.
    pub fn cutoff(&self, s: Strictness) -> f32 {
        match s {
            Strictness::Strict => self.strict,
            Strictness::Balanced => self.balanced,
            Strictness::Loose => self.loose,
        }
    }

    /// How well a cosine matches.
    pub fn level(&self, score: f32) -> Level {
        if score >= self.strict {
            Level::Strong
        } else if score >= self.balanced {
            Level::Good
        } else {
            Level::Weak
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibration(text: f32, image: Option<f32>, floor: Option<f32>) -> Calibration {
        Calibration { text, image, items: 100, key: "k".into(), text_floor: floor }
    }

    #[test]
    fn text_marks_step_from_the_floor_and_image_marks_towards_identical() {
        let c = calibration(0.28, Some(0.8), Some(0.18));
        let m = Marks::of(&c, true, false).expect("marks");
        assert!((m.loose - 0.23).abs() < 1e-6 && m.balanced == 0.28 && (m.strict - 0.33).abs() < 1e-6, "{m:?}");
        assert_eq!([m.level(0.4), m.level(0.3), m.level(0.1)], [Level::Strong, Level::Good, Level::Weak]);
        let m = Marks::of(&c, false, true).expect("marks");
        assert!((m.strict - 0.85).abs() < 1e-6 && (m.loose - 0.75).abs() < 1e-6, "{m:?}");
        assert_eq!(m.cutoff(Strictness::Strict), m.strict);
        // No image cutoff yet (a small library): an image query has no marks.
        assert_eq!(Marks::of(&calibration(0.28, None, None), false, true), None);
        assert_eq!("loose".parse::<Strictness>(), Ok(Strictness::Loose));
        assert!("lax".parse::<Strictness>().is_err());
    }
}
