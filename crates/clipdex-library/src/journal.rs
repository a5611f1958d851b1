//! Captions are the one thing in a library only the user can make again, so
//! each one is also appended to a plain journal (`<library>/captions.log`,
//! flushed to disk before the database write). If the captions table is
//! ever rolled back past damage, the journal puts every caption back: what
//! is kept is enough to recover the user's words.
//!
//! One line per change: `<ms>\t<id>\t+<caption>` sets a caption (tabs,
//! newlines and backslashes escaped as `\t`, `\n`, `\\`), `<ms>\t<id>\t-`
//! clears one. A line without its newline (a crash mid-write) is ignored.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use clipdex_store::Store;

use crate::error::{LibraryError, Result};

pub(crate) const JOURNAL: &str = "captions.log";

/// Records a caption change before it is written to the database.
pub(crate) fn append(dir: &Path, id: &str, caption: Option<&str>, at_ms: i64) -> Result<()> {
    let path = dir.join(JOURNAL);
    let io = |source| LibraryError::Io { path: path.clone(), source };
    let line = match caption {
        Some(c) => format!("{at_ms}\t{id}\t+{}\n", escape(c)),
        None => format!("{at_ms}\t{id}\t-\n"),
    };
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
    f.write_all(line.as_bytes()).map_err(io)?;
    f.sync_data().map_err(io)
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The last word on each item's caption, from the journal.
fn latest(dir: &Path) -> Result<HashMap<String, Option<String>>> {
    let path = dir.join(JOURNAL);
    let text = match std::fs::read(&path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(source) => return Err(LibraryError::Io { path, source }),
    };
    let mut out = HashMap::new();
    // Only complete lines: the part after the last newline may be torn.
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    for line in complete.lines() {
        let mut f = line.splitn(3, '\t');
        let (Some(_at), Some(id), Some(change)) = (f.next(), f.next(), f.next()) else { continue };
        if let Some(c) = change.strip_prefix('+') {
            out.insert(id.to_string(), Some(unescape(c)));
        } else if change == "-" {
            out.insert(id.to_string(), None);
        }
    }
    Ok(out)
}

/// Puts the journal's captions back where the table disagrees. Returns how
/// many were restored. Only while holding the writer lock.
pub(crate) async fn replay(dir: &Path, store: &Store, now_ms: i64) -> Result<usize> {
    let want = latest(dir)?;
    if want.is_empty() {
        return Ok(0);
    }
    let have = store.captions(None).await?;
    let mut restored = 0;
    for (id, caption) in &want {
        if have.get(id) != caption.as_ref() {
            crate::describe::store_caption(store, id, caption.as_deref(), now_ms).await?;
            restored += 1;
        }
    }
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_keeps_any_text_and_the_last_word_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let odd = "tab\there,\nnew line, back\\slash \\t and «ünïcode» 🐕";
        append(dir.path(), "a", Some("first"), 1).expect("append");
        append(dir.path(), "a", Some(odd), 2).expect("append");
        append(dir.path(), "b", Some("kept"), 3).expect("append");
        append(dir.path(), "b", None, 4).expect("append");
        // A crash mid-write leaves a line without its newline.
        let mut f = std::fs::OpenOptions::new().append(true).open(dir.path().join(JOURNAL)).expect("open");
        f.write_all(b"5\ta\t+half writ").expect("torn");
        let got = latest(dir.path()).expect("read");
        assert_eq!(got.get("a"), Some(&Some(odd.to_string())));
        assert_eq!(got.get("b"), Some(&None));
        assert_eq!(got.len(), 2);
    }
}
