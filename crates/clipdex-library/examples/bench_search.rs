//! Search latency and index recall at scale (a benchmark, not a test).
//!
//! ```text
//! cargo run --release -p clipdex-library --example bench_search -- MODEL_DIR LIBRARY_DIR [ITEMS] [QUERIES]
//! ```
//!
//! Fills LIBRARY_DIR with ITEMS synthetic items (default 100,000: clustered
//! unit vectors of the model's width, 8 KiB thumbnails, one path each), lets
//! the library build its vector index as it would after an indexing run, then
//! times QUERIES text queries end to end through `Library::search` in its
//! default hybrid mode (text embedding, vector search, BM25 keyword search
//! over every item's details, fusion, path and details lookup; the model is
//! loaded once, before timing), and the vector step alone with and without
//! the index.
//! Recall@10 compares the index against exact search. A filled library is
//! reused by later runs.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clipdex_library::{labels, open_model, Cancel, Library, SearchOptions};
use clipdex_store::{FileRecord, FileStamp, Store, Tag};

#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::{item, unit, Rng};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(name: &str, mut t: Vec<Duration>) {
    t.sort();
    println!(
        "| {name} | {:.1} | {:.1} | {:.1} |",
        percentile(&t, 0.5),
        percentile(&t, 0.95),
        t.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
}

fn recall(exact: &[String], approx: &[String]) -> f64 {
    let hits = approx.iter().filter(|id| exact.contains(id)).count();
    hits as f64 / exact.len().max(1) as f64
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_search MODEL_DIR LIBRARY_DIR [ITEMS] [QUERIES]");
        std::process::exit(2);
    }
    let model_dir = PathBuf::from(&args[1]);
    let lib_dir = PathBuf::from(&args[2]);
    let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
    let queries: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(200);

    let t = Instant::now();
    let model = open_model(&model_dir, &[]).await?;
    println!("model {} (dim {}) loaded in {:.1} s", model.info().id, model.info().dim, t.elapsed().as_secs_f64());
    let dim = model.info().dim;
    let mut lib = Library::open(&lib_dir).await?;
    let mut store = Store::open(&lib_dir).await?;
    let have = store.count_items().await?;
    if have < n {
        // One real photo records the model in the library, as an indexing run does.
        let seed_dir = lib_dir.with_extension("seed");
        std::fs::create_dir_all(&seed_dir)?;
        let img = image::RgbImage::from_fn(64, 48, |x, y| [x as u8 * 4, y as u8 * 5, 90].into());
        img.save(seed_dir.join("seed.png"))?;
        let t = Instant::now();
        let seeded = lib.index(&[seed_dir], model.clone(), &Cancel::default(), |_| {}).await?;
        println!(
            "seed index run (1 photo; includes embedding the label vocabulary once for this model): {:.1} s, {} indexed",
            t.elapsed().as_secs_f64(),
            seeded.indexed
        );
        store = Store::open(&lib_dir).await?;

        let t = Instant::now();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let centres: Vec<Vec<f32>> = (0..256).map(|_| unit((0..dim).map(|_| rng.gauss()).collect())).collect();
        // BENCH_THUMB_BYTES: smaller thumbnails for a million items (search never reads them).
        let thumb_bytes = std::env::var("BENCH_THUMB_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(8192);
        let thumb: Vec<u8> = (0..thumb_bytes).map(|_| rng.next() as u8).collect();
        // BENCH_UNIFORM=1: unclustered random unit vectors, the hardest case for IVF.
        let uniform = std::env::var_os("BENCH_UNIFORM").is_some();
        println!("vectors: {}", if uniform { "uniform random (no clusters)" } else { "256 clusters" });
        let vocabulary = labels::vocabulary();
        let batch = 5_000;
        let mut i = have;
        while i < n {
            let end = (i + batch).min(n);
            let mut items = Vec::with_capacity(end - i);
            let mut files = Vec::with_capacity(end - i);
            let mut details = Vec::with_capacity(end - i);
            for k in i..end {
                let v = if uniform {
                    unit((0..dim).map(|_| rng.gauss()).collect())
                } else {
                    let c = &centres[(rng.next() % centres.len() as u64) as usize];
                    unit(c.iter().map(|x| x + 0.06 * rng.gauss()).collect())
                };
                let id = blake3::hash(format!("bench item {k}").as_bytes()).to_hex().to_string();
                items.push(item(&id, &model.info().id, v, &thumb));
                let tags = (0..3)
                    .map(|t| Tag {
                        label: vocabulary[(rng.next() % vocabulary.len() as u64) as usize].clone(),
                        score: 0.3 - t as f32 * 0.01,
                    })
                    .collect();
                details.push(synthetic::details(&id, k, tags, "bench", "photos "));
                let year = 2000 + k % 25;
                files.push(FileRecord {
                    path: format!("/bench/photos/{year}/IMG_{k:06}.jpg"),
                    id,
                    stamp: FileStamp { size: 3_000_000, mtime_ns: k as i64 * 1_000_000_000 },
                    root: "/bench".into(),
                });
            }
            store.write_items(&items).await?;
            store.write_files(&files).await?;
            store.write_details(&details).await?;
            i = end;
            eprint!("\rfilled {i}/{n}");
        }
        eprintln!();
        println!("filled {} items in {:.1} s", n - have, t.elapsed().as_secs_f64());
        // Fresh handles see every commit made through the other one.
        lib = Library::open(&lib_dir).await?;
        let t = Instant::now();
        let action = lib.optimize().await?;
        println!("housekeeping (incl. vector index) {:?} in {:.1} s", action, t.elapsed().as_secs_f64());
        store = Store::open(&lib_dir).await?;
    }
    if lib.vector_index().await?.is_none() && store.count_items().await? >= clipdex_library::DEFAULT_ANN_THRESHOLD {
        // A library from an older format (or an interrupted fill) has no index yet.
        let t = Instant::now();
        let action = lib.optimize().await?;
        println!("built the missing vector index {:?} in {:.1} s", action, t.elapsed().as_secs_f64());
    }
    let ix = lib.vector_index().await?;
    println!("items {}, vector index {:?}", store.count_items().await?, ix);

    let subjects =
        ["dog", "cat", "red car", "beach", "mountain", "birthday cake", "bicycle", "snow", "bridge", "child"];
    let places =
        ["in the park", "at night", "on a sled", "by the sea", "in the kitchen", "under a tree", "in the rain"];
    let texts: Vec<String> =
        (0..queries).map(|i| format!("a {} {} #{i}", subjects[i % subjects.len()], places[i % places.len()])).collect();

    // Every vector match counts (the synthetic vectors do not calibrate a cutoff).
    let opts = SearchOptions { limit: 20, min_score: Some(-1.0), ..SearchOptions::default() };
    // Warm up caches and the executor once, untimed.
    lib.search(model.clone(), &texts[0], &opts).await?;

    let mut end_to_end = Vec::new();
    let mut embed_only = Vec::new();
    let mut ann = Vec::new();
    let mut exact = Vec::new();
    let mut recall_text = 0.0;
    for text in &texts {
        let t = Instant::now();
        let found = lib.search(model.clone(), text, &opts).await?;
        end_to_end.push(t.elapsed());
        assert!(!found.hits.is_empty());

        let m = model.clone();
        let q = text.clone();
        let t = Instant::now();
        let v = tokio::task::spawn_blocking(move || m.embed_texts(&[q])).await??.remove(0);
        embed_only.push(t.elapsed());
        let t = Instant::now();
        let a = store.search_with(&model.info().id, &v, 10, false).await?;
        ann.push(t.elapsed());
        let t = Instant::now();
        let e = store.search_with(&model.info().id, &v, 10, true).await?;
        exact.push(t.elapsed());
        recall_text += recall(
            &e.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            &a.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
        );
    }
    // Queries shaped like photos (near the data): the common "more like this" case.
    let mut rng = Rng(42);
    let mut recall_items = 0.0;
    let sample = store.all_vectors(&model.info().id).await?;
    // As many probes as text queries, at most 100 (each also runs an exact scan: seconds at 1M).
    let probes = queries.min(100).min(sample.len());
    for _ in 0..probes {
        let (_, v) = &sample[(rng.next() % sample.len() as u64) as usize];
        let q = unit(v.iter().map(|x| x + 0.03 * rng.gauss()).collect());
        let a = store.search_with(&model.info().id, &q, 10, false).await?;
        let e = store.search_with(&model.info().id, &q, 10, true).await?;
        recall_items += recall(
            &e.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            &a.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
        );
    }

    // Random directions: no structure at all, the worst case for any index.
    let mut recall_random = 0.0;
    for _ in 0..probes {
        let q = unit((0..dim).map(|_| rng.gauss()).collect());
        let a = store.search_with(&model.info().id, &q, 10, false).await?;
        let e = store.search_with(&model.info().id, &q, 10, true).await?;
        recall_random += recall(
            &e.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            &a.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
        );
    }

    println!();
    println!("| step ({} queries, {} items) | p50 ms | p95 ms | max ms |", texts.len(), store.count_items().await?);
    println!("|---|---|---|---|");
    summary("text query end to end (`Library::search`, hybrid, limit 20)", end_to_end);
    let (ann_sorted, exact_sorted) = {
        let (mut a, mut e) = (ann.clone(), exact.clone());
        a.sort();
        e.sort();
        (a, e)
    };
    summary("of which: text embedding alone (ViT text encoder, CPU)", embed_only);
    summary("vector search + path lookup, index (IVF-SQ + exact re-rank)", ann);
    summary("vector search + path lookup, exact scan (peer)", exact);
    println!();
    println!(
        "p95 ratio exact / index: {:.1}×",
        percentile(&exact_sorted, 0.95) / percentile(&ann_sorted, 0.95).max(1e-9)
    );
    println!("recall@10 vs exact, text queries: {:.3}", recall_text / texts.len() as f64);
    println!("recall@10 vs exact, {probes} photo-like queries: {:.3}", recall_items / probes as f64);
    println!("recall@10 vs exact, random-direction queries: {:.3}", recall_random / probes as f64);
    Ok(())
}
