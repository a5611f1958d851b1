//! The JPEG previews inside TIFF-structured RAW files (DNG, NEF, CR2, ARW,
//! PEF, RW2, …) and Fujifilm's RAF, found by walking the file's own
//! directories, and decoded by the same JPEG decoder (and limits) as any
//! photo. Every offset is checked against the file; a loop of directories
//! or an absurd count ends the walk.

/// At most this many directories are visited in one file.
const MAX_IFDS: usize = 64;

struct Reader<'a> {
    b: &'a [u8],
    big: bool,
}

impl Reader<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s = self.b.get(at..at + 2)?;
        Some(if self.big { u16::from_be_bytes([s[0], s[1]]) } else { u16::from_le_bytes([s[0], s[1]]) })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let s = self.b.get(at..at + 4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.big { u32::from_be_bytes(a) } else { u32::from_le_bytes(a) })
    }
}

/// One directory entry: its type, count and where its values are.
struct Entry {
    kind: u16,
    count: usize,
    at: usize,
}

impl Entry {
    fn values(&self, r: &Reader) -> Vec<u32> {
        let size = match self.kind {
            3 => 2,
            4 | 13 => 4,
            _ => return Vec::new(),
        };
        (0..self.count.min(64))
            .filter_map(|i| if size == 2 { r.u16(self.at + 2 * i).map(u32::from) } else { r.u32(self.at + 4 * i) })
            .collect()
    }
}

/// What the walk found: embedded JPEGs, the largest picture any directory
/// describes, and IFD0's orientation.
#[derive(Default)]
pub(crate) struct Found<'a> {
    pub jpegs: Vec<&'a [u8]>,
    pub largest_side: u32,
    pub orientation: Option<u16>,
    /// IFD0's Make.
    pub make: Option<String>,
    /// IFD0 has a DNGVersion.
    pub dng: bool,
    /// Some directory holds sensor data (CFA or linear raw).
    pub sensor_data: bool,
    /// Something no real file has: an entry whose values lie outside the
    /// file, or a picture over the size caps. Such a file is refused before
    /// a RAW decoder (which allocates what a header says) sees it.
    pub insane: Option<String>,
}

pub(crate) fn walk(b: &[u8]) -> Found<'_> {
    let mut found = Found::default();
    // Fujifilm RAF: a big-endian offset and length of the JPEG at bytes 84 and 88.
    if b.starts_with(b"FUJIFILMCCD-RAW") {
        let r = Reader { b, big: true };
        if let (Some(off), Some(len)) = (r.u32(84), r.u32(88)) {
            if let Some(jpeg) = b.get(off as usize..(off as usize).saturating_add(len as usize)) {
                found.jpegs.push(jpeg);
            }
        }
        return found;
    }
    let big = match b.get(..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return found,
    };
    let r = Reader { b, big };
    let mut todo: Vec<usize> = r.u32(4).map(|o| vec![o as usize]).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    let mut first = true;
    while let Some(ifd) = todo.pop() {
        if ifd < 8 || !seen.insert(ifd) || seen.len() > MAX_IFDS {
            continue;
        }
        let Some(n) = r.u16(ifd) else { continue };
        let mut tags = std::collections::HashMap::new();
        for i in 0..n as usize {
            let e = ifd + 2 + 12 * i;
            let (Some(tag), Some(kind), Some(count)) = (r.u16(e), r.u16(e + 2), r.u32(e + 4)) else { break };
            let size = match kind {
                3 | 8 => 2,
                4 | 9 | 11 | 13 => 4,
                5 | 10 | 12 => 8,
                _ => 1,
            };
            let len = (count as usize).saturating_mul(size);
            let inline = len <= 4;
            let at = if inline { e + 8 } else { r.u32(e + 8).unwrap_or(0) as usize };
            if at.saturating_add(len) > b.len() {
                found.insane = Some(format!("directory entry {tag:#06x} points outside the file"));
            }
            tags.insert(tag, Entry { kind, count: count as usize, at });
        }
        let first_value = |tag: u16| tags.get(&tag).and_then(|e| e.values(&r).first().copied());
        if first {
            found.orientation = first_value(0x0112).map(|v| v as u16);
            found.dng = tags.contains_key(&0xC612);
            found.make = tags.get(&0x010F).filter(|e| e.kind == 2).and_then(|e| {
                let text = b.get(e.at..e.at.saturating_add(e.count.min(64)))?;
                Some(String::from_utf8_lossy(text).trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string())
            });
            first = false;
        }
        if matches!(first_value(0x0106), Some(32803 | 34892)) {
            found.sensor_data = true;
        }
        if let (Some(w), Some(h)) = (first_value(0x0100), first_value(0x0101)) {
            found.largest_side = found.largest_side.max(w.max(h));
            if w > crate::MAX_SIDE || h > crate::MAX_SIDE || w as u64 * h as u64 * 20 > 2 * crate::MAX_DECODED_BYTES {
                found.insane = Some(format!("{w}×{h} pixels"));
            }
        }
        let slice = |off: u32, len: u32| b.get(off as usize..(off as usize).checked_add(len as usize)?);
        // JPEGInterchangeFormat and its length.
        if let (Some(off), Some(len)) = (first_value(0x0201), first_value(0x0202)) {
            found.jpegs.extend(slice(off, len));
        }
        // A JPEG-compressed picture in one strip.
        if matches!(first_value(0x0103), Some(6 | 7)) {
            let offs = tags.get(&0x0111).map(|e| e.values(&r)).unwrap_or_default();
            let lens = tags.get(&0x0117).map(|e| e.values(&r)).unwrap_or_default();
            if let ([off], [len]) = (offs.as_slice(), lens.as_slice()) {
                found.jpegs.extend(slice(*off, *len));
            }
        }
        // Panasonic's JpgFromRaw: the JPEG itself as the tag's value.
        if let Some(e) = tags.get(&0x002E).filter(|e| e.kind == 7) {
            found.jpegs.extend(b.get(e.at..e.at.saturating_add(e.count)));
        }
        if let Some(e) = tags.get(&0x014A) {
            todo.extend(e.values(&r).into_iter().map(|o| o as usize));
        }
        if let Some(next) = r.u32(ifd + 2 + 12 * n as usize).filter(|&o| o != 0) {
            todo.push(next as usize);
        }
    }
    found.jpegs.retain(|j| j.starts_with(&[0xFF, 0xD8]));
    found
}

/// A JPEG's width and height, from its frame header.
pub(crate) fn jpeg_size(j: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    while at + 9 < j.len() {
        if j[at] != 0xFF {
            return None;
        }
        let marker = j[at + 1];
        let len = u16::from_be_bytes([j[at + 2], j[at + 3]]) as usize;
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([j[at + 5], j[at + 6]]) as u32;
            let w = u16::from_be_bytes([j[at + 7], j[at + 8]]) as u32;
            return Some((w, h));
        }
        at += 2 + len;
    }
    None
}

/// The largest embedded JPEG and its size.
pub(crate) fn largest<'a>(found: &Found<'a>) -> Option<(&'a [u8], u32, u32)> {
    found
        .jpegs
        .iter()
        .filter_map(|j| jpeg_size(j).map(|(w, h)| (*j, w, h)))
        .max_by_key(|(_, w, h)| *w as u64 * *h as u64)
}
