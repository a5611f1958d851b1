//! End to end through the real binary: index a folder of real photos with the
//! fixture model, search it, and check hits and scores against the vectors the
//! reference implementation computed (tests/fixtures/tiny-clip-reference.json).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn model_dir() -> PathBuf {
    fixtures().join("tiny-clip")
}

fn clipdex(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clipdex"));
    c.args(args).env_remove("CLIPDEX_MODEL").env_remove("CLIPDEX_LIBRARY");
    // Each library its own shared cache: no test sees a vocabulary another prepared.
    if let Some(lib) = args.iter().position(|a| *a == "--library").and_then(|i| args.get(i + 1)) {
        c.env("CLIPDEX_CACHE", Path::new(lib).join("test-shared-cache"));
    }
    c.output().expect("run clipdex")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "clipdex failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("tiny-clip-reference.json")).expect("ref"))
        .expect("json")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("num") as f32).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A folder of the reference photos, plus a damaged file and a stray text file.
fn photo_folder() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let r = reference();
    let mut names = Vec::new();
    for img in r["images"].as_array().expect("images") {
        let name = img["file"].as_str().expect("file");
        let src = fixtures().join("photos").join(name);
        assert!(src.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", src.display());
        let sub = if names.len() % 2 == 0 { dir.path().join("album") } else { dir.path().to_path_buf() };
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::copy(&src, sub.join(name)).expect("copy");
        names.push(name.to_string());
    }
    let png = std::fs::read(fixtures().join("photos").join("astronaut.png")).expect("png");
    std::fs::write(dir.path().join("broken.png"), &png[..png.len() / 3]).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a photo").expect("write");
    (dir, names)
}

#[test]
fn index_search_status_and_embed_on_real_photos() {
    let (photos, names) = photo_folder();
    let lib = tempfile::tempdir().expect("lib");
    let lib_s = lib.path().to_str().expect("utf8");
    let photos_s = photos.path().to_str().expect("utf8");
    let model_s = model_dir().to_str().expect("utf8").to_string();

    // Index: every photo in, the damaged file recorded with a reason, the text file ignored.
    let out = clipdex(&["--library", lib_s, "index", photos_s, "--model", &model_s, "--json"]);
    let summary: Value = serde_json::from_str(ok(&out).trim()).expect("summary json");
    assert_eq!(summary["indexed"], names.len());
    assert_eq!(summary["skipped"], 0);
    let failed = summary["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{summary}");
    assert!(failed[0]["path"].as_str().expect("p").ends_with("broken.png"));
    assert!(failed[0]["reason"].as_str().expect("r").contains("damaged"), "{summary}");
    // Searchable at once: the tag vocabulary is not prepared by default, so
    // every photo waits for its tags; the run says where its time went.
    assert_eq!(summary["tags_waiting"], names.len(), "{summary}");
    assert!(summary["timings"]["inference"].as_f64() > Some(0.0), "{summary}");
    assert!(summary["timings"]["cpu_decode"].as_f64() > Some(0.0), "{summary}");
    assert_eq!(summary["timings"]["vocabulary"].as_f64(), Some(0.0), "{summary}");
    let plain = ok(&clipdex(&["--library", lib_s, "index", photos_s, "--model", &model_s]));
    assert!(plain.contains(&format!("{} items waiting for tags", names.len())), "{plain}");

    // Running again skips everything unchanged.
    let again: Value = serde_json::from_str(
        ok(&clipdex(&["--library", lib_s, "index", photos_s, "--model", &model_s, "--json"])).trim(),
    )
    .expect("json");
    assert_eq!(again["indexed"], 0);
    assert_eq!(again["skipped"], names.len() + 1, "{again}");

    // Search uses the library's model without being told, and ranks exactly as
    // the reference vectors say, with the same cosine scores.
    let r = reference();
    for t in r["texts"].as_array().expect("texts").iter().take(4) {
        let text = t["text"].as_str().expect("text");
        let tv = floats(&t["vector"]);
        let mut expected: Vec<(String, f32)> = r["images"]
            .as_array()
            .expect("images")
            .iter()
            .map(|i| (i["file"].as_str().expect("f").to_string(), dot(&tv, &floats(&i["vector"]))))
            .collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1));

        let out = ok(&clipdex(&[
            "--library",
            lib_s,
            "search",
            text,
            "--limit",
            "5",
            "--mode",
            "vector",
            "--min-score",
            "-1",
            "--json",
        ]));
        let hits: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("hit json")).collect();
        assert_eq!(hits.len(), 5);
        for (hit, (name, score)) in hits.iter().zip(&expected) {
            let path = hit["path"].as_str().expect("path");
            let got = hit["score"].as_f64().expect("score") as f32;
            assert!(Path::new(path).is_absolute());
            assert!((got - score).abs() < 2e-3, "{text:?}: {path} scored {got}, reference {score}");
            // Ties within the tolerance may swap; otherwise the order is the reference's.
            if !path.ends_with(name.as_str()) {
                let mine = expected.iter().find(|(n, _)| path.ends_with(n.as_str())).expect("known photo").1;
                assert!((mine - score).abs() < 2e-3, "{text:?}: got {path} where the reference ranks {name}");
            }
        }
        let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().expect("s")).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    }

    // Status tells items, model and failures.
    let status: Value =
        serde_json::from_str(ok(&clipdex(&["--library", lib_s, "status", "--json"])).trim()).expect("status");
    assert_eq!(status["items"], names.len());
    assert!(status["model"]["id"].as_str().expect("id").starts_with("tiny-clip@"));
    assert_eq!(status["model"]["dim"], 32);
    assert_eq!(status["failures"].as_array().expect("f").len(), 1);
    let plain = ok(&clipdex(&["--library", lib_s, "status"]));
    assert!(plain.contains("items    8") && plain.contains("broken.png"), "{plain}");

    // Embed keeps input order across --image and --text.
    let img = photos.path().join("chelsea.png");
    let img_s = img.to_str().expect("utf8");
    let out =
        ok(&clipdex(&["embed", "--model", &model_s, "--text", "a cat", "--image", img_s, "--text", "", "--json"]));
    let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().expect("k")).collect();
    assert_eq!(kinds, ["text", "image", "text"]);
    assert_eq!(rows[1]["input"], img_s);
    let chelsea = r["images"].as_array().expect("i").iter().find(|i| i["file"] == "chelsea.png").expect("chelsea");
    let v = floats(&rows[1]["vector"]);
    assert!(dot(&v, &floats(&chelsea["vector"])) > 0.9995);
    assert!((dot(&v, &v) - 1.0).abs() < 1e-4);
}

#[test]
fn errors_are_clear_and_go_to_stderr() {
    let lib = tempfile::tempdir().expect("lib");
    let lib_s = lib.path().to_str().expect("utf8");
    let photos = fixtures().join("photos");
    let photos_s = photos.to_str().expect("utf8");

    // A missing model: one clear line, non-zero exit, no panic or backtrace, even with --json.
    let out = clipdex(&["--library", lib_s, "index", photos_s, "--model", "/nowhere/ViT-B-32__openai", "--json"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[model_not_found]") && err.contains("/nowhere/ViT-B-32__openai"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");

    // An incomplete model names what is missing.
    let partial = tempfile::tempdir().expect("partial");
    std::fs::copy(model_dir().join("config.json"), partial.path().join("config.json")).expect("copy");
    let out = clipdex(&["embed", "--model", partial.path().to_str().expect("u"), "--text", "x", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("error[model_incomplete]") && err.contains("visual/model.onnx"),
        "{err}"
    );

    // Searching a library that has no model yet says what to do.
    let out = clipdex(&["--library", lib_s, "search", "cat", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("error[no_model]"), "{err}");

    // No ONNX Runtime where the user says it is, or something else there.
    let out = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .args(["embed", "--model", model_dir().to_str().expect("u"), "--text", "x", "--json"])
        .env("ORT_DYLIB_PATH", "/nowhere/libonnxruntime.so")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("error[runtime_missing]") && err.contains("/nowhere/libonnxruntime.so"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .args(["embed", "--model", model_dir().to_str().expect("u"), "--text", "x", "--json"])
        .env("ORT_DYLIB_PATH", model_dir().join("config.json"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("error[runtime_missing]")
            && err.contains("cannot load the ONNX Runtime library"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    // A wrong path.
    let out = clipdex(&["--library", lib_s, "index", "/no/such/folder", "--model", model_dir().to_str().expect("u")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("/no/such/folder does not exist"), "{err}");
}

#[test]
fn a_library_refuses_vectors_from_another_model() {
    let lib = tempfile::tempdir().expect("lib");
    let lib_s = lib.path().to_str().expect("utf8");
    let photos = tempfile::tempdir().expect("photos");
    std::fs::copy(fixtures().join("photos/coffee.png"), photos.path().join("coffee.png")).expect("copy");
    let photos_s = photos.path().to_str().expect("utf8");
    ok(&clipdex(&["--library", lib_s, "index", photos_s, "--model", model_dir().to_str().expect("u")]));

    // A model of the same name whose files differ (here, its config) is another model.
    let other = tempfile::tempdir().expect("other");
    let other_model = other.path().join("tiny-clip");
    copy_dir(&model_dir(), &other_model);
    let mut cfg = std::fs::read_to_string(other_model.join("config.json")).expect("cfg");
    cfg.push('\n');
    std::fs::write(other_model.join("config.json"), cfg).expect("cfg");
    let other_s = other_model.to_str().expect("utf8");
    std::fs::copy(fixtures().join("photos/camera.png"), photos.path().join("camera.png")).expect("copy");
    let out = clipdex(&["--library", lib_s, "index", photos_s, "--model", other_s]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("error[model_mismatch]") && err.contains("tiny-clip@"), "{err}");
    let out = clipdex(&["--library", lib_s, "search", "x", "--model", other_s]);
    assert!(!out.status.success());

    // Nothing was mixed in: the library still holds only the first model's item.
    let status: Value =
        serde_json::from_str(ok(&clipdex(&["--library", lib_s, "status", "--json"])).trim()).expect("status");
    assert_eq!(status["items"], 1);
}
