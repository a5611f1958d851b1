//! Reading the text in pictures (OCR).
//!
//! [`TextEngine`] is what an OCR engine must do: find words, with boxes
//! and confidences, in an upright grey picture. [`Tesseract`] is the one
//! shipped: the `tesseract` program, found at run time like ffmpeg (see
//! its module for why a program and not a linked library). [`read`] is the
//! engine-independent flow around it: a cheap check that skips pictures
//! with nothing text-like ([`textlike`]), the upright pass, the three other
//! turns when that finds little, confident words only, and boxes as
//! fractions of the upright picture. [`terms`] says which query words match
//! which recognised words (case, accents, prefixes, inside product codes).

pub mod terms;
mod tesseract;
pub mod textlike;
mod tighten;
mod turn;

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

pub use tesseract::{Tesseract, TESSERACT_ENV};

/// Words below this confidence (0–100) are dropped: on textured photos
/// with no text, Tesseract reads short "words" at 60–78.
pub const MIN_CONFIDENCE: f32 = 80.0;
/// Words of one or two letters or digits need this much, and nothing else
/// in them (CJK characters, each a word, need only [`MIN_CONFIDENCE`]).
const SHORT_CONFIDENCE: f32 = 90.0;
/// A look that keeps this many confident words is trusted: no more looks.
const ENOUGH_WORDS: usize = 3;
/// Pictures at most this long are small: their signs are read as scattered
/// words too (cheap at this size), and once more enlarged by [`ENLARGE`].
const SMALL_UP_TO: u32 = 1600;
const ENLARGE: f32 = 1.5;
/// Pictures are read with their long side about this: a 12-MP photo's
/// JPEG decoded at half scale (2016) is read as it is; anything longer than
/// [`READ_AS_IS_UP_TO`] is scaled down to it. A page of 12-point text
/// photographed whole still reads at this size, and Tesseract takes about
/// half the time it takes at 2,560.
pub const READ_LONG_SIDE: u32 = 2000;
const READ_AS_IS_UP_TO: u32 = 2200;

/// A word as an engine finds it, in the pixels of the picture it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// 0–100.
    pub confidence: f32,
}

/// A recognised word: its box as fractions of the upright picture
/// (`x`, `y` its top-left corner), whatever turn it was read at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// 0–100.
    pub conf: f32,
}

/// What reading one picture found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// Confident words, in reading order.
    pub words: Vec<Word>,
    /// The clockwise turn (0, 90, 180, 270 degrees) the picture was read at.
    pub angle: u16,
    /// The cheap check found nothing text-like: no engine ran.
    pub skipped: bool,
}

impl Reading {
    /// The words as plain text, in reading order, joined by spaces.
    pub fn text(&self) -> String {
        self.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("could not run {program}: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("{program} failed: {message}")]
    Failed { program: String, message: String },
    #[error("{program} took longer than {seconds} s and was stopped")]
    TimedOut { program: String, seconds: u64 },
}

/// How an engine looks for text in a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A page: blocks, columns and lines (documents, screenshots, and most
    /// large photos).
    Page,
    /// Scattered words, in no order (signs on small photos).
    Sparse,
}

/// An OCR engine. Implementations are blocking and may be called from
/// several threads at once.
pub trait TextEngine: Send + Sync {
    /// The engine, its version and `languages`: text read under another
    /// signature is read again.
    fn signature(&self, languages: &[String]) -> String;
    /// Languages the engine has data for (its own codes, e.g. `eng`, `deu`, `chi_sim`).
    fn installed_languages(&self) -> Vec<String>;
    /// Words in an upright grey picture, any confidence, in reading order.
    fn words(&self, image: &GrayImage, languages: &[String], layout: Layout) -> Result<Vec<EngineWord>, OcrError>;
}

/// Reads a picture (upright: orientation already applied): skipped when
/// nothing in it looks like text; else upright as a page, and (small
/// pictures) as scattered words. When that keeps little (fewer than three
/// confident words) but the engine saw something word-like, at any
/// confidence, the other turns are read until one keeps enough, and the
/// reading with most confident characters wins; a small picture that still
/// reads little is read once more, larger. A photo in which the upright
/// look saw nothing at all (most photos) costs one look. No one look reads
/// every photo: Tesseract's page mode misses a sign on a small photo, its
/// sparse mode splits large letters and is slow on large pictures.
pub fn read(engine: &dyn TextEngine, image: &RgbImage, languages: &[String]) -> Result<Reading, OcrError> {
    let grey = scaled_grey(image);
    if !textlike::has_text_like_regions(&grey) {
        return Ok(Reading { skipped: true, ..Reading::default() });
    }
    let (w, h) = grey.dimensions();
    // One look at the picture turned by `angle`, `scale` times as large:
    // its confident words, boxes in the upright picture, and whether the
    // engine saw anything word-like at all.
    let pass = |angle: u16, scale: f32, layout: Layout| -> Result<(Vec<EngineWord>, bool), OcrError> {
        let turned = turn::turned(&grey, angle);
        let read = if scale == 1.0 { turned } else { enlarged(&turned, scale) };
        let all = engine.words(&read, languages, layout)?;
        let saw = all.iter().any(|x| x.text.chars().any(char::is_alphanumeric));
        let found = confident(all).into_iter().map(|x| tighten::tighten(&read, x));
        let found = join_pieces(reading_order(found.collect()));
        Ok((found.into_iter().map(|x| turn::back(unscaled(x, scale), angle, w, h)).collect(), saw))
    };
    let small = w.max(h) <= SMALL_UP_TO;
    let (upright, mut saw) = pass(0, 1.0, Layout::Page)?;
    let mut best = Best { weight: weight(&upright), angle: 0, words: upright };
    if best.words.len() < ENOUGH_WORDS && small {
        let (found, seen) = pass(0, 1.0, Layout::Sparse)?;
        saw |= seen;
        best.offer(0, found);
    }
    if best.words.len() < ENOUGH_WORDS && saw {
        // Sideways or upside down: a quarter turn either way first.
        let layout = if small { Layout::Sparse } else { Layout::Page };
        for angle in [90u16, 270, 180] {
            best.offer(angle, pass(angle, 1.0, layout)?.0);
            if best.words.len() >= ENOUGH_WORDS {
                break;
            }
        }
        // Tesseract reads small pictures better larger: one more look at the best turn.
        if best.words.len() < ENOUGH_WORDS && small {
            let angle = best.angle;
            best.offer(angle, pass(angle, ENLARGE, Layout::Sparse)?.0);
        }
    }
    let (fw, fh) = (w.max(1) as f32, h.max(1) as f32);
    let words = best
        .words
        .into_iter()
        .map(|x| Word {
            x: x.left as f32 / fw,
            y: x.top as f32 / fh,
            w: x.width as f32 / fw,
            h: x.height as f32 / fh,
            conf: x.confidence,
            text: x.text,
        })
        .collect();
    Ok(Reading { words, angle: best.angle, skipped: false })
}

/// The best look so far: the one with most confident characters.
struct Best {
    weight: f32,
    angle: u16,
    words: Vec<EngineWord>,
}

impl Best {
    fn offer(&mut self, angle: u16, words: Vec<EngineWord>) {
        let w = weight(&words);
        if w > self.weight {
            *self = Best { weight: w, angle, words };
        }
    }
}

/// The picture `scale` times as large.
fn enlarged(grey: &GrayImage, scale: f32) -> GrayImage {
    let (w, h) = grey.dimensions();
    let (nw, nh) = (((w as f32 * scale).round() as u32).max(1), ((h as f32 * scale).round() as u32).max(1));
    image::imageops::resize(grey, nw, nh, image::imageops::FilterType::CatmullRom)
}

/// A word's box in a picture `scale` times as large, in the picture itself.
fn unscaled(word: EngineWord, scale: f32) -> EngineWord {
    let f = |v: u32| (v as f32 / scale).round() as u32;
    EngineWord { left: f(word.left), top: f(word.top), width: f(word.width), height: f(word.height), ..word }
}

/// Lines top to bottom, words left to right (an engine's sparse-text mode
/// lists them in the order it found them). A word is on a line when half
/// its height overlaps the line's.
fn reading_order(mut words: Vec<EngineWord>) -> Vec<EngineWord> {
    words.sort_by_key(|w| (w.top, w.left));
    let mut lines: Vec<(u32, u32, Vec<EngineWord>)> = Vec::new();
    for w in words {
        let fits = lines.iter_mut().find(|(top, bottom, _)| {
            let overlap = (*bottom).min(w.top + w.height).saturating_sub((*top).max(w.top));
            overlap * 2 > w.height.min(*bottom - *top)
        });
        match fits {
            Some((top, bottom, line)) => {
                (*top, *bottom) = ((*top).min(w.top), (*bottom).max(w.top + w.height));
                line.push(w);
            }
            None => lines.push((w.top, w.top + w.height, vec![w])),
        }
    }
    lines.sort_by_key(|(top, _, _)| *top);
    lines
        .into_iter()
        .flat_map(|(_, _, mut line)| {
            line.sort_by_key(|w| w.left);
            line
        })
        .collect()
}

/// Pieces of one word read apart ("HARDW" "ARE"): neighbours on a line
/// with less than half a letter between their boxes are one word, boxes
/// joined, the lower confidence kept. Between words, box to box, there is
/// a space and two letters' side bearings: most of a letter. Chinese,
/// Japanese and Korean are written without spaces and often read a
/// character at a time, with boxes that may overlap: neighbouring
/// characters are joined too, so a word of several is found.
fn join_pieces(words: Vec<EngineWord>) -> Vec<EngineWord> {
    let cjk = |x: &EngineWord| !x.text.is_empty() && x.text.chars().all(terms::is_cjk);
    let mut out: Vec<EngineWord> = Vec::with_capacity(words.len());
    for w in words {
        if let Some(last) = out.last_mut() {
            let letter = |x: &EngineWord| x.width as f32 / x.text.chars().count().max(1) as f32;
            let (gap, letter) = (w.left as f32 - (last.left + last.width) as f32, letter(last).max(letter(&w)));
            let top = last.top.max(w.top) as f32;
            let bottom = (last.top + last.height).min(w.top + w.height) as f32;
            let same_line = bottom - top > 0.5 * last.height.min(w.height) as f32;
            let from = if cjk(last) && cjk(&w) { -letter } else { -1.0 };
            if same_line && gap >= from && gap < letter / 2.0 {
                let (right, low) =
                    ((last.left + last.width).max(w.left + w.width), (last.top + last.height).max(w.top + w.height));
                last.top = last.top.min(w.top);
                last.width = right - last.left;
                last.height = low - last.top;
                last.text.push_str(&w.text);
                last.confidence = last.confidence.min(w.confidence);
                continue;
            }
        }
        out.push(w);
    }
    out
}

/// Confident words with something to search for; what engines read into
/// textures (lone marks, one-letter guesses) is left out.
fn confident(words: Vec<EngineWord>) -> Vec<EngineWord> {
    words
        .into_iter()
        .filter(|w| w.confidence >= MIN_CONFIDENCE)
        .filter(|w| match w.text.chars().filter(|c| c.is_alphanumeric()).count() {
            0 => false,
            // A CJK character is a word.
            1 | 2 if w.text.chars().all(terms::is_cjk) => true,
            // "7", "OK"; not "i!" or "|a", which textures read as.
            1 | 2 => w.confidence >= SHORT_CONFIDENCE && w.text.chars().all(char::is_alphanumeric),
            _ => true,
        })
        .collect()
}

/// Confident characters, weighted by confidence: how much a turn read.
fn weight(words: &[EngineWord]) -> f32 {
    words.iter().map(|w| w.confidence * w.text.chars().filter(|c| c.is_alphanumeric()).count() as f32).sum()
}

/// Grey, with the long side [`READ_LONG_SIDE`] when it was longer than [`READ_AS_IS_UP_TO`].
fn scaled_grey(image: &RgbImage) -> GrayImage {
    let grey = image::imageops::grayscale(image);
    let (w, h) = grey.dimensions();
    let long = w.max(h);
    if long <= READ_AS_IS_UP_TO {
        return grey;
    }
    let scale = READ_LONG_SIDE as f64 / long as f64;
    let (nw, nh) = (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1));
    image::imageops::resize(&grey, nw, nh, image::imageops::FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads "HELLO" only when the picture is wider than tall (as if the
    /// text were horizontal only in that turn), with a box in its pixels;
    /// in the other turns, a garbled unsure word, as Tesseract does.
    struct Sideways;

    impl TextEngine for Sideways {
        fn signature(&self, languages: &[String]) -> String {
            format!("sideways {}", languages.join("+"))
        }
        fn installed_languages(&self) -> Vec<String> {
            vec!["eng".into()]
        }
        fn words(&self, image: &GrayImage, _: &[String], _: Layout) -> Result<Vec<EngineWord>, OcrError> {
            let (w, h) = image.dimensions();
            // The word sits at the top-left corner of the turned picture.
            let word = EngineWord { text: "HELLO".into(), left: 0, top: 0, width: 20, height: 10, confidence: 95.0 };
            let garbled = EngineWord { text: "OTTEH".into(), confidence: 31.0, ..word.clone() };
            Ok(if w > h { vec![word] } else { vec![garbled] })
        }
    }

    /// Sees nothing, and counts the looks it was asked for.
    #[derive(Default)]
    struct Blind(std::sync::atomic::AtomicUsize);

    impl TextEngine for Blind {
        fn signature(&self, _: &[String]) -> String {
            "blind".into()
        }
        fn installed_languages(&self) -> Vec<String> {
            vec!["eng".into()]
        }
        fn words(&self, _: &GrayImage, _: &[String], _: Layout) -> Result<Vec<EngineWord>, OcrError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(Vec::new())
        }
    }

    fn busy(w: u32, h: u32) -> RgbImage {
        // Black and white bars: text-like enough for the cheap check.
        RgbImage::from_fn(w, h, |x, y| if (x / 3 + y / 5) % 2 == 0 { image::Rgb([0; 3]) } else { image::Rgb([255; 3]) })
    }

    #[test]
    fn a_sideways_picture_is_read_at_the_turn_that_finds_words_with_boxes_mapped_back() {
        // 100 wide, 200 tall: read after a quarter turn clockwise (200 × 100).
        let r = read(&Sideways, &busy(100, 200), &["eng".into()]).expect("read");
        assert_eq!(r.words.len(), 1);
        assert_eq!(r.angle, 90);
        // Turned clockwise, the turned picture's top-left corner is the
        // upright one's bottom-left: the box is 10 wide, 20 tall, at the bottom.
        let w = &r.words[0];
        assert_eq!((w.x, w.y, w.w, w.h), (0.0, 0.9, 0.1, 0.1));
    }

    #[test]
    fn a_picture_in_which_the_engine_sees_nothing_costs_one_look_large_or_two_small() {
        // Coarse bars: still text-like when the check shrinks the picture.
        let large =
            RgbImage::from_fn(2000, 1500, |x, y| image::Rgb([if (x / 12 + y / 20) % 2 == 0 { 0 } else { 255 }; 3]));
        let blind = Blind::default();
        let r = read(&blind, &large, &[]).expect("read");
        assert!(r.words.is_empty() && !r.skipped);
        assert_eq!(blind.0.load(std::sync::atomic::Ordering::Relaxed), 1, "no turns when nothing was seen");
        let blind = Blind::default();
        read(&blind, &busy(600, 400), &[]).expect("read");
        assert_eq!(blind.0.load(std::sync::atomic::Ordering::Relaxed), 2, "page and scattered words");
    }

    #[test]
    fn a_flat_picture_is_skipped_without_the_engine() {
        let flat = RgbImage::from_pixel(300, 200, image::Rgb([120, 160, 200]));
        let r = read(&Sideways, &flat, &[]).expect("read");
        assert!(r.skipped && r.words.is_empty());
    }

    #[test]
    fn pieces_of_one_word_are_joined_and_words_a_space_apart_are_not() {
        let w = |text: &str, left: u32| EngineWord {
            text: text.into(),
            left,
            top: 10,
            width: 20 * text.len() as u32,
            height: 30,
            confidence: 90.0,
        };
        // ACME ends at 80, a space (12 px) before HARDW; ARE starts 3 px after HARDW (a letter is 20 px).
        let joined = join_pieces(vec![w("ACME", 0), w("HARDW", 92), w("ARE", 195)]);
        let texts: Vec<&str> = joined.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["ACME", "HARDWARE"]);
        assert_eq!((joined[1].left, joined[1].width), (92, 163));
        // Chinese read a character at a time, boxes overlapping by 2 px: one word.
        let joined = join_pieces(vec![w("五", 0), w("金", 18), w("ACME", 100), w("HARD", 178)]);
        let texts: Vec<&str> = joined.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["五金", "ACME", "HARD"], "overlapping Latin words stay apart");
    }

    #[test]
    fn words_come_in_reading_order_whatever_order_they_were_found_in() {
        let w = |text: &str, left: u32, top: u32| EngineWord {
            text: text.into(),
            left,
            top,
            width: 40,
            height: 20,
            confidence: 90.0,
        };
        let found = vec![w("WARE", 150, 12), w("OPEN", 0, 60), w("ACME", 0, 10), w("HARD", 60, 11)];
        let texts: Vec<String> = reading_order(found).into_iter().map(|w| w.text).collect();
        assert_eq!(texts, ["ACME", "HARD", "WARE", "OPEN"]);
    }

    #[test]
    fn unsure_and_empty_words_are_dropped() {
        let w = |text: &str, confidence: f32| EngineWord {
            text: text.into(),
            left: 0,
            top: 0,
            width: 1,
            height: 1,
            confidence,
        };
        let kept = confident(vec![
            w("ACME", 91.0),
            w("ACME", 40.0),
            w("|", 96.0),
            w("~~", 90.0),
            w("7", 95.0),
            w("SS", 67.0),
            w("i!", 93.0),
            w("16B", 85.0),
            w("金", 86.0),
            w("金", 60.0),
        ]);
        let texts: Vec<&str> = kept.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["ACME", "7", "16B", "金"]);
    }
}
