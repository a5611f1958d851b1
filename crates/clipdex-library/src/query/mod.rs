//! Querying, end to end: [`Searcher`] owns parse → vectors for the terms →
//! the vector and keyword lists → fusion → cutoff → filters → hits, and
//! "more like this". The query language is in [`parse`], the pure fusion
//! steps in [`fusion`], filters in [`filter`].

pub(crate) mod browse;
pub(crate) mod compare;
pub(crate) mod filter;
pub mod fusion;
mod hit;
pub(crate) mod images;
pub(crate) mod moments;
pub use images::{KEEP as QUERY_IMAGES_HELD, MAX_BYTES as QUERY_IMAGE_MAX_BYTES};
pub use moments::{clock, split_at_time, MomentHit, MOMENTS_SHOWN};
pub(crate) mod options;
mod outline;
pub mod parse;
mod text_match;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_embed::Model;
use clipdex_media::RgbImage;
use clipdex_store::Scored;

pub use hit::{Hit, Why};
pub use options::{Mode, Month, SearchOptions, SearchResults, Sort};
pub use outline::{outline, Outline, OutlinePart, PartKind, SyntaxAt};
pub use parse::{combine, parse, Filter, Piece, PieceOf, Query, QuerySyntaxError, Term, TermKind};

use crate::calibration::Calibrator;
use crate::catalog::Catalog;
use crate::error::{error_chain, LibraryError, Result};
use crate::relevance::Marks;
use crate::state::{blocking, expand_home, State};
use filter::ItemFilter;

/// Runs queries against one model's vectors.
pub(crate) struct Searcher<'a> {
    state: &'a State,
    model: Arc<Model>,
}

impl<'a> Searcher<'a> {
    pub fn new(state: &'a State, model: Arc<Model>) -> Self {
        Self { state, model }
    }

    /// The library has this model's vectors to search.
    pub async fn check(&self) -> Result<()> {
        Catalog::new(self.state).check_searchable(&self.model).await
    }

    /// Runs a query in the query language (see [`parse`]): the terms'
    /// vectors are combined as a weighted sum and searched; in hybrid and
    /// keyword modes the text terms also search path words, tags, EXIF and
    /// captions (BM25), and the lists are fused by reciprocal rank. Vector
    /// matches below the cutoff (`min_score`, else the calibrated default)
    /// are left out; keyword matches stay, whatever their cosine. Filters
    /// apply last. Every hit carries its cosine, its details and why it
    /// matched.
    pub async fn search(&self, text: &str, opts: &SearchOptions) -> Result<SearchResults> {
        let (store, model) = (&self.state.store, &self.model);
        let mut q = parse(text)?;
        if opts.paths_as_text {
            q.paths_as_text();
        }
        for p in &opts.images {
            q.terms.push(Term { weight: 1.0, kind: TermKind::Image(p.clone()) });
        }
        if q.terms.is_empty() && opts.image_bytes.is_empty() && opts.image_tokens.is_empty() {
            // Filters alone (`text:acme`, `after:2024-06-01`) ask for what passes them, in any front end.
            if (opts.browse_empty || !q.filters.is_empty()) && opts.limit > 0 {
                return browse::browse(self.state, &q, opts).await;
            }
            return Err(LibraryError::EmptyQuery);
        }
        self.check().await?;
        let filters = ItemFilter::from_query(&q.filters)?;
        let has_text = q.terms.iter().any(|t| matches!(t.kind, TermKind::Text(_)));
        let has_image = !opts.image_bytes.is_empty()
            || !opts.image_tokens.is_empty()
            || q.terms.iter().any(|t| !matches!(t.kind, TermKind::Text(_)));
        let keyword_text: String = q
            .terms
            .iter()
            .filter(|t| t.weight > 0.0)
            .filter_map(|t| match &t.kind {
                TermKind::Text(s) => Some(s.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ");
        if opts.limit == 0 {
            return Err(LibraryError::BadArgument("a limit of 0 asks for no results; ask for at least 1".into()));
        }
        let limit = opts.limit;
        // Pages past the first rank everything before them too.
        let reach = opts.offset.saturating_add(limit).min(usize::MAX / 16);
        // Without filters or date sorting, only the page asked for needs its paths and details.
        let page_only = filters.is_empty() && opts.sort == Sort::Relevance;
        // Past the first page a list adds little to the fusion; filters and date sorting need a deeper pool.
        let fetch = if page_only { (reach + reach / 2 + 5).max(fusion::FUSE_DEPTH) } else { (reach * 8).max(400) };

        // A `text:` filter's words are looked up too, whatever the mode: the
        // pictures holding them are candidates even far down the vector list.
        let filter_words = filters.text_words().to_vec();
        let lookup = match opts.mode {
            Mode::Vector => filter_words.join(" "),
            _ => format!("{keyword_text} {}", filter_words.join(" ")),
        };
        // The keyword list needs no vector: it runs while the query is embedded.
        let embed = self.query_vector(&q, opts);
        let keywords = async {
            if !lookup.trim().is_empty() {
                let found = store.keyword_search(&lookup, fetch).await?;
                Ok::<_, LibraryError>(found.into_iter().map(|(id, _)| id).collect::<Vec<String>>())
            } else {
                Ok(Vec::new())
            }
        };
        let (vector, keyword_ids) = tokio::join!(embed, keywords);
        let (vector, keyword_ids) = (vector?, keyword_ids?);

        let calibration = Calibrator::new(self.state).of(&model.info().id).await?;
        let marks = calibration.as_ref().and_then(|c| Marks::of(c, has_text, has_image));
        let (cutoff, default_cutoff) = match (opts.min_score, marks) {
            (Some(m), _) => (Some(m), false),
            (None, Some(marks)) => (Some(marks.cutoff(opts.strictness)), true),
            (None, None) => (None, false),
        };

        // The vector list, and the keyword matches' own rows and details, side by side.
        let nearest = async {
            if opts.mode == Mode::Keyword {
                Ok(Vec::new())
            } else {
                moments::nearest_items(self.state, &model.info().id, &vector, fetch, fetch).await
            }
        };
        let keyword_rows = async { Ok(store.scored_by_id(&model.info().id, &keyword_ids, &vector).await?) };
        let (mut near, keyword_rows) = tokio::try_join!(nearest, keyword_rows)?;
        let passes = |score: f32| cutoff.is_none_or(|c| score >= c);
        // The count of matches is exact. When every row fetched passes the cutoff, a page ranked
        // by relevance alone counts the rest in one pass over the vectors; filters and date
        // order need every passing row, so all are read.
        let saturated = near.len() >= fetch && near.last().is_some_and(|r| passes(r.score));
        let mut counted = None;
        if let (true, Some(c), true) = (opts.mode != Mode::Keyword, cutoff, saturated) {
            if page_only {
                let also: HashSet<String> = keyword_ids.iter().cloned().collect();
                counted = Some(store.count_at_least(&model.info().id, &vector, c, &also).await?);
            } else {
                let all = store.count_vectors(&model.info().id).await?;
                near = store.nearest(&model.info().id, &vector, all, true).await?;
            }
        }
        // One row per item: a video's moments stand for it.
        let near = moments::fold(near);
        let below_cutoff = near.iter().filter(|r| !passes(r.score)).count();
        let vector_ids: Vec<String> = near.iter().filter(|r| passes(r.score)).map(|r| r.id.clone()).collect();
        let mut fused: Vec<(String, f32)> = match opts.mode {
            Mode::Vector => {
                // Vector order; pictures only a `text:` filter's words found, after.
                let listed: HashSet<&String> = vector_ids.iter().collect();
                let extra = keyword_ids.iter().filter(|id| !listed.contains(id));
                vector_ids.iter().chain(extra).map(|id| (id.clone(), 0.0)).collect()
            }
            Mode::Keyword => fusion::rrf(&[&keyword_ids]),
            Mode::Hybrid => fusion::fuse(&[&vector_ids, &keyword_ids], fusion::FUSE_DEPTH),
        };
        let strong: HashSet<String> = fused.iter().map(|(id, _)| id.clone()).collect();
        if opts.weaker && opts.sort == Sort::Relevance {
            // Below the matches, the rest in cosine order.
            fused.extend(near.iter().filter(|r| !strong.contains(&r.id)).map(|r| (r.id.clone(), 0.0)));
        }
        let mut rows: HashMap<String, Scored> = keyword_rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        rows.extend(near.into_iter().map(|r| (r.id.clone(), r)));
        let ordered = fused.iter().filter_map(|(id, _)| rows.remove(id));
        let ordered: Vec<Scored> =
            if page_only { ordered.skip(opts.offset).take(limit).collect() } else { ordered.collect() };
        let ids: Vec<String> = ordered.iter().map(|r| r.id.clone()).collect();
        let (paths, details) = tokio::try_join!(store.paths_of(&ids), store.details_of(&ids))?;
        let fused_score: HashMap<String, f32> = fused.into_iter().collect();
        let mut by_id: HashMap<String, Hit> =
            clipdex_store::with_paths(ordered, paths).into_iter().map(|l| (l.id.clone(), Hit::from(l))).collect();
        let mut hits = Vec::new();
        for id in ids {
            let Some(mut h) = by_id.remove(&id) else { continue };
            let fused_score = fused_score.get(&id).copied().unwrap_or(0.0);
            h.details = details.get(&id).cloned();
            let keyword_rank = keyword_ids.iter().position(|k| *k == id).map(|r| r + 1);
            let mut fields = match (&h.details, keyword_rank) {
                (Some(d), Some(_)) => fusion::matched_fields(d, &keyword_text),
                _ => Vec::new(),
            };
            if keyword_rank.is_some() && fields.is_empty() {
                fields.push("keywords".into());
            }
            h.why = Why {
                vector_rank: vector_ids.iter().position(|v| *v == id).map(|r| r + 1),
                keyword_rank,
                keyword_fields: fields,
                fused: fused_score,
            };
            if let Some(h) = filters.apply(h) {
                hits.push(h);
            }
        }
        if opts.sort == Sort::Date {
            hits.sort_by_key(|h| std::cmp::Reverse(h.date_ns()));
        }
        let matches = match counted {
            Some(n) => n,
            None if page_only => strong.len(),
            None => hits.iter().filter(|h| strong.contains(&h.id)).count(),
        };
        if !page_only {
            hits.drain(..opts.offset.min(hits.len()));
        }
        hits.truncate(limit);
        moments::attach(self.state, &model.info().id, &mut hits, &vector).await?;
        let words = text_match::query_words(&keyword_text, &filter_words);
        text_match::attach(self.state, &mut hits, &words, !filter_words.is_empty()).await?;
        Ok(SearchResults {
            hits,
            cutoff,
            default_cutoff,
            marks,
            below_cutoff,
            matches: Some(matches),
            total: None,
            months: Vec::new(),
            browsed: false,
        })
    }

    /// "More like this": items nearest to a library item (by id or indexed
    /// path, using its stored vector) or to any image file (embedded on the
    /// fly). The item itself is left out. The default cutoff is the
    /// calibrated one for image queries.
    pub async fn similar(&self, path_or_id: &str, limit: usize, min_score: Option<f32>) -> Result<SearchResults> {
        if limit == 0 {
            return Err(LibraryError::BadArgument("a limit of 0 asks for no results; ask for at least 1".into()));
        }
        let (store, model) = (&self.state.store, &self.model);
        self.check().await?;
        let (id, vector) = self.vector_of(path_or_id).await?;
        let marks = Calibrator::new(self.state).of(&model.info().id).await?.and_then(|c| Marks::of(&c, false, true));
        let (cutoff, default_cutoff) = match min_score {
            Some(m) => (Some(m), false),
            None => (marks.map(|m| m.balanced), marks.is_some()),
        };
        // One more than asked: the item itself is among the nearest (and
        // a video's moments, folded into it).
        let want = limit.saturating_add(1).min(usize::MAX / 16);
        let rows = moments::nearest_items(self.state, &model.info().id, &vector, want + want / 4 + 8, want).await?;
        let mut found = store.attach_paths(moments::fold(rows)).await?;
        found.truncate(want);
        let own = id.as_deref().map(clipdex_store::whole_of);
        let found: Vec<Hit> = found.into_iter().filter(|h| Some(h.id.as_str()) != own).map(Hit::from).collect();
        let below_cutoff = found.iter().filter(|h| cutoff.is_some_and(|c| h.score < c)).count();
        let mut hits: Vec<Hit> =
            found.into_iter().filter(|h| cutoff.is_none_or(|c| h.score >= c)).take(limit).collect();
        let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        let details = store.details_of(&ids).await?;
        for (rank, h) in hits.iter_mut().enumerate() {
            h.details = details.get(&h.id).cloned();
            h.why = Why { vector_rank: Some(rank + 1), ..Why::default() };
        }
        moments::attach(self.state, &model.info().id, &mut hits, &vector).await?;
        Ok(SearchResults {
            hits,
            cutoff,
            default_cutoff,
            marks,
            below_cutoff,
            matches: None,
            total: None,
            months: Vec::new(),
            browsed: false,
        })
    }

    /// The query's unit vector: its terms (text, image files, `similar:`)
    /// and the query images (held by token, or as bytes), weighted and combined.
    pub async fn query_vector(&self, q: &Query, opts: &SearchOptions) -> Result<Vec<f32>> {
        let mut parts = Vec::new();
        for term in &q.terms {
            parts.push((term.weight, self.term_vector(&term.kind, opts.lang.as_deref()).await?));
        }
        for token in &opts.image_tokens {
            parts.push((1.0, images::vector(self.state, &self.model, token).await?));
        }
        for (n, bytes) in opts.image_bytes.iter().enumerate() {
            let (m, bytes) = (self.model.clone(), bytes.clone());
            let v = blocking(move || {
                let img = clipdex_media::decode(&bytes).map_err(|e| LibraryError::Decode {
                    path: PathBuf::from(format!("<query image {}>", n + 1)),
                    reason: error_chain(&e),
                })?;
                Ok::<_, LibraryError>(m.embed_images(vec![img])?)
            })
            .await??
            .pop()
            .ok_or(LibraryError::EmptyQuery)?;
            parts.push((1.0, v));
        }
        combine(&parts).ok_or(LibraryError::EmptyQuery)
    }

    /// The unit vector of one query term.
    async fn term_vector(&self, kind: &TermKind, lang: Option<&str>) -> Result<Vec<f32>> {
        let model = &self.model;
        let v = match kind {
            TermKind::Text(t) => {
                let (m, t, lang) = (model.clone(), t.clone(), lang.map(str::to_string));
                blocking(move || m.embed_texts_in(&[t], lang.as_deref())).await??.pop()
            }
            TermKind::Image(p) => {
                // A library item (a photo, a video, a video's moment as
                // `path@mm:ss`) is searched with its stored vector.
                if let Ok(Some(id)) = self.state.resolve_item(&p.to_string_lossy()).await {
                    if let Some(v) = self.state.store.vector(&model.info().id, &id).await? {
                        return Ok(v);
                    }
                }
                // Any other path the user typed (the CLI): a regular file under
                // the query-image cap, read and decoded off the async threads.
                let (path, m) = (expand_home(p), model.clone());
                blocking(move || {
                    let img = decode_image_capped(&path, images::MAX_BYTES as u64)?;
                    Ok::<_, LibraryError>(m.embed_images(vec![img])?)
                })
                .await??
                .pop()
            }
            TermKind::Similar(id) => Some(
                self.state
                    .store
                    .vector(&model.info().id, id)
                    .await?
                    .ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?,
            ),
        };
        v.ok_or(LibraryError::EmptyQuery)
    }

    /// The vector of a library item (by path or id), or of any image file (embedded now).
    pub async fn vector_of(&self, path_or_id: &str) -> Result<(Option<String>, Vec<f32>)> {
        let id = self.state.resolve_item(path_or_id).await?;
        let vector = match &id {
            Some(id) => self
                .state
                .store
                .vector(&self.model.info().id, id)
                .await?
                .ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?,
            None => self.term_vector(&TermKind::Image(PathBuf::from(path_or_id)), None).await?,
        };
        Ok((id, vector))
    }
}

/// Decodes an image file the way the indexer does (upright, opaque RGB): a
/// regular file of at most `clipdex_media::MAX_FILE_BYTES`. Blocking.
pub fn decode_image_file(path: &Path) -> Result<RgbImage> {
    decode_image_capped(path, clipdex_media::MAX_FILE_BYTES)
}

/// As [`decode_image_file`], for a file of at most `cap` bytes. Blocking.
pub(crate) fn decode_image_capped(path: &Path, cap: u64) -> Result<RgbImage> {
    if !path.exists() {
        return Err(LibraryError::PathNotFound { path: path.to_path_buf() });
    }
    clipdex_media::read_capped(path, cap)
        .and_then(|bytes| clipdex_media::decode(&bytes))
        .map_err(|e| LibraryError::Decode { path: path.to_path_buf(), reason: error_chain(&e) })
}
