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
    Command::new(env!("CARGO_BIN_EXE_clipdex")).arg("--library").arg(lib).args(args).output().expect("run")
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
    let h = hits(&clipdex(lib, &["search", "a photo ext:jpg", "--limit", "20", "--json"]));
    let mut names: Vec<String> = h.iter().map(name).collect();
    names.sort();
    assert_eq!(names, ["hubble_deep_field.jpg", "rocket.jpg"]);
    let h = hits(&clipdex(lib, &["search", "a photo minsize:600", "--limit", "20", "--json"]));
    assert!(h.iter().all(|x| x["width"].as_u64() >= Some(600) && x["height"].as_u64() >= Some(600)), "{h:?}");
    assert!(!h.is_empty());
    let album = s.photos.path().join("album");
    let h = hits(&clipdex(lib, &["search", &format!("a photo folder:{}", album.display()), "--limit", "20", "--json"]));
    assert_eq!(h.len(), 4);
    assert!(h.iter().all(|x| x["path"].as_str().expect("p").contains("/album/")));
    // Dates (file modification time for now): everything was written today.
    assert_eq!(hits(&clipdex(lib, &["search", "a photo before:2000-01-01", "--json"])).len(), 0);
    assert_eq!(hits(&clipdex(lib, &["search", "a photo after:2000-01-01", "--limit", "20", "--json"])).len(), 8);

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
    let e = err(&["search", "cat camera:Pixel"]);
    assert!(e.contains("error[unsupported]"), "{e}");
    let e = err(&["search", "ext:jpg"]);
    assert!(e.contains("error[empty_query]"), "{e}");
    let e = err(&["search", "--image", "/no/such.jpg"]);
    assert!(e.contains("error[path_not_found]"), "{e}");
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
