//! The index stays equal to the folders: moves, copies, deletes, folder
//! removal, one writer at a time, and SIGKILL at random moments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn clipdex(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .args(args)
        .env_remove("CLIPDEX_MODEL")
        .output()
        .expect("run clipdex")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "clipdex failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn index(lib: &Path, folder: &Path) -> Value {
    let model = fixtures().join("tiny-clip");
    json(&clipdex(lib, &["index", folder.to_str().expect("utf8"), "--model", model.to_str().expect("utf8"), "--json"]))
}

fn photo(name: &str) -> PathBuf {
    let p = fixtures().join("photos").join(name);
    assert!(p.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", p.display());
    p
}

#[test]
fn moves_copies_and_deletes_keep_the_index_equal_to_the_folder() {
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("photos");
    let d = dir.path();
    for f in ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"] {
        std::fs::copy(photo(f), d.join(f)).expect("copy");
    }
    let first = index(lib.path(), d);
    assert_eq!((first["indexed"].as_u64(), first["reused"].as_u64()), (Some(4), Some(0)));

    // Rename one into a new folder, copy another, delete a third.
    std::fs::create_dir(d.join("trip")).expect("mkdir");
    std::fs::rename(d.join("astronaut.png"), d.join("trip/space.png")).expect("move");
    std::fs::copy(d.join("chelsea.png"), d.join("chelsea copy.png")).expect("copy");
    std::fs::remove_file(d.join("coffee.png")).expect("delete");

    let started = Instant::now();
    let second = index(lib.path(), d);
    let took = started.elapsed();
    assert_eq!(second["indexed"], 0, "nothing re-embedded: {second}");
    assert_eq!(second["reused"], 2, "the moved and the copied file reuse their items: {second}");
    assert_eq!(second["skipped"], 2);
    assert_eq!(second["removed"], 2, "the old name and the deleted file are forgotten: {second}");
    eprintln!("re-index after a move took {took:?}");

    let status = json(&clipdex(lib.path(), &["status", "--json"]));
    assert_eq!(status["files"], 4);
    assert_eq!(status["items"], 3, "a copy is stored once");

    // Search shows the copy's paths together; the old paths are gone.
    let out = clipdex(lib.path(), &["search", "a cat", "--limit", "10", "--min-score", "-1", "--json"]);
    let hits: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("hit")).collect();
    assert_eq!(hits.len(), 3);
    let cat = hits.iter().find(|h| h["path"].as_str().expect("p").ends_with("chelsea copy.png")).expect("chelsea");
    assert_eq!(cat["paths"].as_array().expect("paths").len(), 2);
    let all: Vec<&str> =
        hits.iter().flat_map(|h| h["paths"].as_array().expect("p").iter().map(|p| p.as_str().expect("s"))).collect();
    assert!(all.iter().any(|p| p.ends_with("trip/space.png")));
    assert!(!all.iter().any(|p| p.ends_with("astronaut.png") || p.ends_with("coffee.png")), "{all:?}");

    // Forgetting the folder removes its items; the files stay on disk.
    let out = clipdex(lib.path(), &["remove", d.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = json(&clipdex(lib.path(), &["status", "--json"]));
    assert_eq!((status["files"].as_u64(), status["items"].as_u64()), (Some(0), Some(0)), "{status}");
    assert!(d.join("trip/space.png").is_file());
    let verify = json(&clipdex(lib.path(), &["verify", "--json"]));
    assert_eq!(verify["consistent"], true, "{verify}");
}

#[tokio::test]
async fn a_second_writer_waits_then_fails_clearly() {
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("photos");
    std::fs::copy(photo("coffee.png"), dir.path().join("coffee.png")).expect("copy");
    std::fs::create_dir_all(lib.path()).expect("mkdir");

    let lock = clipdex_library::WriterLock::acquire(lib.path(), Duration::ZERO).await.expect("take the lock");
    let model = fixtures().join("tiny-clip");
    let started = Instant::now();
    let out = clipdex(
        lib.path(),
        &["index", dir.path().to_str().expect("u"), "--model", model.to_str().expect("u"), "--wait", "1"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("error[library_busy]") && err.contains(&format!("pid {}", std::process::id())), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited first");

    // Readers are not blocked by a writer.
    let out = clipdex(lib.path(), &["status", "--json"]);
    assert!(out.status.success());

    drop(lock);
    let summary = index(lib.path(), dir.path());
    assert_eq!(summary["indexed"], 1);
}

/// Copies of the test photos, each made unique by bytes after the image's
/// end marker (which decoders ignore), so every file is its own item.
fn unique_photos(dir: &Path, n: usize) {
    let names = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "camera.png", "rocket.jpg"];
    for i in 0..n {
        let name = names[i % names.len()];
        let mut bytes = std::fs::read(photo(name)).expect("read");
        bytes.extend_from_slice(format!("clipdex-test-{i}").as_bytes());
        let sub = dir.join(format!("set{}", i % 3));
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join(format!("{i:04}-{name}")), bytes).expect("write");
    }
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).expect("dir").flatten() {
        for f in std::fs::read_dir(sub.path()).expect("sub").flatten() {
            out.push(f.path());
        }
    }
    out.sort();
    out
}

fn verify(lib: &Path) -> Value {
    let out = clipdex(lib, &["verify", "--json"]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("verify failed: {}", String::from_utf8_lossy(&out.stderr)))
}

/// SIGKILL during indexing, at moments spread over the run (commits
/// included), must leave a library that opens, has no duplicate or dangling
/// rows, and whose every file is indexed with a matching hash or re-queued.
#[test]
fn sigkill_at_random_moments_loses_nothing() {
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("photos");
    let n = 150;
    unique_photos(dir.path(), n);
    let model = fixtures().join("tiny-clip");

    let mut kills = 0;
    // Deterministic spread of kill times (ms), from the very start to late in a run.
    for (round, delay) in [40u64, 250, 600, 900, 1300].into_iter().enumerate() {
        // Change a third of the files so every run has hashing, embedding and commits to be killed in.
        if round > 0 {
            for (i, e) in walk_files(dir.path()).into_iter().enumerate() {
                if (i + round) % 3 == 0 {
                    let mut bytes = std::fs::read(&e).expect("read");
                    bytes.extend_from_slice(format!("r{round}").as_bytes());
                    std::fs::write(&e, bytes).expect("write");
                }
            }
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_clipdex"))
            .arg("--library")
            .arg(lib.path())
            .args(["index", dir.path().to_str().expect("u"), "--model", model.to_str().expect("u")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().expect("poll").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        child.wait().expect("reap");
        let v = verify(lib.path());
        assert_eq!(v["consistent"], true, "after kill {round} at {delay} ms: {v}");
        // New files this round are only ever added; nothing seen twice.
        assert_eq!(v["duplicate_files"], 0);
    }
    assert!(kills >= 3, "the runs ended before they could be killed ({kills} kills); the test proves little");

    // A final run completes the index: equal to the folder, consistent.
    let done = index(lib.path(), dir.path());
    assert_eq!(done["failed"].as_array().expect("failed").len(), 0, "{done}");
    let v = verify(lib.path());
    assert_eq!(v["consistent"], true, "{v}");
    assert_eq!(v["files"], n, "{v}");
    assert_eq!(v["items"], n, "{v}");
    assert_eq!(v["stale"], 0, "{v}");
    assert_eq!(v["unreferenced_items"], 0, "{v}");
}

/// A reconcile that finds nothing new (as the watcher runs often) writes no
/// commit, even with a problem on record, so versions do not pile up.
#[test]
fn an_idle_run_writes_nothing() {
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("photos");
    std::fs::copy(photo("coffee.png"), dir.path().join("coffee.png")).expect("copy");
    std::fs::write(dir.path().join("broken.png"), b"\x89PNG\r\n\x1a\n").expect("broken");
    #[cfg(unix)]
    {
        std::fs::create_dir(dir.path().join("loop")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop/back")).expect("symlink");
    }
    index(lib.path(), dir.path());
    let versions = |lib: &Path| json(&clipdex(lib, &["status", "--json"]))["versions"].as_u64().expect("versions");
    let before = versions(lib.path());
    for _ in 0..3 {
        let s = index(lib.path(), dir.path());
        assert_eq!((s["indexed"].as_u64(), s["skipped"].as_u64()), (Some(0), Some(2)), "{s}");
    }
    assert_eq!(versions(lib.path()), before, "idle runs committed nothing");
}
