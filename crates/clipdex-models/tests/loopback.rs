//! Downloads against a real HTTP server on loopback serving the tiny fixture
//! model the way the Hugging Face hub does (revision API with blob digests,
//! `resolve/<commit>/<path>` with Range support), plus misbehaving servers:
//! one that drops the connection mid-file, one that ignores Range, one that
//! serves a corrupted file.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clipdex_models::{Depth, Entry, Hub, Models, ModelsError, Progress, LAYOUT};
use sha2::Digest as _;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-clip")
}

#[derive(Default)]
struct Behaviour {
    /// Drop the connection after this many body bytes, the first time this file is asked for.
    cut_first: Option<(String, usize)>,
    ignore_range: bool,
    /// Serve this file with one byte flipped.
    corrupt: Option<String>,
    /// Leave this file out of the listing.
    unlisted: Option<String>,
    /// The commit `main` resolves to (default [`COMMIT`]).
    commit: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Logged {
    path: String,
    range: Option<String>,
    status: u16,
}

struct Server {
    endpoint: String,
    log: Arc<Mutex<Vec<Logged>>>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn listing(files: &HashMap<String, Vec<u8>>, unlisted: Option<&str>, commit: &str) -> String {
    let siblings: Vec<serde_json::Value> = files
        .iter()
        .filter(|(p, _)| Some(p.as_str()) != unlisted)
        .map(|(p, b)| {
            let mut git = sha1_smol::Sha1::new();
            git.update(format!("blob {}\0", b.len()).as_bytes());
            git.update(b);
            if b.len() > 100_000 {
                // As on the hub: large files live in LFS with their SHA-256.
                serde_json::json!({"rfilename": p, "size": b.len(), "blobId": "ffff",
                    "lfs": {"sha256": hex(&sha2::Sha256::digest(b)), "size": b.len(), "pointerSize": 134}})
            } else {
                serde_json::json!({"rfilename": p, "size": b.len(), "blobId": git.digest().to_string()})
            }
        })
        .collect();
    serde_json::json!({"id": "test/tiny-clip", "sha": commit, "siblings": siblings}).to_string()
}

fn serve(files: HashMap<String, Vec<u8>>, b: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let (files, b, log2) = (Arc::new(files), Arc::new(b), log.clone());
    let cut_done = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (files, b, log, cut_done) = (files.clone(), b.clone(), log2.clone(), cut_done.clone());
            std::thread::spawn(move || handle(conn, &files, &b, &log, &cut_done));
        }
    });
    Server { endpoint, log }
}

fn handle(
    mut conn: TcpStream,
    files: &HashMap<String, Vec<u8>>,
    b: &Behaviour,
    log: &Mutex<Vec<Logged>>,
    cut_done: &AtomicBool,
) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("range") {
                range = Some(v.trim().to_string());
            }
        }
    }
    let respond = |conn: &mut TcpStream, status: u16, extra: &str, body: &[u8], declared: usize| {
        let reason = match status {
            200 => "OK",
            206 => "Partial Content",
            404 => "Not Found",
            _ => "Other",
        };
        let head =
            format!("HTTP/1.1 {status} {reason}\r\nContent-Length: {declared}\r\nConnection: close\r\n{extra}\r\n");
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(body);
        let _ = conn.flush();
    };
    let api = "/api/models/test/tiny-clip/revision/main?blobs=true";
    if target == api {
        let body = listing(files, b.unlisted.as_deref(), b.commit.unwrap_or(COMMIT));
        log.lock().expect("log").push(Logged { path: target, range, status: 200 });
        respond(&mut conn, 200, "Content-Type: application/json\r\n", body.as_bytes(), body.len());
        return;
    }
    let prefix = format!("/test/tiny-clip/resolve/{}/", b.commit.unwrap_or(COMMIT));
    let Some(path) = target.strip_prefix(&prefix).map(str::to_string) else {
        log.lock().expect("log").push(Logged { path: target, range, status: 404 });
        respond(&mut conn, 404, "", b"", 0);
        return;
    };
    let Some(bytes) = files.get(&path) else {
        log.lock().expect("log").push(Logged { path, range, status: 404 });
        respond(&mut conn, 404, "", b"", 0);
        return;
    };
    let mut bytes = bytes.clone();
    if b.corrupt.as_deref() == Some(path.as_str()) {
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x40;
    }
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|s| s.parse::<usize>().ok());
    let (status, extra, body) = match start {
        Some(s) if !b.ignore_range && s < bytes.len() => {
            (206, format!("Content-Range: bytes {s}-{}/{}\r\n", bytes.len() - 1, bytes.len()), bytes[s..].to_vec())
        }
        _ => (200, String::new(), bytes),
    };
    log.lock().expect("log").push(Logged { path: path.clone(), range, status });
    if let Some((cut_path, n)) = &b.cut_first {
        if *cut_path == path && !cut_done.swap(true, Ordering::SeqCst) {
            // Promise the whole body, send part of it, hang up.
            respond(&mut conn, status, &extra, &body[..(*n).min(body.len())], body.len());
            let _ = conn.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
    respond(&mut conn, status, &extra, &body, body.len());
    let _ = conn.read(&mut [0u8; 1]);
}

fn fixture_files() -> HashMap<String, Vec<u8>> {
    LAYOUT.iter().map(|rel| (rel.to_string(), std::fs::read(fixture().join(rel)).expect("fixture file"))).collect()
}

fn entry() -> Entry {
    Entry {
        id: "tiny-clip-test".into(),
        name: "Tiny CLIP (test)".into(),
        repo: "test/tiny-clip".into(),
        revision: "main".into(),
        commit: None,
        files: LAYOUT.iter().map(|s| s.to_string()).collect(),
        dim: 32,
        image_size: 224,
        context_length: 77,
        text_inputs: vec!["text:int64".into()],
        size_mb: 8,
        languages: vec!["en".into()],
        languages_note: None,
        language_prefix: false,
        licence: "test".into(),
        quality: vec![],
        summary: "fixture".into(),
        fixture: Some("tiny-clip".into()),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn same_as_fixture(dir: &Path) {
    for rel in LAYOUT {
        let a = std::fs::read(dir.join(rel)).expect("installed file");
        let b = std::fs::read(fixture().join(rel)).expect("fixture file");
        assert!(a == b, "{rel} differs from the fixture");
    }
}

fn requests(s: &Server, path: &str) -> Vec<Logged> {
    s.log.lock().expect("log").iter().filter(|l| l.path == path).cloned().collect()
}

#[test]
fn pull_verifies_installs_atomically_and_is_idempotent() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = serve(fixture_files(), Behaviour::default());
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    let mut seen: Vec<Progress> = Vec::new();
    let report = rt()
        .block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |p| seen.push(p.clone())))
        .expect("pull");
    assert!(!report.up_to_date);
    assert_eq!(report.commit, COMMIT);
    same_as_fixture(&report.installed.dir);
    let total: u64 = fixture_files().values().map(|v| v.len() as u64).sum();
    assert_eq!(report.received, total);
    let last = seen.last().expect("progress was reported");
    assert_eq!(last.total, total);
    assert!(seen.windows(2).all(|w| w[1].done >= w[0].done), "progress only moves forward");

    let m = report.installed.manifest.clone().expect("manifest");
    assert_eq!(m.files.len(), LAYOUT.len());
    assert!(
        m.files.iter().any(|f| f.checked == "hub sha256") && m.files.iter().any(|f| f.checked == "hub git blob sha1")
    );
    // No staging left behind; the model is listed.
    let staging: Vec<_> = std::fs::read_dir(tmp.path().join("models/.partial")).expect("staging").collect();
    assert!(staging.is_empty(), "staging is empty after an install");
    let listed = models.installed().expect("list");
    assert_eq!(listed.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["tiny-clip-test"]);

    // Again: nothing is fetched.
    let before = server.log.lock().expect("log").len();
    let again = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect("pull again");
    assert!(again.up_to_date);
    assert_eq!(server.log.lock().expect("log").len(), before + 1, "only the listing was asked for");
}

#[test]
fn a_dropped_connection_resumes_with_a_206() {
    let tmp = tempfile::tempdir().expect("tmp");
    let big = "textual/model.onnx";
    let server = serve(fixture_files(), Behaviour { cut_first: Some((big.into(), 100_000)), ..Behaviour::default() });
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    let report = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect("pull");
    same_as_fixture(&report.installed.dir);
    let log = requests(&server, big);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].range, None);
    assert_eq!(log[1].range.as_deref(), Some("bytes=100000-"), "the retry asks only for the rest");
    assert_eq!(log[1].status, 206);
    assert_eq!(report.restarts, 0);
}

/// Cancels a pull once `big` has `after` bytes on disk; returns the error.
fn pull_cancelled_midway(models: &Models, hub: &Hub, big: &str, after: u64) -> ModelsError {
    let cancel = AtomicBool::new(false);
    let err = rt()
        .block_on(models.pull(hub, &entry(), &cancel, &mut |p| {
            if p.file == big && p.file_done >= after {
                cancel.store(true, Ordering::SeqCst);
            }
        }))
        .expect_err("cancelled");
    err
}

#[test]
fn an_interrupted_pull_resumes_next_time_and_installs_nothing_meanwhile() {
    let tmp = tempfile::tempdir().expect("tmp");
    let big = "textual/model.onnx";
    let server = serve(fixture_files(), Behaviour::default());
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    let err = pull_cancelled_midway(&models, &hub, big, 1_000_000);
    assert!(matches!(err, ModelsError::Cancelled), "{err}");
    assert!(models.installed().expect("list").is_empty(), "nothing is installed by a pull that did not finish");

    let report = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect("resume");
    same_as_fixture(&report.installed.dir);
    assert!(report.resumed >= 1_000_000, "resumed {} bytes", report.resumed);
    let log = requests(&server, big);
    let last = log.last().expect("asked again");
    assert!(last.range.as_deref().is_some_and(|r| r.starts_with("bytes=")), "{log:?}");
    assert_eq!(last.status, 206);
    assert_eq!(report.restarts, 0);
}

#[test]
fn a_server_that_ignores_range_makes_the_file_restart() {
    let tmp = tempfile::tempdir().expect("tmp");
    let big = "textual/model.onnx";
    let server = serve(fixture_files(), Behaviour { ignore_range: true, ..Behaviour::default() });
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    pull_cancelled_midway(&models, &hub, big, 1_000_000);
    let report = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect("pull");
    // Appending the full body to the partial would have made a corrupt file;
    // it restarted instead, and verifies.
    same_as_fixture(&report.installed.dir);
    assert_eq!(report.restarts, 1);
    let log = requests(&server, big);
    let last = log.last().expect("asked again");
    assert!(last.range.is_some() && last.status == 200, "{log:?}");
}

#[test]
fn a_corrupted_file_is_refused_and_nothing_is_installed() {
    let tmp = tempfile::tempdir().expect("tmp");
    for bad in ["visual/model.onnx", "config.json"] {
        let server = serve(fixture_files(), Behaviour { corrupt: Some(bad.into()), ..Behaviour::default() });
        let hub = Hub::new(&server.endpoint).expect("hub");
        let root = tmp.path().join(bad.replace('/', "_"));
        let models = Models::new(root.join("models"));
        let err =
            rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect_err("corrupt");
        assert!(matches!(err, ModelsError::Checksum { .. } | ModelsError::Size { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(bad) && msg.contains("corrupt"), "{msg}");
        assert!(models.get("tiny-clip-test").expect("get").is_none(), "nothing installed");
        let partial = root.join("models/.partial").join(format!("tiny-clip-test@{}", &COMMIT[..12])).join(bad);
        assert!(!partial.exists(), "the corrupt download is deleted, so the next try starts clean");
    }
}

#[test]
fn offline_and_missing_files_say_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let models = Models::new(tmp.path().join("models"));
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let hub = Hub::new(&format!("http://{addr}")).expect("hub");
    let err = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect_err("offline");
    assert!(matches!(err, ModelsError::Offline { .. }), "{err}");
    assert!(err.to_string().contains("copy of its folder or archive"), "says how to install offline: {err}");

    let server =
        serve(fixture_files(), Behaviour { unlisted: Some("textual/tokenizer.json".into()), ..Behaviour::default() });
    let hub = Hub::new(&server.endpoint).expect("hub");
    let err = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect_err("missing");
    assert!(err.to_string().contains("textual/tokenizer.json"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_named_and_the_download_can_resume_later() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = serve(fixture_files(), Behaviour::default());
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    // /dev/full accepts opens and fails every write with ENOSPC.
    let part = tmp.path().join("models/.partial").join(format!("tiny-clip-test@{}", &COMMIT[..12]));
    std::fs::create_dir_all(&part).expect("mkdir");
    std::os::unix::fs::symlink("/dev/full", part.join("config.json")).expect("symlink");
    let err = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect_err("full");
    assert!(matches!(err, ModelsError::DiskFull { .. }), "{err}");
    assert!(err.to_string().contains("resumes"), "{err}");
}

fn tar_gz_of(dir: &Path, prefix: &str, out: &Path) {
    let f = std::fs::File::create(out).expect("create");
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    let mut t = tar::Builder::new(gz);
    t.append_dir_all(prefix, dir).expect("append");
    t.into_inner().expect("tar").finish().expect("gz");
}

fn zip_of(dir: &Path, out: &Path) {
    let f = std::fs::File::create(out).expect("create");
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for rel in LAYOUT {
        z.start_file(rel, opts).expect("start");
        z.write_all(&std::fs::read(dir.join(rel)).expect("read")).expect("write");
    }
    z.finish().expect("finish");
}

#[test]
fn offline_installs_from_a_folder_a_tarball_and_a_zip() {
    let tmp = tempfile::tempdir().expect("tmp");
    let models = Models::new(tmp.path().join("models"));
    let no = AtomicBool::new(false);

    let a = models.install_from("from-folder", &fixture(), &no, &mut |_| {}).expect("folder");
    same_as_fixture(&a.dir);

    let tgz = tmp.path().join("model.tar.gz");
    tar_gz_of(&fixture(), "tiny-clip", &tgz); // files one folder down, as people pack them
    let b = models.install_from("from-tgz", &tgz, &no, &mut |_| {}).expect("tar.gz");
    same_as_fixture(&b.dir);

    let zip = tmp.path().join("model.zip");
    zip_of(&fixture(), &zip);
    let c = models.install_from("from-zip", &zip, &no, &mut |_| {}).expect("zip");
    same_as_fixture(&c.dir);
    assert_eq!(models.installed().expect("list").len(), 3);

    // Not a model, not an archive, nothing there: clear errors, nothing installed.
    let err = models.install_from("x", &fixture().join("visual"), &no, &mut |_| {}).expect_err("not a model");
    assert!(err.to_string().contains("config.json"), "{err}");
    let junk = tmp.path().join("junk.bin");
    std::fs::write(&junk, b"hello").expect("write");
    let err = models.install_from("x", &junk, &no, &mut |_| {}).expect_err("junk");
    assert!(matches!(err, ModelsError::BadArchive { .. } | ModelsError::NotAModel { .. }), "{err}");
    let err = models.install_from("x", &tmp.path().join("nope"), &no, &mut |_| {}).expect_err("missing");
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(models.get("x").expect("get").is_none());
    assert_eq!(models.installed().expect("list").len(), 3);

    assert!(models.remove("from-zip").expect("remove"));
    assert!(!models.remove("from-zip").expect("remove again"));
    assert_eq!(models.installed().expect("list").len(), 2);
}

#[test]
fn archive_entries_outside_the_folder_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("evil.tar");
    {
        let f = std::fs::File::create(&out).expect("create");
        let mut t = tar::Builder::new(f);
        let mut h = tar::Header::new_gnu();
        let body = b"x";
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        // set_path refuses "..", so write the name bytes directly.
        h.as_gnu_mut().expect("gnu").name[..9].copy_from_slice(b"../escape");
        h.set_cksum();
        t.append(&h, &body[..]).expect("append");
        t.finish().expect("finish");
    }
    let models = Models::new(tmp.path().join("models"));
    let err = models.install_from("evil", &out, &AtomicBool::new(false), &mut |_| {}).expect_err("refused");
    assert!(matches!(err, ModelsError::BadArchive { .. } | ModelsError::NotAModel { .. }), "{err}");
    assert!(!tmp.path().join("models/escape").exists() && !tmp.path().join("escape").exists());
}

#[test]
fn damage_after_install_is_caught_before_use() {
    let tmp = tempfile::tempdir().expect("tmp");
    let models = Models::new(tmp.path().join("models"));
    let m = models.install_from("m", &fixture(), &AtomicBool::new(false), &mut |_| {}).expect("install");
    clipdex_models::check_before_use(&m.dir).expect("intact");

    // Same size, different bytes, written later: caught by the quick check.
    let cfg = m.dir.join("visual/preprocess_cfg.json");
    let mut bytes = std::fs::read(&cfg).expect("read");
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    bytes[0] ^= 0x01;
    std::fs::write(&cfg, &bytes).expect("write");
    let err = clipdex_models::check_before_use(&m.dir).expect_err("changed");
    assert!(matches!(err, ModelsError::Damaged { .. }));
    assert!(
        err.to_string().contains("visual/preprocess_cfg.json") && err.to_string().contains("again repairs"),
        "{err}"
    );

    // Truncated and missing files are caught too.
    let m2 = models.install_from("m2", &fixture(), &AtomicBool::new(false), &mut |_| {}).expect("install");
    let onnx = m2.dir.join("visual/model.onnx");
    let f = std::fs::OpenOptions::new().write(true).open(&onnx).expect("open");
    f.set_len(1000).expect("truncate");
    std::fs::remove_file(m2.dir.join("textual/tokenizer.json")).expect("rm");
    let err = clipdex_models::check_before_use(&m2.dir).expect_err("damaged");
    let msg = err.to_string();
    assert!(
        msg.contains("visual/model.onnx is 1000 bytes") && msg.contains("textual/tokenizer.json is missing"),
        "{msg}"
    );

    // A full verify rehashes everything.
    let report = models.verify("m2", Depth::Full).expect("verify");
    assert!(!report.is_intact());
    let ok = models.install_from("m3", &fixture(), &AtomicBool::new(false), &mut |_| {}).expect("install");
    let report = models.verify(&ok.id, Depth::Full).expect("verify");
    assert!(report.is_intact() && report.hashed_bytes > 7_000_000, "{report:?}");
}

#[test]
fn folder_patterns_fetch_external_data_but_not_other_runtimes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut files = fixture_files();
    // As large exports are stored: weights beside model.onnx, and variants for other runtimes.
    files.insert("textual/encoder.layer.0.weight".into(), vec![7u8; 5000]);
    files.insert("visual/model.armnn".into(), vec![1u8; 100]);
    files.insert("visual/fp16/model.onnx".into(), vec![2u8; 100]);
    files.insert("README.md".into(), b"# readme".to_vec());
    let server = serve(files, Behaviour::default());
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    let mut e = entry();
    e.files = vec!["config.json".into(), "visual/*".into(), "textual/*".into()];
    let report = rt().block_on(models.pull(&hub, &e, &AtomicBool::new(false), &mut |_| {})).expect("pull");
    let dir = &report.installed.dir;
    same_as_fixture(dir);
    assert_eq!(std::fs::read(dir.join("textual/encoder.layer.0.weight")).expect("external data"), vec![7u8; 5000]);
    assert!(
        !dir.join("visual/model.armnn").exists()
            && !dir.join("visual/fp16").exists()
            && !dir.join("README.md").exists()
    );
    let m = report.installed.manifest.expect("manifest");
    assert_eq!(m.files.len(), LAYOUT.len() + 1);
    // The external-data file is part of the integrity check.
    std::fs::remove_file(dir.join("textual/encoder.layer.0.weight")).expect("rm");
    assert!(clipdex_models::check_before_use(dir).is_err());
}

/// Every file under `dir`, relative, for "nothing was written there" checks.
fn all_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).expect("under").display().to_string());
            }
        }
    }
    out
}

#[test]
fn a_listed_name_that_would_escape_on_windows_is_refused_everywhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let evil = "visual/..\\..\\..\\PWNED.bat";
    let mut files = fixture_files();
    files.insert(evil.into(), b"@echo pwned".to_vec());
    let server = serve(files, Behaviour::default());
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    let mut e = entry();
    e.files = vec!["config.json".into(), "visual/*".into(), "textual/*".into()];
    let err = rt().block_on(models.pull(&hub, &e, &AtomicBool::new(false), &mut |_| {})).expect_err("refused");
    assert!(matches!(err, ModelsError::BadListing { .. }) && err.to_string().contains("unsafe"), "{err}");
    let log = server.log.lock().expect("log").clone();
    assert_eq!(log.len(), 1, "only the listing was read, no file fetched: {log:?}");
    assert!(all_files(tmp.path()).is_empty(), "nothing written: {:?}", all_files(tmp.path()));
}

#[test]
fn a_pinned_commit_refuses_a_moved_branch() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = serve(fixture_files(), Behaviour::default());
    let hub = Hub::new(&server.endpoint).expect("hub");
    let models = Models::new(tmp.path().join("models"));
    let mut e = entry();
    e.commit = Some("89abcdef0123456789abcdef0123456789abcdef".into());
    let err = rt().block_on(models.pull(&hub, &e, &AtomicBool::new(false), &mut |_| {})).expect_err("moved");
    assert!(matches!(err, ModelsError::RevisionMoved { .. }) && err.to_string().contains(COMMIT), "{err}");
    assert_eq!(server.log.lock().expect("log").len(), 1, "nothing fetched");
    e.commit = Some(COMMIT.into());
    rt().block_on(models.pull(&hub, &e, &AtomicBool::new(false), &mut |_| {})).expect("the pinned commit installs");
}

#[test]
fn plain_http_off_this_machine_is_refused() {
    let err = Hub::new("http://huggingface.co").err().expect("refused");
    assert!(matches!(err, ModelsError::BadEndpoint { .. }) && err.to_string().contains("https"), "{err}");
    Hub::new("https://huggingface.co").expect("https is fine");
}

#[test]
fn a_pull_never_replaces_an_installed_model_with_other_bytes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let models = Models::new(tmp.path().join("models"));
    let first = serve(fixture_files(), Behaviour::default());
    let hub = Hub::new(&first.endpoint).expect("hub");
    let report = rt().block_on(models.pull(&hub, &entry(), &AtomicBool::new(false), &mut |_| {})).expect("pull");
    let before = report.installed.manifest.expect("manifest").content_digest();

    // The hub's main moved to a commit whose text weights differ by one byte.
    let mut moved = fixture_files();
    let w = moved.get_mut("textual/model.onnx").expect("weights");
    let mid = w.len() / 2;
    w[mid] ^= 0x01;
    let second =
        serve(moved, Behaviour { commit: Some("fedcba9876543210fedcba9876543210fedcba98"), ..Behaviour::default() });
    let hub2 = Hub::new(&second.endpoint).expect("hub");
    let err = rt().block_on(models.pull(&hub2, &entry(), &AtomicBool::new(false), &mut |_| {})).expect_err("kept");
    assert!(matches!(err, ModelsError::WouldReplace { .. }), "{err}");
    assert!(err.to_string().contains("remove tiny-clip-test first"), "says the way on: {err}");
    assert_eq!(requests(&second, "textual/model.onnx").len(), 0, "nothing downloaded");
    let kept = models.get("tiny-clip-test").expect("get").expect("still installed");
    same_as_fixture(&kept.dir);
    assert_eq!(kept.manifest.expect("manifest").content_digest(), before);

    // A local copy with other bytes is refused too; the same bytes are fine.
    let other = tmp.path().join("other");
    copy_dir(&fixture(), &other);
    let onnx = other.join("textual/model.onnx");
    let mut bytes = std::fs::read(&onnx).expect("read");
    bytes[mid] ^= 0x01;
    std::fs::write(&onnx, bytes).expect("write");
    let no = AtomicBool::new(false);
    let err = models.install_from("tiny-clip-test", &other, &no, &mut |_| {}).expect_err("kept");
    assert!(matches!(err, ModelsError::WouldReplace { .. }), "{err}");
    same_as_fixture(&models.get("tiny-clip-test").expect("get").expect("installed").dir);
    let other_id = models.install_from("tiny-clip-other", &other, &no, &mut |_| {}).expect("another id");
    assert_ne!(other_id.manifest.expect("manifest").content_digest(), before, "a changed byte changes the digest");
    models.install_from("same", &fixture(), &no, &mut |_| {}).expect("install");
    models.install_from("same", &fixture(), &no, &mut |_| {}).expect("the same bytes again");
}

fn copy_dir(from: &Path, to: &Path) {
    for rel in all_files(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(&rel), &dest).expect("copy");
    }
}

#[test]
fn offline_installs_keep_external_data_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("export");
    copy_dir(&fixture(), &src);
    std::fs::write(src.join("textual/encoder.layer.0.weight"), vec![7u8; 5000]).expect("write");
    std::fs::write(src.join("visual/model.onnx.data"), vec![9u8; 3000]).expect("write");
    std::fs::write(src.join("visual/model.rknn"), vec![1u8; 10]).expect("write");
    let models = Models::new(tmp.path().join("models"));
    let no = AtomicBool::new(false);
    let tgz = tmp.path().join("export.tar.gz");
    tar_gz_of(&src, "export", &tgz);
    for (id, from) in [("from-folder", src.as_path()), ("from-tgz", tgz.as_path())] {
        let m = models.install_from(id, from, &no, &mut |_| {}).expect("install");
        assert_eq!(std::fs::read(m.dir.join("textual/encoder.layer.0.weight")).expect("copied"), vec![7u8; 5000]);
        assert_eq!(std::fs::read(m.dir.join("visual/model.onnx.data")).expect("copied"), vec![9u8; 3000]);
        assert!(!m.dir.join("visual/model.rknn").exists(), "other runtimes' files are left");
        assert_eq!(m.manifest.expect("manifest").files.len(), LAYOUT.len() + 2, "{id}");
    }
}

#[test]
fn a_compression_bomb_stops_at_the_cap() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bomb = tmp.path().join("bomb.tar.gz");
    {
        let f = std::fs::File::create(&bomb).expect("create");
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        let mut t = tar::Builder::new(gz);
        let size: u64 = 80 << 20; // well over the 64 MB floor for an archive this small
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_path("m/visual/model.onnx").expect("path");
        h.set_cksum();
        t.append(&h, std::io::repeat(0).take(size)).expect("append");
        t.into_inner().expect("tar").finish().expect("gz");
    }
    assert!(std::fs::metadata(&bomb).expect("meta").len() < 1 << 20, "the bomb is small");
    let models = Models::new(tmp.path().join("models"));
    let err = models.install_from("bomb", &bomb, &AtomicBool::new(false), &mut |_| {}).expect_err("refused");
    assert!(matches!(err, ModelsError::TooLarge { .. }) && err.to_string().contains("64 MB"), "{err}");
    assert!(all_files(&tmp.path().join("models")).is_empty(), "nothing left behind");
}
