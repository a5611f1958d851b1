//! `clipdex watch` keeps the library equal to the folder: new, changed,
//! renamed and deleted files and folders, files still being written, a burst
//! of 5,000 files, and polling when asked.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn photo(name: &str) -> Vec<u8> {
    let p = fixtures().join("photos").join(name);
    std::fs::read(&p).unwrap_or_else(|_| panic!("{} missing: run `python3 scripts/fetch_test_photos.py`", p.display()))
}

/// These tests measure latency; running them side by side on two cores
/// would measure each other. One at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

struct Watcher {
    child: Child,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_watch(lib: &Path, folder: &Path, extra: &[&str]) -> Watcher {
    let model = fixtures().join("tiny-clip");
    let mut child = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .arg("watch")
        .arg(folder)
        .arg("--model")
        .arg(&model)
        .arg("--json")
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn watch");
    let stdout = child.stdout.take().expect("stdout");
    let events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = events.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                sink.lock().expect("lock").push(v);
            }
        }
    });
    let w = Watcher { child, events };
    wait_for("the first reconcile", Duration::from_secs(30), || {
        w.events.lock().expect("lock").iter().any(|e| e["event"] == "reconciled")
    });
    w
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn status(lib: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .args(["status", "--json"])
        .output()
        .expect("status");
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn files(lib: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .args(["search", "a photo", "--limit", "10000", "--mode", "vector", "--min-score", "-1", "--json"])
        .output()
        .expect("search");
    let mut paths: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .flat_map(|h| h["paths"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    paths.sort();
    paths
}

fn rel(folder: &Path, paths: &[String]) -> Vec<String> {
    paths.iter().map(|p| p.strip_prefix(&format!("{}/", folder.display())).unwrap_or(p).to_string()).collect()
}

#[test]
fn changes_show_up_within_seconds() {
    let _one = serial();
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("folder");
    let d = dir.path().canonicalize().expect("canon");
    std::fs::write(d.join("coffee.png"), photo("coffee.png")).expect("w");
    let w = start_watch(lib.path(), &d, &[]);
    let s = status(lib.path());
    assert_eq!(s["watching"][0]["mode"], "events", "{s}");
    assert_eq!(rel(&d, &files(lib.path())), ["coffee.png"]);
    // Idle, it stays idle: its own reconcile reading the folder is no change
    // (it once counted those and ran again every second).
    let reconciled = || w.events.lock().expect("l").iter().filter(|e| e["event"] == "reconciled").count();
    let idle = reconciled();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(reconciled(), idle, "nothing changed, yet it reconciled again");

    // "Within a few seconds": typically under two here; the bound leaves room for a loaded machine.
    let limit = Duration::from_secs(15);
    // New file.
    std::fs::write(d.join("cat.png"), photo("chelsea.png")).expect("w");
    wait_for("a new file", limit, || rel(&d, &files(lib.path())) == ["cat.png", "coffee.png"]);
    // The rows are written before the run reports (it describes and tidies
    // first): count embeddings from the events only once they are in.
    let embedded = || -> u64 { w.events.lock().expect("l").iter().filter_map(|e| e["indexed"].as_u64()).sum() };
    wait_for("the new file's run to report", limit, || embedded() == 2);
    // Renamed file: same item, new path, nothing re-embedded.
    let runs_before = reconciled();
    std::fs::rename(d.join("cat.png"), d.join("kitten.png")).expect("mv");
    wait_for("a rename", limit, || rel(&d, &files(lib.path())) == ["coffee.png", "kitten.png"]);
    wait_for("the rename's run to report", limit, || reconciled() > runs_before);
    assert_eq!(embedded(), 2, "a rename re-embeds nothing");
    // Changed file: new content at the same path.
    std::fs::write(d.join("coffee.png"), photo("rocket.jpg")).expect("w");
    wait_for("a changed file", limit, || status(lib.path())["items"] == 2 && status(lib.path())["files"] == 2);
    // A new folder, then renamed, then deleted.
    std::fs::create_dir(d.join("trip")).expect("mkdir");
    std::fs::write(d.join("trip/a.png"), photo("astronaut.png")).expect("w");
    std::fs::write(d.join("trip/b.png"), photo("camera.png")).expect("w");
    wait_for("a new folder", limit, || files(lib.path()).len() == 4);
    std::fs::rename(d.join("trip"), d.join("holiday")).expect("mv dir");
    wait_for("a renamed folder", limit, || {
        rel(&d, &files(lib.path())) == ["coffee.png", "holiday/a.png", "holiday/b.png", "kitten.png"]
    });
    std::fs::remove_dir_all(d.join("holiday")).expect("rm dir");
    std::fs::remove_file(d.join("kitten.png")).expect("rm");
    wait_for("deletions", limit, || rel(&d, &files(lib.path())) == ["coffee.png"]);
    assert_eq!(status(lib.path())["items"], 1, "items nobody holds are collected");

    // A file written slowly is not read until it is complete: no failure for it, ever.
    let png = photo("motorcycle_left.png");
    let mut f = std::fs::File::create(d.join("slow.png")).expect("create");
    for part in png.chunks(png.len() / 8 + 1) {
        f.write_all(part).expect("write");
        f.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(250));
    }
    drop(f);
    wait_for("the slow file", limit, || files(lib.path()).len() == 2);
    let failed: u64 = w.events.lock().expect("l").iter().filter_map(|e| e["failed"].as_u64()).sum();
    assert_eq!(failed, 0, "no reconcile read a half-written file: {:?}", w.events.lock().expect("l"));
    assert!(status(lib.path())["failures"].as_array().expect("f").is_empty());
}

#[test]
fn a_burst_of_5000_files_ends_equal_to_the_folder() {
    let _one = serial();
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("folder");
    let d = dir.path().canonicalize().expect("canon");
    let _w = start_watch(lib.path(), &d, &[]);

    // 5,000 distinct small pictures, written as fast as the disk takes them.
    let n = 5000;
    let started = Instant::now();
    for i in 0..n {
        let sub = d.join(format!("batch{}", i % 10));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let img =
            image::RgbImage::from_fn(24, 24, |x, y| image::Rgb([(i % 251) as u8, (i / 251) as u8, (x * 10 + y) as u8]));
        img.save(sub.join(format!("{i:05}.png"))).expect("save");
    }
    let written = started.elapsed();
    wait_for("5,000 files", Duration::from_secs(240), || status(lib.path())["files"] == n);
    let caught_up = started.elapsed();
    eprintln!("burst: wrote {n} files in {written:?}; index equal to the folder after {caught_up:?}");

    let out = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib.path())
        .args(["verify", "--json"])
        .output()
        .expect("verify");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["consistent"], true, "{v}");
    assert_eq!((v["files"].as_u64(), v["items"].as_u64(), v["stale"].as_u64()), (Some(n), Some(n), Some(0)), "{v}");
}

#[test]
fn polling_when_asked_still_keeps_up() {
    let _one = serial();
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("folder");
    let d = dir.path().canonicalize().expect("canon");
    let _w = start_watch(lib.path(), &d, &["--poll"]);
    let s = status(lib.path());
    assert_eq!(s["watching"][0]["mode"], "polling (asked for)", "{s}");
    std::fs::write(d.join("coins.png"), photo("coins.png")).expect("w");
    wait_for("a new file while polling", Duration::from_secs(20), || files(lib.path()).len() == 1);
}
