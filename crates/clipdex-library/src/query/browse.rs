//! Browsing: a query with no terms lists the whole library, newest first
//! (date taken, else modification time), a page at a time, with the
//! query's filters applied: what a photo app opens on.

use clipdex_store::{Dated, Scored};

use super::filter::ItemFilter;
use super::{Hit, Month, Query, SearchOptions, SearchResults};
use crate::error::{LibraryError, Result};
use crate::state::State;

/// Items looked up at once while filtering.
const CHUNK: usize = 1000;

/// One page of the library, newest first, and how many items the whole list holds.
pub(crate) async fn browse(state: &State, q: &Query, opts: &SearchOptions) -> Result<SearchResults> {
    let filters = ItemFilter::from_query(&q.filters)?;
    let timeline = state.store.timeline().await?;
    let end = opts.offset.saturating_add(opts.limit);
    let (mut hits, total, months) = if filters.is_empty() {
        let total = timeline.len();
        let months = months_of(timeline.iter().map(|d| d.date_ns));
        let page = timeline.get(opts.offset.min(total)..end.min(total)).unwrap_or_default();
        (hits_of(state, page).await?, total, months)
    } else {
        // Filters need each item's paths and details: read in chunks, the order kept.
        let mut passed = Vec::new();
        for chunk in timeline.chunks(CHUNK) {
            passed.extend(hits_of(state, chunk).await?.into_iter().filter_map(|h| filters.apply(h)));
        }
        let total = passed.len();
        let months = months_of(passed.iter().map(Hit::date_ns));
        (passed.into_iter().skip(opts.offset).take(opts.limit).collect(), total, months)
    };
    super::text_match::attach(state, &mut hits, filters.text_words(), true).await?;
    Ok(SearchResults {
        hits,
        cutoff: None,
        default_cutoff: false,
        marks: None,
        below_cutoff: 0,
        matches: None,
        total: Some(total),
        months,
        browsed: true,
    })
}

/// Photos per calendar month (UTC), in the order listed (newest first): the
/// whole list's timeline, whatever page was asked for.
pub(crate) fn months_of(dates_ns: impl Iterator<Item = i64>) -> Vec<Month> {
    let mut out: Vec<Month> = Vec::new();
    for ns in dates_ns {
        let (year, month, _) = clipdex_media::civil_from_days(ns.div_euclid(86_400 * 1_000_000_000));
        match out.last_mut() {
            Some(m) if m.year == year && m.month == month => m.count += 1,
            _ => out.push(Month { year, month, count: 1 }),
        }
    }
    out
}

/// One item by its content id (a video's moment by `<id>#<ms>`) with its
/// paths and details, as a hit without a score. Never reads a file: an id
/// is looked up, nothing else.
pub(crate) async fn item(state: &State, id: &str) -> Result<Hit> {
    let missing = || LibraryError::NoSuchItem(id.to_string());
    if !crate::state::is_item_id(id) {
        return Err(missing());
    }
    let id = id.to_ascii_lowercase();
    let whole = clipdex_store::whole_of(&id).to_string();
    let sizes = state.store.item_sizes(std::slice::from_ref(&id)).await?;
    let &(width, height) = sizes.get(&id).ok_or_else(missing)?;
    let (paths, details) = tokio::try_join!(
        state.store.paths_of(std::slice::from_ref(&whole)),
        state.store.details_of(std::slice::from_ref(&whole))
    )?;
    let row = Scored { id: whole.clone(), width, height, score: 0.0 };
    let mut hit = clipdex_store::with_paths(vec![row], paths).into_iter().map(Hit::from).next().ok_or_else(missing)?;
    hit.details = details.get(&whole).cloned();
    hit.id = id;
    Ok(hit)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_runs_of_one_calendar_month() {
        let day = 86_400 * 1_000_000_000_i64;
        // 2024-12-31, 2024-12-01, 2024-11-30 (UTC), then 1969-12-31.
        let dates = [20_088 * day, 20_058 * day + 1, 20_057 * day, -1];
        let m = months_of(dates.into_iter());
        let got: Vec<(i64, u32, usize)> = m.iter().map(|m| (m.year, m.month, m.count)).collect();
        assert_eq!(got, vec![(2024, 12, 2), (2024, 11, 1), (1969, 12, 1)]);
    }
}
