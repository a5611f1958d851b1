//! A video through the app: the search answer names its kind, its best
//! moment and its moments (their pictures served by id), and the `media`
//! scheme serves the file by id in byte ranges — only while the file is
//! what was indexed, and nothing for a moment's or an unknown id.

use clipdex_desktop::dto::SearchDto;
use clipdex_desktop::{schemes, AppState};
use clipdex_library::ErrorCode;
use serde_json::json;
use tauri::async_runtime::block_on;
use tauri::Manager;

use crate::app::{app, fixtures, index_through_command, invoke};

/// A 4-second H.264 video: astronaut.png for 2 s, then coffee.png (ffmpeg).
fn slideshow(out: &std::path::Path) {
    let photo = |n: &str| fixtures().join("photos").join(n);
    let done = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-loop", "1", "-framerate", "25", "-t", "2", "-i"])
        .arg(photo("astronaut.png"))
        .args(["-loop", "1", "-framerate", "25", "-t", "2", "-i"])
        .arg(photo("coffee.png"))
        .args([
            "-filter_complex",
            "[0]scale=320:180,setsar=1[a];[1]scale=320:180,setsar=1[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p",
        ])
        .args(["-c:v", "libx264", "-preset", "veryfast"])
        .arg(out)
        .output()
        .expect("ffmpeg not found: install it (scripts/setup-debian.sh)");
    assert!(done.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&done.stderr));
}

#[test]
fn a_video_comes_with_its_moments_and_is_served_by_id_in_byte_ranges() {
    let lib = tempfile::tempdir().expect("lib");
    let media = tempfile::tempdir().expect("media");
    let file = media.path().join("clip.mp4");
    slideshow(&file);
    let (app, webview) = app(lib.path(), &fixtures().join("tiny-clip"));
    index_through_command(&app, media.path());
    let found: SearchDto = serde_json::from_value(
        invoke(&webview, "search", json!({"query": "a cup", "minScore": -1.0})).expect("search"),
    )
    .expect("dto");
    let hit = found.hits.first().expect("the video").clone();
    assert_eq!(hit.kind, "video");
    let time = hit.time.expect("a best moment");
    assert_eq!(hit.moments.len(), 2, "one moment per picture: {:?}", hit.moments);
    assert!(hit.moments.iter().any(|m| m.time == time));
    // The card's picture is the best moment's, by the moment's id.
    let moment = hit.thumbnail.rsplit('/').next().expect("id").replace("%23", "#");
    assert!(moment.starts_with(&format!("{}#", hit.id)), "{}", hit.thumbnail);

    let state = app.state::<AppState>();
    let library = block_on(state.library()).expect("library");
    assert!(block_on(library.thumbnail(&moment)).expect("thumbnail").is_some());
    assert!(block_on(library.is_video(&hit.id)));
    assert!(!block_on(library.is_video(&moment)));

    // Byte ranges of the file itself.
    let bytes = std::fs::read(&file).expect("read");
    let r = schemes::video_response(block_on(library.video_chunk(&hit.id, 10, Some(109))).map_err(|e| e.code()));
    assert_eq!(r.status(), 206);
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    assert_eq!(header("content-range"), Some(format!("bytes 10-109/{}", bytes.len())));
    assert_eq!(header("content-type").as_deref(), Some("video/mp4"));
    assert_eq!(header("accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(r.body(), &bytes[10..110]);
    let whole = block_on(library.video_chunk(&hit.id, 0, None)).expect("from the start");
    assert_eq!(whole.bytes, bytes, "a small file comes whole");
    let past = block_on(library.video_chunk(&hit.id, bytes.len() as u64, None)).map_err(|e| e.code());
    assert_eq!(schemes::video_response(past).status(), 416);

    // Nothing for a moment's id or an unknown one, and nothing once the file changed.
    assert_eq!(
        block_on(library.video_chunk(&moment, 0, None)).map_err(|e| e.code()).err(),
        Some(ErrorCode::BadArgument)
    );
    let unknown = block_on(library.video_chunk(&"0".repeat(64), 0, None)).map_err(|e| e.code());
    assert_eq!(schemes::video_response(unknown).status(), 404);
    std::fs::write(&file, b"something else entirely").expect("overwrite");
    assert!(block_on(library.video_chunk(&hit.id, 0, None)).is_err());
}
