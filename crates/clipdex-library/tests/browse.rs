//! What the window opens on and what a query never does to it: an empty
//! query lists the library newest first, a page at a time, filters applied,
//! with an exact total; a query with weaker matches keeps them below its
//! matches instead of emptying the page, and counts its matches exactly.
//! Real fixture model, real LanceDB.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clipdex_library::{open_model, Cancel, Library, LibraryError, Mode, Model, SearchOptions, Sort};

const PHOTOS: usize = 130;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn png(i: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 32, |x, y| {
        image::Rgb([(i * 53 % 256) as u8, (x * 5 + i as u32 * 29) as u8, (y * 7 + (i * i) as u32 * 3) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode");
    out.into_inner()
}

/// Day `i` of 2021 at noon (UTC): photo `i` was last modified then.
fn day(i: usize) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_609_502_400 + i as u64 * 86_400)
}

/// 130 photos, pic-000 modified first and pic-129 last, one day apart.
async fn library(dir: &Path, photos: &Path) -> (Library, Arc<Model>) {
    for i in 0..PHOTOS {
        let path = photos.join(format!("pic-{i:03}.png"));
        std::fs::write(&path, png(i)).expect("write");
        std::fs::File::options().write(true).open(&path).expect("open").set_modified(day(i)).expect("mtime");
    }
    let model =
        open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model (is ONNX Runtime installed?)");
    let lib = Library::open(dir).await.expect("open");
    let s = lib.index(&[photos.to_path_buf()], model.clone(), &Cancel::new(), |_| {}).await.expect("index");
    assert_eq!(s.indexed, PHOTOS);
    (lib, model)
}

fn names(hits: &[clipdex_library::Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| Path::new(&h.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_query_browses_and_weaker_matches_follow_the_matches() {
    let (dir, photos) = (tempfile::tempdir().expect("lib"), tempfile::tempdir().expect("photos"));
    let (lib, model) = library(dir.path(), photos.path()).await;
    let browse = SearchOptions { browse_empty: true, limit: 50, ..Default::default() };

    // Newest first, a page at a time, the total exact.
    let first = lib.search(model.clone(), "", &browse).await.expect("browse");
    assert!(first.browsed);
    assert_eq!((first.total, first.hits.len()), (Some(PHOTOS), 50));
    assert_eq!(names(&first.hits)[..3], ["pic-129.png", "pic-128.png", "pic-127.png"]);
    // The whole timeline by month, newest first, whatever the page: 2021 from May 10 back to Jan 1.
    let months: Vec<(i64, u32, usize)> = first.months.iter().map(|m| (m.year, m.month, m.count)).collect();
    assert_eq!(months, vec![(2021, 5, 10), (2021, 4, 30), (2021, 3, 31), (2021, 2, 28), (2021, 1, 31)]);
    let last = lib.search(model.clone(), "", &SearchOptions { offset: 100, ..browse.clone() }).await.expect("page 3");
    assert_eq!(last.hits.len(), 30);
    assert_eq!(names(&last.hits).last().map(String::as_str), Some("pic-000.png"));
    // Filters alone browse too: days 100..129 of 2021 are from 11 April on.
    let after = lib.search(model.clone(), "after:2021-04-11", &browse).await.expect("filtered");
    assert_eq!(after.total, Some(30));
    assert_eq!(names(&after.hits).last().map(String::as_str), Some("pic-100.png"));
    // Without asking to browse, an empty query is still refused; filters alone still list what passes them.
    let refused = lib.search(model.clone(), "", &SearchOptions::default()).await;
    assert!(matches!(refused, Err(LibraryError::EmptyQuery)), "{refused:?}");
    let after = lib.search(model.clone(), "after:2021-04-11", &SearchOptions::default()).await.expect("filtered");
    assert_eq!((after.total, after.hits.len()), (Some(30), 20));

    // A query with weaker matches: the matches first, then every other photo in cosine order.
    let cal = lib.calibration().await.expect("read").expect("calibrated");
    let weaker = SearchOptions { mode: Mode::Vector, weaker: true, limit: 1000, ..Default::default() };
    let found = lib.search(model.clone(), "a red square", &weaker).await.expect("search");
    assert_eq!(found.cutoff, Some(cal.text));
    assert_eq!(found.hits.len(), PHOTOS, "no photo is left out");
    let matches = found.matches.expect("counted");
    assert_eq!(matches, found.hits.iter().filter(|h| h.score >= cal.text).count());
    assert!(found.hits[..matches].iter().all(|h| h.score >= cal.text));
    assert!(found.hits.windows(2).all(|w| w[0].score >= w[1].score), "in cosine order");
    // Without weaker matches, the same query shows only the matches.
    let only = lib.search(model.clone(), "a red square", &SearchOptions { weaker: false, ..weaker.clone() }).await;
    assert_eq!(only.expect("search").hits.len(), matches);
    // Pages join up across the divider.
    let page = SearchOptions { mode: Mode::Hybrid, weaker: true, limit: 7, ..Default::default() };
    let whole = lib.search(model.clone(), "a red square", &SearchOptions { limit: 1000, ..page.clone() }).await;
    let whole = whole.expect("whole");
    let mut paged = Vec::new();
    for offset in (0..PHOTOS).step_by(7) {
        let p = lib.search(model.clone(), "a red square", &SearchOptions { offset, ..page.clone() }).await;
        let p = p.expect("page");
        assert_eq!(p.matches, whole.matches, "every page counts all the matches");
        paged.extend(names(&p.hits));
    }
    assert_eq!(paged, names(&whole.hits));

    // More matches than one fetch reads: still counted exactly.
    let everything = SearchOptions { min_score: Some(-1.0), limit: 3, ..Default::default() };
    let found = lib.search(model.clone(), "a red square", &everything).await.expect("search");
    assert_eq!((found.matches, found.hits.len()), (Some(PHOTOS), 3));
    // Likewise when most, not all, pass: a cutoff between the 115th and 116th best cosine.
    let every = SearchOptions { min_score: Some(-1.0), ..weaker.clone() };
    let all = lib.search(model.clone(), "a red square", &every).await.expect("search");
    let scores: Vec<f32> = all.hits.iter().map(|h| h.score).collect();
    let cut = (scores[114] + scores[115]) / 2.0;
    assert!(scores[114] > cut && scores[115] < cut, "distinct cosines around the cut");
    let most = SearchOptions { mode: Mode::Vector, min_score: Some(cut), limit: 3, ..Default::default() };
    let found = lib.search(model.clone(), "a red square", &most).await.expect("search");
    assert_eq!((found.matches, found.hits.len()), (Some(115), 3));
    // Sorted by date, weaker matches stay out (the order would hide the divider).
    let by_date = SearchOptions { sort: Sort::Date, ..weaker.clone() };
    let found = lib.search(model.clone(), "a red square", &by_date).await.expect("search");
    assert_eq!((found.hits.len(), found.matches), (matches, Some(matches)));
}
