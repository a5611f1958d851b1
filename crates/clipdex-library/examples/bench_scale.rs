//! A library that already holds N items, for measuring indexing at scale
//! (a benchmark, not a test; `scripts/bench_index.py --scale N` runs it).
//!
//! ```text
//! cargo run --release -p clipdex-library --example bench_scale -- MODEL_DIR LIBRARY_DIR FILES_DIR ITEMS
//! ```
//!
//! Fills LIBRARY_DIR as if the ITEMS files in FILES_DIR had been indexed:
//! FILES_DIR gets ITEMS small files (1,000 a folder), and the library a row
//! for each, with the file's own size and time, its content hash as its id,
//! a synthetic vector, an 8 KiB thumbnail and details with tags, as an
//! indexing run writes them; FILES_DIR is one of its folders. A rescan of
//! FILES_DIR then finds every file unchanged, as a rescan of a real library
//! does, and new photos indexed into LIBRARY_DIR pay what a library of that
//! size costs. Writing real pixels for 100,000 files would take hours of
//! inference that this measurement does not need.
//!
//! The model's tag vocabulary comes from the shared cache (`CLIPDEX_CACHE`,
//! prepared by a one-photo run if it is not there). A filled library is reused.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clipdex_library::{open_model, Cancel, Library, Vocabulary};
use clipdex_store::{FileRecord, FileStamp, Store, Tag};

#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::{item, unit, Rng};

fn mtime_ns(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: bench_scale MODEL_DIR LIBRARY_DIR FILES_DIR ITEMS");
        std::process::exit(2);
    }
    let (model_dir, lib_dir) = (PathBuf::from(&args[1]), PathBuf::from(&args[2]));
    let n: usize = args[4].parse()?;
    std::fs::create_dir_all(&args[3])?;
    let files_dir = Path::new(&args[3]).canonicalize()?;
    let model = open_model(&model_dir, &[]).await?;
    let mut lib = Library::open(&lib_dir).await?;
    if let Some(shared) = std::env::var_os("CLIPDEX_CACHE") {
        lib.share_cache(PathBuf::from(shared));
    }
    let store = Store::open(&lib_dir).await?;
    let have = store.count_items().await?;
    if have >= n {
        println!("{lib_dir:?} already holds {have} items");
        return Ok(());
    }

    // One real photo records the model and gives the key real tags carry.
    let t = Instant::now();
    let seed_dir = lib_dir.with_extension("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let img = image::RgbImage::from_fn(64, 48, |x, y| [x as u8 * 4, y as u8 * 5, 90].into());
    img.save(seed_dir.join("seed.png"))?;
    lib.index_with(std::slice::from_ref(&seed_dir), model.clone(), Vocabulary::Prepare, &Cancel::new(), |_| {}).await?;
    let seeded = lib.item_details(&seed_dir.join("seed.png").to_string_lossy()).await?;
    let tags_model = seeded.map(|d| d.tags_model).ok_or("the seed photo was not described")?;
    println!("seed run (model, tag vocabulary): {:.1} s; tags key {tags_model}", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let dim = model.info().dim;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let centres: Vec<Vec<f32>> = (0..256).map(|_| unit((0..dim).map(|_| rng.gauss()).collect())).collect();
    let thumb: Vec<u8> = (0..8192).map(|_| rng.next() as u8).collect();
    let words = ["beach", "dog", "birthday", "snow", "city", "garden", "car", "mountain"];
    let root = files_dir.to_string_lossy().into_owned();
    store.add_roots(std::slice::from_ref(&root), 0).await?;
    let batch = 5_000;
    let mut i = have;
    while i < n {
        let end = (i + batch).min(n);
        let (mut items, mut files, mut details) = (Vec::new(), Vec::new(), Vec::new());
        for k in i..end {
            let folder = files_dir.join(format!("{:03}", k / 1000));
            std::fs::create_dir_all(&folder)?;
            let path = folder.join(format!("IMG_{k:06}.jpg"));
            let bytes = format!("clipdex bench file {k}\n");
            std::fs::write(&path, &bytes)?;
            let meta = std::fs::metadata(&path)?;
            let id = blake3::hash(bytes.as_bytes()).to_hex().to_string();
            let c = &centres[(rng.next() % centres.len() as u64) as usize];
            let vector = unit(c.iter().map(|x| x + 0.06 * rng.gauss()).collect());
            items.push(item(&id, &model.info().id, vector, &thumb));
            let tags = vec![Tag { label: words[k % words.len()].into(), score: 0.3 }];
            details.push(synthetic::details(&id, k, tags, &tags_model, ""));
            files.push(FileRecord {
                path: path.to_string_lossy().into_owned(),
                id,
                stamp: FileStamp { size: meta.len(), mtime_ns: mtime_ns(&meta) },
                root: root.clone(),
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
    let t = Instant::now();
    let lib = Library::open(&lib_dir).await?;
    let action = lib.optimize().await?;
    println!("housekeeping (incl. vector index) {action:?} in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}
