//! The query language, one parser for every front end.
//!
//! ```text
//! query   := part*
//! part    := sign? weight? atom | filter
//! sign    := '+' | '-'                      (a '-' term is subtracted)
//! weight  := NUMBER ':'                     (e.g. 2:"red car", 0.5:./ref.jpg)
//! atom    := '"' text '"'                   (a quoted phrase)
//!          | 'similar:' ID                  (a library item, "more like this")
//!          | PATH                           (./x.jpg, ../x, /x, ~/x, or a word ending in an image extension)
//!          | WORD+                          (bare words run together into one text term)
//! filter  := ('folder' | 'after' | 'before' | 'type' | 'ext' | 'camera' | 'minsize') ':' VALUE
//! ```
//!
//! The terms are combined rclip-style: the weighted sum of their unit vectors,
//! normalised. A syntax error names the position (in characters) and what was
//! expected.

use std::path::PathBuf;

/// What a term stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    Text(String),
    Image(PathBuf),
    /// A library item by id.
    Similar(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Signed: a `-` term has a negative weight.
    pub weight: f32,
    pub kind: TermKind,
}

/// A restriction on which items may match.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Under this folder.
    Folder(String),
    /// Taken (else modified) on or after this day, `YYYY-MM-DD`.
    After(String),
    /// Taken (else modified) before this day.
    Before(String),
    /// `photo`, `gif`, …
    Type(String),
    /// File extension, lower case, no dot.
    Ext(String),
    Camera(String),
    /// Both sides at least this many pixels.
    MinSize(u32),
    /// Words read in the picture (OCR): every word must be there.
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
    pub filters: Vec<Filter>,
    /// Where each term and filter sits in the text, in order.
    pub pieces: Vec<Piece>,
}

/// Where one term or filter sits in the query's text (character offsets),
/// so a front end can show the parts and rewrite one (e.g. its weight).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// Where the part begins, with its sign or weight.
    pub start: usize,
    /// Where the term itself (or the filter's value) begins.
    pub atom_start: usize,
    /// Just past the part.
    pub end: usize,
    pub of: PieceOf,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PieceOf {
    /// An index into [`Query::terms`].
    Term(usize),
    /// An index into [`Query::filters`].
    Filter(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: expected {expected}")]
pub struct QuerySyntaxError {
    /// Character offset in the query.
    pub position: usize,
    pub expected: String,
}

const FILTERS: &[&str] = &["folder", "after", "before", "type", "ext", "camera", "minsize", "text"];

fn looks_like_path(word: &str) -> bool {
    word.starts_with("./")
        || word.starts_with("../")
        || word.starts_with('/')
        || word.starts_with("~/")
        || clipdex_media::is_supported_path(std::path::Path::new(word))
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }
    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }
    /// A run of characters up to white space or a quote.
    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_whitespace() && c != '"') {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }
    /// A quoted phrase; the cursor is on the opening quote.
    fn phrase(&mut self) -> Result<String, QuerySyntaxError> {
        let at = self.pos;
        self.pos += 1;
        let s = self.pos;
        while self.peek().is_some_and(|c| c != '"') {
            self.pos += 1;
        }
        if self.peek() != Some('"') {
            return Err(err(at, "a closing quote (\")"));
        }
        let text: String = self.chars[s..self.pos].iter().collect();
        self.pos += 1;
        if text.trim().is_empty() {
            return Err(err(at, "text between the quotes"));
        }
        Ok(text)
    }
}

fn err(position: usize, expected: &str) -> QuerySyntaxError {
    QuerySyntaxError { position, expected: expected.into() }
}

/// Bare words gathered into one text term.
#[derive(Default)]
struct Run {
    words: Vec<String>,
    weight: f32,
    start: usize,
    atom_start: usize,
    end: usize,
}

impl Run {
    fn flush(&mut self, q: &mut Query) {
        if !self.words.is_empty() {
            let kind = TermKind::Text(self.words.join(" "));
            q.add_term(Term { weight: self.weight, kind }, self.start, self.atom_start, self.end);
            self.words.clear();
        }
    }
    /// A word spanning `atom_start..end`; `start` includes its sign or weight.
    fn push(&mut self, word: String, weight: f32, (start, atom_start, end): (usize, usize, usize)) {
        if self.words.is_empty() {
            (self.weight, self.start, self.atom_start) = (weight, start, atom_start);
        }
        self.words.push(word);
        self.end = end;
    }
}

impl Query {
    /// Turns image-path terms into text (the path as words), in place.
    pub fn paths_as_text(&mut self) {
        for t in &mut self.terms {
            if let TermKind::Image(p) = &t.kind {
                t.kind = TermKind::Text(p.display().to_string());
            }
        }
    }

    fn add_term(&mut self, term: Term, start: usize, atom_start: usize, end: usize) {
        self.pieces.push(Piece { start, atom_start, end, of: PieceOf::Term(self.terms.len()) });
        self.terms.push(term);
    }
    fn add_filter(&mut self, filter: Filter, start: usize, atom_start: usize, end: usize) {
        self.pieces.push(Piece { start, atom_start, end, of: PieceOf::Filter(self.filters.len()) });
        self.filters.push(filter);
    }
}

/// Parses a query. Bare words are text; see the module docs for the rest.
pub fn parse(src: &str) -> Result<Query, QuerySyntaxError> {
    // Bounded before any work: each term is one embedding.
    if let Some((at, _)) = src.char_indices().nth(MAX_QUERY_CHARS) {
        return Err(err(
            src[..at].chars().count(),
            &format!("the end: a query has at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let q = parse_unbounded(src)?;
    if let Some(p) = q.pieces.iter().filter(|p| matches!(p.of, PieceOf::Term(_))).nth(MAX_TERMS) {
        return Err(err(p.start, &format!("the end: a query has at most {MAX_TERMS} terms")));
    }
    Ok(q)
}

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The most terms (texts, pictures, `similar:`) one query may combine.
pub const MAX_TERMS: usize = 32;

fn parse_unbounded(src: &str) -> Result<Query, QuerySyntaxError> {
    let mut lx = Lexer { chars: src.chars().collect(), pos: 0 };
    let mut q = Query::default();
    let mut run = Run::default();
    // The sign for the next term (set by a '+' or '-' operator), and where it stood.
    let mut sign = 1.0f32;
    let mut sign_at: Option<usize> = None;
    loop {
        lx.skip_space();
        let Some(c) = lx.peek() else { break };
        let at = lx.pos;
        // '+' and '-' are operators when they stand alone or lead a phrase, weight or path;
        // inside or at the start of a word ("t-shirt", "-ish") they are text.
        if (c == '+' || c == '-')
            && lx
                .peek_at(1)
                .is_none_or(|n| n.is_whitespace() || matches!(n, '"' | '.' | '/' | '~') || n.is_ascii_digit())
        {
            run.flush(&mut q);
            sign = if c == '-' { -1.0 } else { 1.0 };
            sign_at = Some(at);
            lx.pos += 1;
            lx.skip_space();
            if lx.peek().is_none() {
                return Err(err(lx.pos, "a term after the sign"));
            }
            continue;
        }
        if c == '"' {
            run.flush(&mut q);
            let text = lx.phrase()?;
            let term = Term { weight: std::mem::replace(&mut sign, 1.0), kind: TermKind::Text(text) };
            q.add_term(term, sign_at.take().unwrap_or(at), at, lx.pos);
            continue;
        }
        let word = lx.word();
        if let Some((head, rest)) = word.split_once(':') {
            // NUMBER ':' term — but "2:30" is a time, not a weight.
            let weighted = !rest.starts_with(|c: char| c.is_ascii_digit());
            if let Some(w) = head.parse::<f32>().ok().filter(|_| weighted) {
                if !w.is_finite() {
                    return Err(err(at, "a finite weight"));
                }
                run.flush(&mut q);
                let weight = std::mem::replace(&mut sign, 1.0) * w;
                let start = sign_at.take().unwrap_or(at);
                let atom_at = at + head.chars().count() + 1;
                if rest.is_empty() && lx.peek() == Some('"') {
                    let text = lx.phrase()?;
                    q.add_term(Term { weight, kind: TermKind::Text(text) }, start, atom_at, lx.pos);
                } else if rest.is_empty() {
                    return Err(err(lx.pos, "a term right after the weight (e.g. 2:\"red car\")"));
                } else if let Some(id) = rest.strip_prefix("similar:").or_else(|| rest.strip_prefix("SIMILAR:")) {
                    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(err(atom_at + 8, "an item id (hex digits) after similar:"));
                    }
                    q.add_term(
                        Term { weight, kind: TermKind::Similar(id.to_ascii_lowercase()) },
                        start,
                        atom_at,
                        lx.pos,
                    );
                } else if looks_like_path(rest) {
                    q.add_term(Term { weight, kind: TermKind::Image(PathBuf::from(rest)) }, start, atom_at, lx.pos);
                } else {
                    run.push(rest.to_string(), weight, (start, atom_at, lx.pos));
                }
                continue;
            }
            let name = head.to_ascii_lowercase();
            let value_at = at + head.chars().count() + 1;
            if name == "similar" {
                run.flush(&mut q);
                if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(err(value_at, "an item id (hex digits) after similar:"));
                }
                let weight = std::mem::replace(&mut sign, 1.0);
                let term = Term { weight, kind: TermKind::Similar(rest.to_ascii_lowercase()) };
                q.add_term(term, sign_at.take().unwrap_or(at), at, lx.pos);
                continue;
            }
            if FILTERS.contains(&name.as_str()) {
                run.flush(&mut q);
                if let Some(s) = sign_at {
                    return Err(err(s, "a term after the sign (a filter cannot be weighed or negated)"));
                }
                // A value with spaces is quoted: text:"acme hardware", folder:"~/My Photos".
                let quoted = if rest.is_empty() && lx.peek() == Some('"') { Some(lx.phrase()?) } else { None };
                let rest = quoted.as_deref().unwrap_or(rest);
                if rest.is_empty() {
                    return Err(err(value_at, &format!("a value after {name}:")));
                }
                let filter = match name.as_str() {
                    "folder" => Filter::Folder(rest.to_string()),
                    "after" | "before" if !is_date(rest) => return Err(err(value_at, "a date as YYYY-MM-DD")),
                    "after" => Filter::After(rest.to_string()),
                    "before" => Filter::Before(rest.to_string()),
                    "type" => Filter::Type(rest.to_ascii_lowercase()),
                    "ext" => Filter::Ext(rest.trim_start_matches('.').to_ascii_lowercase()),
                    "camera" => Filter::Camera(rest.to_string()),
                    "text" => Filter::Text(rest.to_string()),
                    _ => Filter::MinSize(
                        rest.parse().map_err(|_| err(value_at, "a whole number of pixels after minsize:"))?,
                    ),
                };
                q.add_filter(filter, at, value_at, lx.pos);
                continue;
            }
        }
        if looks_like_path(&word) {
            run.flush(&mut q);
            let weight = std::mem::replace(&mut sign, 1.0);
            q.add_term(
                Term { weight, kind: TermKind::Image(PathBuf::from(word)) },
                sign_at.take().unwrap_or(at),
                at,
                lx.pos,
            );
            continue;
        }
        run.push(word, std::mem::replace(&mut sign, 1.0), (sign_at.take().unwrap_or(at), at, lx.pos));
    }
    run.flush(&mut q);
    Ok(q)
}

/// The weighted sum of unit vectors, normalised; `None` if it cancels out.
pub fn combine(parts: &[(f32, Vec<f32>)]) -> Option<Vec<f32>> {
    let dim = parts.first()?.1.len();
    // Weights scaled by the largest first (the direction is the same), so
    // huge weights cannot overflow the sum to infinity.
    let scale = parts.iter().map(|(w, _)| w.abs()).fold(0f32, f32::max);
    if !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    let mut sum = vec![0f32; dim];
    for (w, v) in parts {
        if v.len() != dim {
            return None;
        }
        let w = w / scale;
        for (s, x) in sum.iter_mut().zip(v) {
            *s += w * x;
        }
    }
    let n = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    (n > 1e-6).then(|| sum.into_iter().map(|x| x / n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(w: f32, s: &str) -> Term {
        Term { weight: w, kind: TermKind::Text(s.into()) }
    }

    #[test]
    fn bare_words_are_one_text_term() {
        assert_eq!(parse("kids on a red sled").expect("ok").terms, vec![text(1.0, "kids on a red sled")]);
        assert_eq!(parse("   ").expect("ok"), Query::default());
    }

    #[test]
    fn weights_signs_phrases_paths_and_similar() {
        let q = parse(r#"2:"red car" + 0.5:./ref.jpg - "rainy day" similar:ABC123 beach"#).expect("ok");
        assert_eq!(
            q.terms,
            vec![
                text(2.0, "red car"),
                Term { weight: 0.5, kind: TermKind::Image("./ref.jpg".into()) },
                text(-1.0, "rainy day"),
                Term { weight: 1.0, kind: TermKind::Similar("abc123".into()) },
                text(1.0, "beach"),
            ]
        );
        let q = parse("sunset - people").expect("ok");
        assert_eq!(q.terms, vec![text(1.0, "sunset"), text(-1.0, "people")]);
        let q = parse("dog photo.png").expect("ok");
        assert_eq!(q.terms[1].kind, TermKind::Image("photo.png".into()));
        // A hyphen inside a word is just text.
        assert_eq!(parse("t-shirt").expect("ok").terms, vec![text(1.0, "t-shirt")]);
    }

    #[test]
    fn filters_are_parsed_and_checked() {
        let q = parse("cat folder:/home/me/pics after:2024-01-31 ext:.JPG minsize:800 camera:Pixel type:photo")
            .expect("ok");
        assert_eq!(q.terms, vec![text(1.0, "cat")]);
        assert_eq!(
            q.filters,
            vec![
                Filter::Folder("/home/me/pics".into()),
                Filter::After("2024-01-31".into()),
                Filter::Ext("jpg".into()),
                Filter::MinSize(800),
                Filter::Camera("Pixel".into()),
                Filter::Type("photo".into()),
            ]
        );
        // A quoted value keeps its spaces: the words a picture must hold, a folder with a space.
        let q = parse(r#"receipt text:"acme hardware" folder:"/home/me/My Photos""#).expect("ok");
        assert_eq!(q.terms, vec![text(1.0, "receipt")]);
        assert_eq!(q.filters, vec![Filter::Text("acme hardware".into()), Filter::Folder("/home/me/My Photos".into())]);
        let e = parse(r#"text:"acme"#).expect_err("unclosed");
        assert_eq!((e.position, e.expected.as_str()), (5, "a closing quote (\")"));
        // A word with a colon that is not a filter or a weight stays text.
        assert_eq!(parse("time: 5pm").expect("ok").terms, vec![text(1.0, "time: 5pm")]);
        assert_eq!(parse("2:30 pm").expect("ok").terms, vec![text(1.0, "2:30 pm")]);
    }

    #[test]
    fn errors_name_the_position_and_what_was_expected() {
        let e = parse(r#"cat "red car"#).expect_err("unclosed");
        assert_eq!((e.position, e.expected.as_str()), (4, "a closing quote (\")"));
        let e = parse("after:yesterday").expect_err("bad date");
        assert_eq!((e.position, e.expected.as_str()), (6, "a date as YYYY-MM-DD"));
        let e = parse("dog 2:").expect_err("dangling weight");
        assert_eq!(e.position, 6);
        assert!(e.expected.starts_with("a term right after the weight"));
        let e = parse("beach -").expect_err("dangling sign");
        assert_eq!(e.expected, "a term after the sign");
        let e = parse("beach - after:2024-01-01 dog").expect_err("negated filter");
        assert_eq!(
            (e.position, e.expected.as_str()),
            (6, "a term after the sign (a filter cannot be weighed or negated)")
        );
        let e = parse("similar:xyz").expect_err("bad id");
        assert_eq!(e.position, 8);
        let e = parse("minsize:big").expect_err("bad size");
        assert_eq!(e.to_string(), "at position 8: expected a whole number of pixels after minsize:");
        assert!(parse(r#""""#).is_err());
    }

    #[test]
    fn pieces_say_where_each_part_sits() {
        let src = r#"kids on a sled -0.5:"rainy day" similar:ab12 after:2024-01-31 2:dog park"#;
        let q = parse(src).expect("ok");
        let chars: Vec<char> = src.chars().collect();
        let at = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        let seen: Vec<(String, String, PieceOf)> =
            q.pieces.iter().map(|p| (at(p.start, p.end), at(p.atom_start, p.end), p.of)).collect();
        assert_eq!(
            seen,
            vec![
                ("kids on a sled".into(), "kids on a sled".into(), PieceOf::Term(0)),
                ("-0.5:\"rainy day\"".into(), "\"rainy day\"".into(), PieceOf::Term(1)),
                ("similar:ab12".into(), "similar:ab12".into(), PieceOf::Term(2)),
                ("after:2024-01-31".into(), "2024-01-31".into(), PieceOf::Filter(0)),
                ("2:dog park".into(), "dog park".into(), PieceOf::Term(3)),
            ]
        );
        assert_eq!(q.terms[1].weight, -0.5);
        // A weighted item ("more like this, twice as much").
        let q = parse("beach 2:similar:AB12 -0.5:similar:cd").expect("ok");
        assert_eq!(q.terms[1], Term { weight: 2.0, kind: TermKind::Similar("ab12".into()) });
        assert_eq!(q.terms[2], Term { weight: -0.5, kind: TermKind::Similar("cd".into()) });
        assert_eq!(parse("2:similar:xyz").expect_err("bad id").position, 10);
        // A sign standing apart belongs to the term after it; offsets count characters.
        let q = parse("café - \"pluie\"").expect("ok");
        assert_eq!((q.pieces[1].start, q.pieces[1].atom_start, q.pieces[1].end), (5, 7, 14));
    }

    #[test]
    fn paths_can_be_read_as_words() {
        let mut q = parse("beach ./ref.jpg 2:IMG_1.png").expect("ok");
        q.paths_as_text();
        assert_eq!(q.terms, vec![text(1.0, "beach"), text(1.0, "./ref.jpg"), text(2.0, "IMG_1.png")]);
    }

    #[test]
    fn terms_combine_as_a_normalised_weighted_sum() {
        let v = combine(&[(1.0, vec![1.0, 0.0]), (1.0, vec![0.0, 1.0])]).expect("sum");
        assert!((v[0] - 0.70710677).abs() < 1e-6 && (v[1] - 0.70710677).abs() < 1e-6);
        let v = combine(&[(2.0, vec![1.0, 0.0]), (-1.0, vec![0.0, 1.0])]).expect("diff");
        assert!(v[0] > 0.89 && v[1] < -0.44);
        assert_eq!(combine(&[(1.0, vec![1.0, 0.0]), (-1.0, vec![1.0, 0.0])]), None, "cancels out");
        assert_eq!(combine(&[]), None);
        // Huge weights give the direction small ones do, not inf or NaN.
        let huge = combine(&[(3e38, vec![1.0, 0.0]), (3e38, vec![0.0, 1.0])]).expect("huge");
        assert_eq!(huge, combine(&[(1.0, vec![1.0, 0.0]), (1.0, vec![0.0, 1.0])]).expect("one"));
        let q = parse("3e38:\"a\" 3e38:\"a\"").expect("parses");
        assert!(q.terms.iter().all(|t| t.weight == 3e38));
    }
}

#[cfg(test)]
mod bounds {
    use super::*;

    #[test]
    fn long_queries_are_refused_before_any_work() {
        let t = std::time::Instant::now();
        let huge = "\"a\" ".repeat(20_000);
        let e = parse(&huge).expect_err("too long");
        assert_eq!(e.position, MAX_QUERY_CHARS);
        assert!(e.expected.contains("at most 1000 characters"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_millis(200), "refused at once: {:?}", t.elapsed());

        let many = (0..40).map(|i| format!("\"w{i}\"")).collect::<Vec<_>>().join(" ");
        let e = parse(&many).expect_err("too many terms");
        assert!(e.expected.contains("at most 32 terms"), "{e}");
        assert_eq!(e.position, many.find("\"w32\"").expect("33rd"));
        assert_eq!(
            parse(&(0..32).map(|i| format!("\"w{i}\"")).collect::<Vec<_>>().join(" ")).expect("32").terms.len(),
            32
        );
        // Characters, not bytes: 1,000 accented letters are fine.
        assert!(parse(&"é".repeat(MAX_QUERY_CHARS)).is_ok());
    }
}
