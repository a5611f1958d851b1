//! The index stays equal to the folders: moves, copies, deletes, folder
//! removal, one writer at a time, and SIGKILL after commits (kills at any
//! moment, before the first commit too, are `scripts/kill-test.sh`'s soak).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

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

/// What the library's own rows say, read straight from it (not through
/// `verify`): every indexed path with its content id.
fn indexed(lib: &Path) -> BTreeMap<PathBuf, String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let l = clipdex_library::Library::open(lib).await.expect("the library opens after a kill");
        l.files().await.expect("files").into_iter().map(|f| (PathBuf::from(f.path), f.id)).collect()
    })
}

/// A file's content id, computed here from its bytes.
fn id_of(path: &Path) -> String {
    blake3::hash(&std::fs::read(path).expect("read")).to_hex().to_string()
}

/// A small PNG whose pixels are its own (`seed`), so every file is an item.
fn write_png(path: &Path, seed: usize) {
    let img = image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([
            (seed % 251) as u8,
            ((seed / 251) % 251) as u8,
            ((x as usize * 7 + y as usize * 3 + seed) % 256) as u8,
        ])
    });
    img.save(path).expect("write png");
}

/// SIGKILL five times, each time after the run's first commit (so a commit
/// is followed by more work that is killed midway). After every kill the
/// library opens, and every file that was indexed and left unchanged before
/// the run is still there with the same id, read from the library's rows.
/// Every row is a file on disk, and new rows hold the id of the bytes on
/// disk. A last run then makes the indexed paths equal to a directory walk,
/// each with the id of its bytes.
#[test]
fn sigkill_after_commits_loses_nothing() {
    let lib = tempfile::tempdir().expect("lib");
    let dir = tempfile::tempdir().expect("photos");
    let model = fixtures().join("tiny-clip");
    let mut seed = 0;
    let add = |n: usize, seed: &mut usize| {
        for _ in 0..n {
            let sub = dir.path().join(format!("set{}", *seed % 3));
            std::fs::create_dir_all(&sub).expect("mkdir");
            write_png(&sub.join(format!("{:05}.png", *seed)), *seed);
            *seed += 1;
        }
    };
    // More than one write batch (256) of work per run, so a run commits before it ends.
    add(400, &mut seed);

    let mut kills = 0;
    for round in 0..10 {
        if kills == 5 {
            break;
        }
        let before = indexed(lib.path());
        // Change every fourth indexed file and add new ones: work for this run.
        let changed: Vec<PathBuf> = before.keys().filter(|p| p.is_file()).step_by(4).cloned().collect();
        for p in &changed {
            write_png(p, 100_000 + seed);
            seed += 1;
        }
        if round > 0 {
            add(300, &mut seed);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_clipdex"))
            .arg("--library")
            .arg(lib.path())
            .args(["index", dir.path().to_str().expect("u"), "--model", model.to_str().expect("u")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Wait for the run's first commit: the rows differ from before.
        let deadline = Instant::now() + Duration::from_secs(120);
        let committed = loop {
            if child.try_wait().expect("poll").is_some() || Instant::now() > deadline {
                break false;
            }
            if indexed(lib.path()) != before {
                break true;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if committed && child.try_wait().expect("poll").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        child.wait().expect("reap");

        let after = indexed(lib.path());
        for (p, id) in before.iter().filter(|(p, _)| !changed.contains(p)) {
            assert_eq!(after.get(p), Some(id), "round {round}: {} was indexed and unchanged, and is lost", p.display());
        }
        for (p, id) in &after {
            assert!(p.is_file(), "round {round}: a row for a file that is not there: {}", p.display());
            if !before.contains_key(p) {
                assert_eq!(id, &id_of(p), "round {round}: a new row does not hold its bytes' id: {}", p.display());
            }
        }
        let v = verify(lib.path());
        assert_eq!(v["consistent"], true, "after round {round}: {v}");
        assert_eq!(v["duplicate_files"], 0, "{v}");
    }
    assert_eq!(kills, 5, "runs ended before their first commit could be followed by a kill; the test proves little");

    // A last run completes the index: the folder's walk, each file with its bytes' id.
    let done = index(lib.path(), dir.path());
    assert_eq!(done["failed"].as_array().expect("failed").len(), 0, "{done}");
    let on_disk: BTreeMap<PathBuf, String> =
        walk_files(dir.path()).into_iter().map(|p| (p.clone(), id_of(&p))).collect();
    let rows: BTreeMap<PathBuf, String> = indexed(lib.path());
    let canon = |m: BTreeMap<PathBuf, String>| -> BTreeMap<PathBuf, String> {
        m.into_iter().map(|(p, id)| (p.canonicalize().expect("canonical"), id)).collect()
    };
    assert_eq!(canon(rows), canon(on_disk));
    let v = verify(lib.path());
    assert_eq!(
        (v["consistent"].clone(), v["stale"].clone(), v["unreferenced_items"].clone()),
        (json!(true), json!(0), json!(0)),
        "{v}"
    );
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
