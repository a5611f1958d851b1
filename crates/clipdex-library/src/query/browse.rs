//! Browsing: a query with no terms lists the whole library, newest first
//! (date taken, else modification time), a page at a time, with the
//! query's filters applied: what a photo app opens on.

use clipdex_store::{Dated, Scored};

use super::filter::ItemFilter;
use super::{Hit, Query, SearchOptions, SearchResults};
use crate::error::Result;
use crate::state::State;

/// Items looked up at once while filtering.
const CHUNK: usize = 1000;

/// One page of the library, newest first, and how many items the whole list holds.
pub(crate) async fn browse(state: &State, q: &Query, opts: &SearchOptions) -> Result<SearchResults> {
    let filters = ItemFilter::from_query(&q.filters)?;
    let timeline = state.store.timeline().await?;
    let end = opts.offset.saturating_add(opts.limit);
    let (hits, total) = if filters.is_empty() {
        let total = timeline.len();
        let page = timeline.get(opts.offset.min(total)..end.min(total)).unwrap_or_default();
        (hits_of(state, page).await?, total)
    } else {
        // Filters need each item's paths and details: read in chunks, the order kept.
        let mut passed = Vec::new();
        for chunk in timeline.chunks(CHUNK) {
            passed.extend(hits_of(state, chunk).await?.into_iter().filter_map(|h| filters.apply(h)));
        }
        let total = passed.len();
        (passed.into_iter().skip(opts.offset).take(opts.limit).collect(), total)
    };
    Ok(SearchResults {
        hits,
        cutoff: None,
        default_cutoff: false,
        marks: None,
        below_cutoff: 0,
        matches: None,
        total: Some(total),
        browsed: true,
    })
}

/// These items as hits (paths and details attached), in the order given.
async fn hits_of(state: &State, items: &[Dated]) -> Result<Vec<Hit>> {
    let ids: Vec<String> = items.iter().map(|d| d.id.clone()).collect();
    let (paths, details) = tokio::try_join!(state.store.paths_of(&ids), state.store.details_of(&ids))?;
    let rows: Vec<Scored> = items.iter().map(Dated::scored).collect();
    let mut hits: Vec<Hit> = clipdex_store::with_paths(rows, paths).into_iter().map(Hit::from).collect();
    for h in &mut hits {
        h.details = details.get(&h.id).cloned();
    }
    Ok(hits)
}
