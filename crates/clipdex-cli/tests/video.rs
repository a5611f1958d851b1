//! Videos through the real binary and the real ffmpeg: a slideshow made
//! from committed photos, with known segment times, is found by each photo
//! at a time inside its segment; a moved video is not embedded again;
//! without ffmpeg a video is skipped with the reason (and indexed once
//! ffmpeg is there); a damaged video is one file's failure; a photo of a
//! scene is its near-duplicate at that moment; a video's many moments do
//! not crowd other items off a page.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn model() -> String {
    fixtures().join("tiny-clip").to_str().expect("utf8").to_string()
}

fn photo(name: &str) -> PathBuf {
    let p = fixtures().join("photos").join(name);
    assert!(p.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", p.display());
    p
}

fn clipdex(lib: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clipdex"));
    cmd.arg("--library").arg(lib).args(args).env_remove("CLIPDEX_MODEL").env_remove("CLIPDEX_LIBRARY");
    cmd.env_remove("CLIPDEX_FFMPEG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run clipdex")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "clipdex failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

/// The photos of the slideshow and the seconds each is on screen.
const SEGMENTS: [(&str, f64, f64); 4] = [
    ("astronaut.png", 0.0, 3.0),
    ("coffee.png", 3.0, 7.0),
    ("chelsea.png", 7.0, 19.0),
    ("motorcycle_left.png", 19.0, 23.0),
];

/// A 640×360 H.264 slideshow of [`SEGMENTS`], made by ffmpeg.
fn slideshow(out: &Path) {
    let shots: Vec<(&str, f64)> = SEGMENTS.iter().map(|(n, start, end)| (*n, end - start)).collect();
    slideshow_of(out, &shots, (640, 360));
}

/// An H.264 slideshow: each photo for its seconds, in turn.
fn slideshow_of(out: &Path, shots: &[(&str, f64)], (w, h): (u32, u32)) {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]);
    let mut chains = String::new();
    for (i, (name, secs)) in shots.iter().enumerate() {
        cmd.args(["-loop", "1", "-framerate", "25", "-t", &format!("{secs}"), "-i"]).arg(photo(name));
        chains.push_str(&format!(
            "[{i}]scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v{i}];"
        ));
    }
    let inputs: String = (0..shots.len()).map(|i| format!("[v{i}]")).collect();
    chains.push_str(&format!("{inputs}concat=n={}:v=1:a=0[out]", shots.len()));
    cmd.args(["-filter_complex", &chains, "-map", "[out]", "-c:v", "libx264", "-crf", "18", "-preset", "veryfast"]);
    cmd.arg(out);
    let done = cmd.output().expect("ffmpeg not found: install it (scripts/setup-debian.sh)");
    assert!(done.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&done.stderr));
}

/// A folder with the slideshow and one photo that is not in it.
fn media() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    slideshow(&dir.path().join("holiday.mp4"));
    std::fs::copy(photo("rocket.jpg"), dir.path().join("rocket.jpg")).expect("copy");
    dir
}

fn index(lib: &Path, folder: &Path, env: &[(&str, &str)]) -> Value {
    let out = clipdex(lib, &["index", folder.to_str().expect("utf8"), "--model", &model(), "--json"], env);
    serde_json::from_str(ok(&out).trim()).expect("summary")
}

fn top_hit(lib: &Path, query_photo: &Path) -> Value {
    let q = query_photo.to_str().expect("utf8");
    let out = clipdex(lib, &["search", "--image", q, "--json", "--min-score", "-1", "--limit", "1"], &[]);
    json_lines(&ok(&out)).remove(0)
}

#[test]
fn each_photo_of_a_slideshow_finds_the_video_at_its_own_moment() {
    let media = media();
    let lib = tempfile::tempdir().expect("lib");
    let summary = index(lib.path(), media.path(), &[]);
    assert_eq!(summary["indexed"], 2, "{summary}");
    assert_eq!(summary["failed"].as_array().map(Vec::len), Some(0), "{summary}");

    for (name, start, end) in SEGMENTS {
        let hit = top_hit(lib.path(), &photo(name));
        assert_eq!(hit["kind"], "video", "{name}: {hit}");
        let t = hit["time"].as_f64().expect("time");
        assert!(t >= start && t < end, "{name} is on screen {start}–{end} s, but was found at {t} s");
        // Its best moment is the hit's score, first of the moments listed.
        assert_eq!(hit["moments"][0]["time"].as_f64(), Some(t));
        // One moment per segment: the 12-second shot's frame at 17 s
        // (picked because 10 s had passed) joined the moment at 7 s.
        assert_eq!(hit["moments"].as_array().map(Vec::len), Some(4), "{hit}");
    }

    // The CLI prints where in the video.
    let q = photo("coffee.png");
    let out = ok(&clipdex(
        lib.path(),
        &["search", "--image", q.to_str().expect("utf8"), "--limit", "1", "--min-score", "-1"],
        &[],
    ));
    assert!(out.contains("holiday.mp4@00:03"), "{out}");

    // type: filters.
    let kinds = |query: &str| -> Vec<String> {
        let out = ok(&clipdex(lib.path(), &["search", query, "--json", "--min-score", "-1"], &[]));
        json_lines(&out).iter().map(|h| h["kind"].as_str().unwrap_or("").to_string()).collect()
    };
    assert_eq!(kinds("a picture type:video"), ["video"]);
    assert_eq!(kinds("a picture type:photo"), ["photo"]);

    // A moment is something to start from: `similar` and `describe` take `path@mm:ss`.
    let at = format!("{}@00:08", media.path().join("holiday.mp4").display());
    let out = ok(&clipdex(lib.path(), &["similar", &at, "--json", "--min-score", "-1"], &[]));
    let similar = json_lines(&out);
    assert!(similar.iter().all(|h| h["kind"] == "photo"), "the video itself is left out: {out}");
    ok(&clipdex(lib.path(), &["describe", &at, "--limit", "3"], &[]));
    // …and a query term: the video comes first, at that moment.
    let out = ok(&clipdex(lib.path(), &["search", &at, "--json", "--min-score", "-1", "--limit", "1"], &[]));
    let top = json_lines(&out).remove(0);
    assert_eq!(top["kind"], "video", "{top}");
    assert!(top["time"].as_f64().is_some_and(|t| (7.0..19.0).contains(&t)), "{top}");
}

#[test]
fn a_moved_video_is_not_embedded_again() {
    let media = media();
    let lib = tempfile::tempdir().expect("lib");
    index(lib.path(), media.path(), &[]);
    std::fs::create_dir(media.path().join("2024")).expect("mkdir");
    std::fs::rename(media.path().join("holiday.mp4"), media.path().join("2024/holiday.mp4")).expect("move");
    let summary = index(lib.path(), media.path(), &[]);
    assert_eq!((summary["indexed"].as_u64(), summary["reused"].as_u64()), (Some(0), Some(1)), "{summary}");
    let hit = top_hit(lib.path(), &photo("chelsea.png"));
    assert!(hit["path"].as_str().is_some_and(|p| p.ends_with("2024/holiday.mp4")), "{hit}");
    assert!(hit["time"].as_f64().is_some_and(|t| (7.0..19.0).contains(&t)), "{hit}");
}

#[test]
fn without_ffmpeg_a_video_is_skipped_with_the_reason_then_indexed_once_it_is_there() {
    let media = media();
    let lib = tempfile::tempdir().expect("lib");
    let empty = tempfile::tempdir().expect("empty PATH");
    let no_ffmpeg = [("PATH", empty.path().to_str().expect("utf8"))];
    let summary = index(lib.path(), media.path(), &no_ffmpeg);
    assert_eq!(summary["indexed"], 1, "the photo beside it is indexed: {summary}");
    let failed = summary["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{summary}");
    assert!(
        failed[0]["reason"].as_str().is_some_and(|r| r.starts_with("skipped") && r.contains("ffmpeg")),
        "{summary}"
    );

    let status: Value =
        serde_json::from_str(ok(&clipdex(lib.path(), &["status", "--json"], &no_ffmpeg)).trim()).expect("status");
    assert_eq!(status["failures"].as_array().map(Vec::len), Some(0), "{status}");
    assert!(status["skipped"][0]["path"].as_str().is_some_and(|p| p.ends_with("holiday.mp4")), "{status}");
    assert!(status["ffmpeg"].is_null(), "{status}");
    let human = ok(&clipdex(lib.path(), &["status"], &no_ffmpeg));
    assert!(human.contains("videos   1 skipped: videos need ffmpeg"), "{human}");

    // With ffmpeg back, the next run picks the video up, though the file did not change.
    let summary = index(lib.path(), media.path(), &[]);
    assert_eq!(summary["indexed"], 1, "{summary}");
    let status: Value =
        serde_json::from_str(ok(&clipdex(lib.path(), &["status", "--json"], &[])).trim()).expect("status");
    assert_eq!(status["skipped"].as_array().map(Vec::len), Some(0), "{status}");
    assert_eq!(
        (status["items"].as_u64(), status["videos"].as_u64()),
        (Some(2), Some(1)),
        "a photo and a video: {status}"
    );
    assert_eq!(top_hit(lib.path(), &photo("coffee.png"))["kind"], "video");
}

#[test]
fn a_damaged_video_is_one_files_failure() {
    let media = media();
    let bytes = std::fs::read(media.path().join("holiday.mp4")).expect("read");
    std::fs::write(media.path().join("cut.mp4"), &bytes[..bytes.len() / 3]).expect("write");
    std::fs::write(media.path().join("noise.mov"), b"not a video at all").expect("write");
    let lib = tempfile::tempdir().expect("lib");
    let summary = index(lib.path(), media.path(), &[]);
    assert_eq!(summary["indexed"], 2, "the good video and the photo: {summary}");
    let mut failed: Vec<(String, String)> = summary["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| (f["path"].as_str().unwrap_or("").to_string(), f["reason"].as_str().unwrap_or("").to_string()))
        .collect();
    failed.sort();
    assert_eq!(failed.len(), 2, "{summary}");
    for (path, reason) in &failed {
        assert!(
            reason.starts_with("ffmpeg could not read this video") || reason.contains("no picture"),
            "{path}: {reason}"
        );
    }
}

#[test]
fn a_photo_of_a_scene_is_a_near_duplicate_of_that_moment() {
    let media = media();
    std::fs::copy(photo("chelsea.png"), media.path().join("chelsea.png")).expect("copy");
    let lib = tempfile::tempdir().expect("lib");
    assert_eq!(index(lib.path(), media.path(), &[])["indexed"], 3);
    let out = ok(&clipdex(lib.path(), &["duplicates", "--json", "--threshold", "0.99"], &[]));
    let d: Value = serde_json::from_str(out.trim()).expect("json");
    let near = d["near"].as_array().expect("near");
    let group = near
        .iter()
        .find(|g| {
            g.as_array()
                .is_some_and(|g| g.iter().any(|m| m["paths"][0].as_str().is_some_and(|p| p.ends_with("chelsea.png"))))
        })
        .expect("the photo has a near-duplicate");
    let members = group.as_array().expect("members");
    let video: Vec<&Value> =
        members.iter().filter(|m| m["paths"][0].as_str().is_some_and(|p| p.ends_with("holiday.mp4"))).collect();
    assert_eq!(video.len(), 1, "the video, once: {group}");
    let t = video[0]["time"].as_f64().expect("a moment");
    assert!((7.0..19.0).contains(&t), "chelsea.png is on screen 7–19 s, the duplicate named {t} s");
    // The CLI prints where in the video.
    let out = ok(&clipdex(lib.path(), &["duplicates", "--threshold", "0.99"], &[]));
    assert!(out.contains("holiday.mp4@00:07"), "{out}");
}

#[test]
fn a_long_videos_many_moments_do_not_crowd_out_other_items() {
    // Every committed photo in the folder, and a video cutting between them
    // three times over: 36 moments, each close to one of the photos.
    let names: Vec<String> = std::fs::read_dir(fixtures().join("photos"))
        .expect("photos")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".png") || n.ends_with(".jpg"))
        .collect();
    assert!(names.len() >= 12, "{names:?}");
    let media = tempfile::tempdir().expect("media");
    for n in &names {
        std::fs::copy(photo(n), media.path().join(n)).expect("copy");
    }
    let shots: Vec<(&str, f64)> = (0..3).flat_map(|_| names.iter().map(|n| (n.as_str(), 0.6))).collect();
    slideshow_of(&media.path().join("cuts.mp4"), &shots, (320, 180));
    let lib = tempfile::tempdir().expect("lib");
    assert_eq!(index(lib.path(), media.path(), &[])["indexed"].as_u64(), Some(names.len() as u64 + 1));
    let query = media.path().join(&names[0]);
    let out = ok(&clipdex(
        lib.path(),
        &["similar", query.to_str().expect("utf8"), "--json", "--min-score", "-1", "--limit", "10"],
        &[],
    ));
    let hits = json_lines(&out);
    assert_eq!(hits.len(), 10, "ten of the {} other items, the video once: {out}", names.len());
    assert_eq!(hits.iter().filter(|h| h["kind"] == "video").count(), 1, "{out}");
}
