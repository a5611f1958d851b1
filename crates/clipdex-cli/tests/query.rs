//! Query kinds through the CLI on real photos with the fixture model:
//! image queries (by path, by flag, by library item), weighted arithmetic,
//! filters, the score cutoff, and syntax errors. Where ranking depends on
//! meaning, expectations come from the reference vectors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn clipdex(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .args(args)
        // Each library its own shared cache: no test sees a vocabulary another prepared.
        .env("CLIPDEX_CACHE", lib.join("test-shared-cache"))
        .output()
        .expect("run")
}

fn hits(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("hit")).collect()
}

fn name(hit: &Value) -> String {
    Path::new(hit["path"].as_str().expect("path")).file_name().expect("name").to_string_lossy().into_owned()
}

fn reference() -> Vec<(String, Vec<f32>)> {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("tiny-clip-reference.json")).expect("ref"))
            .expect("json");
    r["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            (
                i["file"].as_str().expect("f").to_string(),
                i["vector"].as_array().expect("v").iter().map(|x| x.as_f64().expect("n") as f32).collect(),
            )
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

struct Setup {
    lib: tempfile::TempDir,
    photos: tempfile::TempDir,
}

fn setup() -> Setup {
    let lib = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    std::fs::create_dir(photos.path().join("album")).expect("mkdir");
    for (i, (file, _)) in reference().iter().enumerate() {
        let src = fixtures().join("photos").join(file);
        assert!(src.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", src.display());
        let dst = if i % 2 == 0 { photos.path().join("album").join(file) } else { photos.path().join(file) };
        std::fs::copy(src, dst).expect("copy");
    }
    let model = fixtures().join("tiny-clip");
    let out =
        clipdex(lib.path(), &["index", photos.path().to_str().expect("u"), "--model", model.to_str().expect("u")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Setup { lib, photos }
}

#[test]
fn image_queries_arithmetic_filters_and_cutoff() {
    let s = setup();
    let lib = s.lib.path();
    let refs = reference();
    let vec_of = |f: &str| refs.iter().find(|(n, _)| n == f).expect("ref").1.clone();
    let outside = fixtures().join("photos/chelsea.png"); // not in the library folder: embedded on the fly
    let outside_s = outside.to_str().expect("u");

    // By flag and by a path term: the same photo comes first, with cosine ~1.
    for args in [vec!["search", "--image", outside_s, "--json"], vec!["search", outside_s, "--json"]] {
        let h = hits(&clipdex(lib, &args));
        assert_eq!(name(&h[0]), "chelsea.png");
        assert!(h[0]["score"].as_f64().expect("s") > 0.999, "{}", h[0]);
    }

    // By bytes (`--image -` reads stdin, as the app's drop and paste send bytes): the same answer.
    let mut child = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .args(["search", "--image", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &std::fs::read(&outside).expect("read"))
        .expect("pipe");
    let h = hits(&child.wait_with_output().expect("wait"));
    assert_eq!(name(&h[0]), "chelsea.png");
    assert!(h[0]["score"].as_f64().expect("s") > 0.999, "{}", h[0]);

    // "More like this" by library id.
    let id = hits(&clipdex(lib, &["search", "--image", outside_s, "--limit", "1", "--json"]))[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let h = hits(&clipdex(lib, &["search", &format!("similar:{id}"), "--json"]));
    assert_eq!(name(&h[0]), "chelsea.png");

    // Weighted arithmetic ranks as the reference vectors say.
    let coffee = fixtures().join("photos/coffee.png");
    let q = format!("2:{} - {}", outside_s, coffee.to_str().expect("u"));
    let expected: Vec<f32> = {
        let v: Vec<f32> = vec_of("chelsea.png").iter().zip(vec_of("coffee.png")).map(|(a, b)| 2.0 * a - b).collect();
        let n = dot(&v, &v).sqrt();
        v.iter().map(|x| x / n).collect()
    };
    let h = hits(&clipdex(lib, &["search", &q, "--limit", "8", "--json"]));
    for hit in &h {
        let want = dot(&expected, &vec_of(&name(hit)));
        let got = hit["score"].as_f64().expect("s") as f32;
        // Subtraction amplifies the ~2e-5 embedding differences, hence the wider bound.
        assert!((got - want).abs() < 1e-2, "{}: {got} vs {want}", name(hit));
    }
    assert_eq!(h.len(), 8, "every item is scored");
    let best = refs.iter().max_by(|a, b| dot(&expected, &a.1).total_cmp(&dot(&expected, &b.1))).expect("best");
    assert_eq!(name(&h[0]), best.0, "the reference's best match comes first");

    // Filters: extension, size, folder.
    // (`--min-score -1`: every item, not only those above the calibrated cutoff.)
    let h = hits(&clipdex(lib, &["search", "a photo ext:jpg", "--limit", "20", "--min-score", "-1", "--json"]));
    let mut names: Vec<String> = h.iter().map(name).collect();
    names.sort();
    assert_eq!(names, ["hubble_deep_field.jpg", "rocket.jpg"]);
    // A filter alone lists what passes it.
    let mut names: Vec<String> = hits(&clipdex(lib, &["search", "ext:jpg", "--json"])).iter().map(name).collect();
    names.sort();
    assert_eq!(names, ["hubble_deep_field.jpg", "rocket.jpg"]);
    let h = hits(&clipdex(lib, &["search", "a photo minsize:600", "--limit", "20", "--min-score", "-1", "--json"]));
    assert!(h.iter().all(|x| x["width"].as_u64() >= Some(600) && x["height"].as_u64() >= Some(600)), "{h:?}");
    assert!(!h.is_empty());
    let album = s.photos.path().join("album");
    let h = hits(&clipdex(
        lib,
        &["search", &format!("a photo folder:{}", album.display()), "--limit", "20", "--min-score", "-1", "--json"],
    ));
    assert_eq!(h.len(), 4);
    assert!(h.iter().all(|x| x["path"].as_str().expect("p").contains("/album/")));
    // Dates (no EXIF in these PNGs, so the file modification time): everything was written today.
    assert_eq!(hits(&clipdex(lib, &["search", "a photo before:2000-01-01", "--min-score", "-1", "--json"])).len(), 0);
    let after = ["search", "a photo after:2000-01-01", "--limit", "20", "--min-score", "-1", "--json"];
    assert_eq!(hits(&clipdex(lib, &after)).len(), 8);

    // The cutoff keeps only close matches.
    let h = hits(&clipdex(lib, &["search", "--image", outside_s, "--min-score", "0.99", "--json"]));
    assert_eq!(h.iter().map(name).collect::<Vec<_>>(), ["chelsea.png"]);
}

#[test]
fn bad_queries_get_clear_errors() {
    let s = setup();
    let lib = s.lib.path();
    let err = |args: &[&str]| {
        let out = clipdex(lib, args);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = err(&["search", r#"cat "red car"#]);
    assert!(e.contains("error[query_syntax]") && e.contains("position 4") && e.contains("closing quote"), "{e}");
    let e = err(&["search", "after:last-week"]);
    assert!(e.contains("error[query_syntax]") && e.contains("YYYY-MM-DD"), "{e}");
    let e = err(&["search", "similar:00ff"]);
    assert!(e.contains("error[no_such_item]"), "{e}");
    let e = err(&["search", "cat type:sculpture"]);
    assert!(e.contains("error[unsupported]") && e.contains("type:photo") && e.contains("type:video"), "{e}");
    let e = err(&["search", "cat", "--mode", "fuzzy"]);
    assert!(e.contains("vector, keyword or hybrid"), "{e}");
    let e = err(&["search", ""]);
    assert!(e.contains("error[empty_query]"), "{e}");
    let e = err(&["search", "--image", "/no/such.jpg"]);
    assert!(e.contains("error[path_not_found]"), "{e}");
    // An image term is a regular file under the query-image cap: a device or
    // an endless pipe is refused at once, never read until memory runs out.
    #[cfg(unix)]
    {
        let started = std::time::Instant::now();
        let e = err(&["search", "/dev/zero"]);
        assert!(e.contains("error[bad_image]") && e.contains("not a regular file"), "{e}");
        let e = err(&["search", "--image", "/dev/zero"]);
        assert!(e.contains("not a regular file"), "{e}");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clipdex"))
            .args(["--library", lib.to_str().expect("utf-8"), "search", "--image", "-"])
            .stdin(std::fs::File::open("/dev/zero").expect("/dev/zero"))
            .output()
            .expect("run");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && e.contains("over 48 MB"), "{e}");
        let big = s.photos.path().join("huge.jpg");
        std::fs::File::create(&big).and_then(|f| f.set_len(49 << 20)).expect("sparse file");
        let e = err(&["search", big.to_str().expect("utf-8")]);
        assert!(e.contains("error[bad_image]") && e.contains("over 48 MiB"), "{e}");
        std::fs::remove_file(&big).expect("rm");
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "refused at once: {:?}", started.elapsed());
    }
    // Limits at the edges: 0 is refused, not read as 1; the largest number does not overflow.
    let e = err(&["search", "cat", "--limit", "0"]);
    assert!(e.contains("error[bad_argument]") && e.contains("at least 1"), "{e}");
    let e = err(&["similar", "chelsea.png", "--limit", "0"]);
    assert!(e.contains("error[bad_argument]"), "{e}");
    let all = clipdex(lib, &["search", "cat", "--limit", "18446744073709551615", "--min-score", "-1", "--json"]);
    assert!(all.status.success(), "{}", String::from_utf8_lossy(&all.stderr));
    // Dates past what nanoseconds reach are the far ends, not a crash.
    for q in ["cat before:2300-01-01", "cat after:1600-01-01"] {
        let out = clipdex(lib, &["search", q, "--min-score", "-1", "--json"]);
        assert!(out.status.success(), "{q}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!hits(&out).is_empty(), "{q} keeps every photo");
    }
    let out = clipdex(lib, &["search", "cat after:2300-01-01", "--min-score", "-1", "--json"]);
    assert!(out.status.success() && hits(&out).is_empty(), "nothing is after 2300");
}

#[test]
fn exact_and_near_duplicates_are_kept_apart() {
    let s = setup();
    let lib = s.lib.path();
    let d = s.photos.path();
    // An exact copy, and the same picture re-encoded as JPEG (other bytes, same look).
    std::fs::copy(d.join("chelsea.png"), d.join("chelsea copy.png")).expect("copy");
    let img = image::open(d.join("album/astronaut.png")).expect("open").to_rgb8();
    img.save_with_format(d.join("astronaut.jpg"), image::ImageFormat::Jpeg).expect("jpeg");
    let model = fixtures().join("tiny-clip");
    let out = clipdex(lib, &["index", d.to_str().expect("u"), "--model", model.to_str().expect("u")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = clipdex(lib, &["duplicates", "--threshold", "0.995", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let exact = v["exact"].as_array().expect("exact");
    assert_eq!(exact.len(), 1, "{v}");
    let mut names: Vec<String> = exact[0]
        .as_array()
        .expect("g")
        .iter()
        .map(|p| Path::new(p.as_str().expect("p")).file_name().expect("n").to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["chelsea copy.png", "chelsea.png"]);
    let near = v["near"].as_array().expect("near");
    assert_eq!(near.len(), 1, "only the re-encoded pair looks alike at 0.995: {v}");
    let mut members: Vec<String> = near[0]
        .as_array()
        .expect("g")
        .iter()
        .flat_map(|m| {
            m["paths"]
                .as_array()
                .expect("paths")
                .iter()
                .map(|p| Path::new(p.as_str().expect("p")).file_name().expect("n").to_string_lossy().into_owned())
        })
        .collect();
    members.sort();
    assert_eq!(members, ["astronaut.jpg", "astronaut.png"]);
    assert!(near[0][0]["score"].as_f64().expect("s") >= 0.995);
}

#[test]
fn similar_by_indexed_path_by_id_and_by_outside_file() {
    let s = setup();
    let lib = s.lib.path();
    let refs = reference();
    let chelsea = refs.iter().find(|(n, _)| n == "chelsea.png").expect("ref").1.clone();
    // The reference's nearest other photo to chelsea.png.
    let nearest = refs
        .iter()
        .filter(|(n, _)| n != "chelsea.png")
        .max_by(|a, b| dot(&chelsea, &a.1).total_cmp(&dot(&chelsea, &b.1)))
        .expect("nearest")
        .0
        .clone();

    let indexed = s.photos.path().join("chelsea.png");
    let h = hits(&clipdex(lib, &["similar", indexed.to_str().expect("u"), "--json"]));
    assert_eq!(h.len(), 7, "every other item, not itself");
    assert!(h.iter().all(|x| name(x) != "chelsea.png"));
    assert_eq!(name(&h[0]), nearest);

    let id = hits(&clipdex(lib, &["search", "--image", indexed.to_str().expect("u"), "--limit", "1", "--json"]))[0]
        ["id"]
        .as_str()
        .expect("id")
        .to_string();
    let by_id = hits(&clipdex(lib, &["similar", &id, "--json"]));
    assert_eq!(by_id.iter().map(name).collect::<Vec<_>>(), h.iter().map(name).collect::<Vec<_>>());

    // A file outside the library is embedded on the fly; its twin in the library comes first.
    let outside = fixtures().join("photos/chelsea.png");
    let o = hits(&clipdex(lib, &["similar", outside.to_str().expect("u"), "--limit", "3", "--json"]));
    assert_eq!(name(&o[0]), "chelsea.png");

    let out = clipdex(lib, &["similar", "/no/such/photo.jpg"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("error[path_not_found]"));
}

/// A JPEG of `img` carrying an EXIF block (date taken, camera, lens).
fn jpeg_with_exif(img: &image::RgbImage, path: &Path, make: &str, model: &str, taken: &str, lens: &str) {
    use image::ImageEncoder;
    let file = std::fs::File::create(path).expect("create");
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(file, 90);
    enc.set_exif_metadata(clipdex_media::build_exif(Some(make), Some(model), Some(taken), None, Some(lens)))
        .expect("exif");
    enc.write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8).expect("encode");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn status(lib: &Path) -> Value {
    let out = clipdex(lib, &["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("status json")
}

/// EXIF facts, zero-shot tags, path words, captions, hybrid fusion with
/// `why`, the calibrated cutoff, date sorting and `describe`, end to end.
#[test]
fn exif_tags_keywords_captions_cutoff_and_describe() {
    let s = setup();
    let lib = s.lib.path();
    let d = s.photos.path();
    let photos = fixtures().join("photos");
    let astronaut = image::open(photos.join("astronaut.png")).expect("open").to_rgb8();
    jpeg_with_exif(
        &astronaut,
        &d.join("moon walk.jpg"),
        "Canon",
        "Canon EOS 5D",
        "2018:06:01 10:00:00",
        "EF 50mm f/1.8",
    );
    let coffee = image::open(photos.join("coffee.png")).expect("open").to_rgb8();
    jpeg_with_exif(
        &coffee,
        &d.join("morning.jpg"),
        "Apple",
        "iPhone 12",
        "2020:03:15 08:30:00",
        "iPhone 12 back camera",
    );
    let sled = image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([200, (x * 2) as u8, (y * 3) as u8]));
    sled.save(d.join("red_sled_2019.png")).expect("png");
    let model = fixtures().join("tiny-clip");
    // --tags: the vocabulary is prepared in this run, so items are tagged and cutoffs calibrated.
    let out = clipdex(lib, &["index", d.to_str().expect("u"), "--model", model.to_str().expect("u"), "--tags"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = |q: &str, extra: &[&str]| {
        let mut args = vec!["search", q, "--limit", "50", "--min-score", "-1", "--json"];
        args.extend_from_slice(extra);
        hits(&clipdex(lib, &args))
    };
    let every = all("a photo", &[]);
    assert_eq!(every.len(), 11);

    // EXIF: date taken, camera and lens on each hit; date and camera filters use them.
    let walk = every.iter().find(|h| name(h) == "moon walk.jpg").expect("moon walk");
    assert_eq!(walk["taken_at"], "2018-06-01T10:00:00Z");
    assert_eq!(walk["camera"], "Canon EOS 5D");
    assert_eq!(walk["lens"], "EF 50mm f/1.8");
    let plain = every.iter().find(|h| name(h) == "chelsea.png").expect("chelsea");
    assert!(plain["taken_at"].is_null() && plain["camera"].is_null());
    let names = |h: &[Value]| h.iter().map(name).collect::<Vec<_>>();
    assert_eq!(names(&all("a photo before:2019-01-01", &[])), ["moon walk.jpg"], "EXIF date, not today's mtime");
    assert_eq!(names(&all("a photo after:2020-01-01 before:2021-01-01", &[])), ["morning.jpg"]);
    assert_eq!(names(&all("a photo camera:canon", &[])), ["moon walk.jpg"]);
    assert_eq!(names(&all("a photo camera:iphone", &[])), ["morning.jpg"]);
    assert!(all("a photo type:gif", &[]).is_empty());
    assert_eq!(all("a photo type:photo", &[]).len(), 11);

    // Sorting by date: today's files first, then 2020, then 2018.
    let by_date = all("a photo", &["--sort", "date"]);
    assert_eq!(names(&by_date[9..]), ["morning.jpg", "moon walk.jpg"]);

    // Path words: a keyword query finds the file by its name, and says so.
    let k = all("sled", &["--mode", "keyword"]);
    assert_eq!(name(&k[0]), "red_sled_2019.png");
    assert_eq!(k[0]["why"]["keyword_rank"], 1);
    assert!(k[0]["why"]["keyword_fields"].as_array().expect("f").iter().any(|f| f == "path: sled"), "{}", k[0]);
    assert!(k[0]["score"].is_number(), "the cosine is always shown");
    // Hybrid (the default) fuses it with the vector list: the named file leads.
    let h = all("sled", &[]);
    let top = h.iter().take(2).find(|x| name(x) == "red_sled_2019.png").expect("the sled file is in the top two");
    let fused = top["why"]["fused"].as_f64().expect("fused");
    assert!(h.iter().all(|x| x["why"]["fused"].as_f64().expect("f") <= fused + 1e-6), "{h:?}");
    // Vector mode knows nothing of names.
    let v = all("sled", &["--mode", "vector"]);
    assert!(v.iter().all(|x| x["why"]["keyword_rank"].is_null()));

    // Tags: stored with scores, best first, and searchable by keyword.
    let tagged: Vec<&Value> = every.iter().filter(|h| !h["tags"].as_array().expect("t").is_empty()).collect();
    assert!(!tagged.is_empty(), "some item has tags");
    let first = tagged[0];
    let tags = first["tags"].as_array().expect("tags");
    assert!(tags.windows(2).all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    let label = tags[0]["label"].as_str().expect("label");
    let k = all(label, &["--mode", "keyword"]);
    let me = k.iter().find(|x| x["id"] == first["id"]).expect("the tagged item matches its tag");
    assert!(
        me["why"]["keyword_fields"]
            .as_array()
            .expect("f")
            .iter()
            .any(|f| f.as_str().is_some_and(|f| f.starts_with("tags: "))),
        "{me}"
    );

    // describe ranks the vocabulary: its best labels are the item's tags, in order.
    let out = clipdex(lib, &["describe", first["path"].as_str().expect("p"), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let described: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(described.len(), 10);
    assert!(described.windows(2).all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    for (t, d) in tags.iter().zip(&described) {
        assert_eq!(t["label"], d["text"]);
        assert!((t["score"].as_f64().expect("s") - d["score"].as_f64().expect("s")).abs() < 1e-5);
    }
    let p: f64 = described.iter().map(|d| d["probability"].as_f64().expect("p")).sum();
    assert!(p > 0.0 && p <= 1.0 + 1e-6);

    // Captions: set, shown, searchable, a describe candidate; cleared.
    let sled_path = d.join("red_sled_2019.png");
    let sled_s = sled_path.to_str().expect("u");
    let out = clipdex(lib, &["caption", sled_s, "Rex chasing the waves"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = clipdex(lib, &["caption", sled_s]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Rex chasing the waves");
    let k = all("rex", &["--mode", "keyword"]);
    assert_eq!(names(&k), ["red_sled_2019.png"]);
    assert_eq!(k[0]["caption"], "Rex chasing the waves");
    assert!(k[0]["why"]["keyword_fields"].as_array().expect("f").iter().any(|f| f == "caption: rex"), "{}", k[0]);
    let out = clipdex(lib, &["describe", sled_s, "--limit", "2000", "--json"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""source":"caption""#));
    assert!(clipdex(lib, &["caption", sled_s, "--clear"]).status.success());
    assert!(all("rex", &["--mode", "keyword"]).is_empty());
    let out = clipdex(lib, &["caption", "/no/such.jpg", "x"]);
    assert!(stderr(&out).contains("error[path_not_found]"), "{}", stderr(&out));

    // The calibrated cutoff: recorded in status, applied by default, reported when it hides hits.
    let st = status(lib);
    let cutoff = st["default_cutoff"]["text"].as_f64().expect("a calibrated text cutoff") as f32;
    let mut trimmed = false;
    for q in ["a photo", "zebra", "a xylophone concert", "tax forms", "a red sled in the snow"] {
        let out = clipdex(lib, &["search", q, "--mode", "vector", "--limit", "50", "--json"]);
        let h = hits(&out);
        assert!(h.iter().all(|x| x["score"].as_f64().expect("s") as f32 >= cutoff), "{q}: {h:?}");
        if h.len() < 11 {
            trimmed = true;
            assert!(
                stderr(&out).contains(&format!("{} more below the default cutoff", 11 - h.len())),
                "{}",
                stderr(&out)
            );
        }
    }
    assert!(trimmed, "the default cutoff trims some query: search no longer returns everything");
}
