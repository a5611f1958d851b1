//! Videos, through ffmpeg run as an external program (found by
//! [`find_ffmpeg`]). [`frames`] streams the frames worth embedding: the
//! first, each scene change, and at least one every `every_s` seconds —
//! decoded with hardware acceleration where ffmpeg has it, scaled down
//! inside ffmpeg (a 4K frame never reaches this process full-size), upright
//! (ffmpeg applies the rotation the file declares), as 8-bit RGB.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use image::RgbImage;

/// Video file extensions the indexer picks up (lower case).
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "mov", "m4v", "mkv", "webm", "avi"];

/// ffmpeg is stopped when it produces no frame for this long.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The most pixels one extracted frame may have (a 16:1 panorama video at
/// the largest short side still fits).
const MAX_FRAME_PIXELS: u64 = 16 << 20;

/// Is this path a video the indexer looks at, by its extension?
pub fn is_video_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("skipped: videos need ffmpeg, which was not found (install it, or put it beside Clipdex)")]
    NoFfmpeg,
    #[error("cannot start ffmpeg: {0}")]
    Start(#[source] std::io::Error),
    #[error("ffmpeg could not read this video: {0}")]
    Unreadable(String),
    #[error("the video has no picture ffmpeg could decode")]
    NoFrames,
    #[error("ffmpeg stopped producing frames for {} s and was stopped", STALL_TIMEOUT.as_secs())]
    Stalled,
    #[error("a frame of {0}×{1} is too large")]
    TooLarge(u32, u32),
    #[error("stopped")]
    Stopped,
}

/// ffmpeg: `CLIPDEX_FFMPEG` when it names a file, else beside the running
/// program, else on `PATH`. Looked up on every call, so installing ffmpeg
/// while Clipdex runs is noticed.
pub fn find_ffmpeg() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CLIPDEX_FFMPEG") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let name = if cfg!(windows) { "ffmpeg.exe" } else { "ffmpeg" };
    let beside = std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join(name)));
    if let Some(p) = beside.filter(|p| p.is_file()) {
        return Some(p);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Which frames [`frames`] picks, and their size.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    /// At least one frame this often, in seconds.
    pub every_s: f64,
    /// ffmpeg's scene-change score (0–1) above which a frame starts a new scene.
    pub scene: f64,
    /// Frames come scaled so their short side is this (never enlarged).
    pub short_side: u32,
}

/// One extracted frame.
pub struct Frame {
    /// Presentation time, seconds from the start.
    pub time_s: f64,
    /// Picked for a scene change (not only because `every_s` had passed).
    pub scene_change: bool,
    pub image: RgbImage,
}

/// What ffmpeg said about the video.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoInfo {
    /// The stored picture's size (before rotation and scaling), when ffmpeg printed it.
    pub width: u32,
    pub height: u32,
    pub duration_s: Option<f64>,
    pub frames: usize,
}

/// Streams a video's frames to `each` (which returns `false` to stop).
/// Blocking: run it on a blocking thread.
pub fn frames(
    ffmpeg: &Path,
    video: &Path,
    s: &Sampling,
    each: impl FnMut(Frame) -> bool,
) -> Result<VideoInfo, VideoError> {
    frames_with(ffmpeg, video, s, &[], each)
}

fn frames_with(
    ffmpeg: &Path,
    video: &Path,
    s: &Sampling,
    before_input: &[&str],
    mut each: impl FnMut(Frame) -> bool,
) -> Result<VideoInfo, VideoError> {
    let side = s.short_side.max(16);
    let filter = format!(
        "scale=w='if(gte(iw,ih),-2,min({side},iw))':h='if(gte(iw,ih),min({side},ih),-2)',\
         select='eq(n,0)+gt(scene,{scene})+gte(t-prev_selected_t,{every})',showinfo",
        scene = s.scene,
        every = s.every_s,
    );
    // `file:` keeps a name from being read as a protocol or an option.
    let mut input = std::ffi::OsString::from("file:");
    input.push(video.as_os_str());
    let mut cmd = Command::new(ffmpeg);
    cmd.args(["-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-hwaccel", "auto"])
        .args(before_input)
        .arg("-i")
        .arg(input)
        .args(["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", &filter, passthrough_flag(ffmpeg), "passthrough"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(VideoError::Start)?;
    let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        return Err(VideoError::Start(std::io::Error::other("no pipes to ffmpeg")));
    };
    let child = Arc::new(Mutex::new(child));
    let (tx, rx) = mpsc::channel();
    let said = std::thread::spawn(move || read_log(stderr, tx));
    let watch = Watchdog::start(child.clone());

    let mut info = VideoInfo::default();
    let mut last_time: Option<f64> = None;
    let mut outcome = Ok(());
    while let Ok((time_s, w, h)) = rx.recv() {
        if (w as u64) * (h as u64) > MAX_FRAME_PIXELS {
            outcome = Err(VideoError::TooLarge(w, h));
            break;
        }
        let mut buf = vec![0u8; w as usize * h as usize * 3];
        if stdout.read_exact(&mut buf).is_err() {
            break;
        }
        watch.alive();
        let Some(image) = RgbImage::from_raw(w, h, buf) else { break };
        let scene_change = last_time.is_some_and(|t| time_s - t < s.every_s - 1e-3);
        last_time = Some(time_s);
        info.frames += 1;
        if !each(Frame { time_s, scene_change, image }) {
            outcome = Err(VideoError::Stopped);
            break;
        }
    }
    if outcome.is_err() {
        lock(&child).kill().ok();
    }
    // Drain what is left so ffmpeg can finish writing, then reap it.
    drop(rx);
    let _ = std::io::copy(&mut stdout, &mut std::io::sink());
    let status = lock(&child).wait();
    let stalled = watch.stop();
    let log = said.join().unwrap_or_default();
    outcome?;
    if stalled {
        return Err(VideoError::Stalled);
    }
    info.width = log.width;
    info.height = log.height;
    info.duration_s = log.duration_s;
    let failed = status.map(|s| !s.success()).unwrap_or(true);
    if info.frames == 0 || failed {
        let tail = log.tail.join(" / ");
        return Err(if info.frames == 0 && !failed {
            VideoError::NoFrames
        } else {
            VideoError::Unreadable(if tail.is_empty() { "no reason given".into() } else { tail })
        });
    }
    Ok(info)
}

/// The frame at `time_s` (the nearest ffmpeg finds), scaled like
/// [`frames`]'s. Blocking.
pub fn frame_at(ffmpeg: &Path, video: &Path, time_s: f64, short_side: u32) -> Result<RgbImage, VideoError> {
    let mut got = None;
    let s = Sampling { every_s: f64::MAX, scene: 2.0, short_side };
    // Seeking before the input is fast (to the keyframe before, then decoding on).
    let seek = format!("{:.3}", time_s.max(0.0));
    let walked = frames_with(ffmpeg, video, &s, &["-ss", &seek], |f| {
        got = Some(f.image);
        false
    });
    match (walked, got) {
        (_, Some(img)) => Ok(img),
        (Err(e), None) => Err(e),
        (Ok(_), None) => Err(VideoError::NoFrames),
    }
}

/// When a video was recorded and on what, from its container's metadata
/// (`creation_time`, QuickTime's make and model), read by ffmpeg.
/// Empty without ffmpeg or metadata. Blocking.
pub fn video_facts(video: &Path) -> crate::PhotoFacts {
    let Some(ffmpeg) = find_ffmpeg() else { return crate::PhotoFacts::default() };
    let mut input = std::ffi::OsString::from("file:");
    input.push(video.as_os_str());
    // With no output ffmpeg prints the input's metadata and stops.
    let out = Command::new(ffmpeg).args(["-nostdin", "-hide_banner", "-i"]).arg(input).stdin(Stdio::null()).output();
    let Ok(out) = out else { return crate::PhotoFacts::default() };
    facts_from_log(&String::from_utf8_lossy(&out.stderr))
}

fn facts_from_log(log: &str) -> crate::PhotoFacts {
    let value = |key: &str| {
        log.lines().find_map(|l| {
            let (k, v) = l.trim().split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string()).filter(|v| !v.is_empty())
        })
    };
    let make = value("com.apple.quicktime.make").or_else(|| value("make"));
    let model = value("com.apple.quicktime.model").or_else(|| value("model"));
    let camera = match (make, model) {
        (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (make, model) => model.or(make),
    };
    let taken_at_ms = value("com.apple.quicktime.creationdate")
        .or_else(|| value("creation_time"))
        .and_then(|t| parse_iso_ms(&t))
        // Cameras without a clock write the container's zero time.
        .filter(|ms| *ms > 0);
    crate::PhotoFacts { taken_at_ms, camera, lens: None }
}

/// `2024-07-01T12:30:00.000000Z` or `2024-07-01T14:30:00+0200` → UTC milliseconds.
fn parse_iso_ms(t: &str) -> Option<i64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, rest) = t.split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let clock_end = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(clock_end);
    let mut c = clock.split(':');
    let (hh, mm) = (num(c.next()?)?, num(c.next()?)?);
    let secs: f64 = c.next().unwrap_or("0").parse().ok()?;
    let offset_min = match zone.trim_start_matches('Z') {
        "" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
            let (oh, om) = (num(digits.get(..2)?)?, num(digits.get(2..4).unwrap_or("0"))?);
            sign * (oh * 60 + om)
        }
    };
    let days = crate::days_from_civil(y, m, day);
    let ms = ((days * 86_400 + hh * 3600 + mm * 60 - offset_min * 60) * 1000) + (secs * 1000.0) as i64;
    Some(ms)
}

fn lock(child: &Mutex<Child>) -> std::sync::MutexGuard<'_, Child> {
    child.lock().unwrap_or_else(|p| p.into_inner())
}

/// `-fps_mode` since ffmpeg 5.1, `-vsync` before: either way every picked
/// frame comes out once, with no frames duplicated to a constant rate.
fn passthrough_flag(ffmpeg: &Path) -> &'static str {
    static NEW: OnceLock<Mutex<Vec<(PathBuf, bool)>>> = OnceLock::new();
    let seen = NEW.get_or_init(|| Mutex::new(Vec::new()));
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    let new = match seen.iter().find(|(p, _)| p == ffmpeg) {
        Some((_, new)) => *new,
        None => {
            let out = Command::new(ffmpeg).arg("-version").stdin(Stdio::null()).output();
            let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
            let new = version_has_fps_mode(&text);
            seen.push((ffmpeg.to_path_buf(), new));
            new
        }
    };
    if new {
        "-fps_mode"
    } else {
        "-vsync"
    }
}

/// `ffmpeg version 5.1.9-0+deb12u1` → true; `4.4.2` → false; a git build → true.
fn version_has_fps_mode(version_text: &str) -> bool {
    let Some(v) = version_text.split_whitespace().nth(2) else { return true };
    let v = v.trim_start_matches('n');
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    match (parts.next().and_then(|m| m.parse::<u32>().ok()), parts.next().and_then(|m| m.parse::<u32>().ok())) {
        (Some(major), minor) if major < 100 => major > 5 || (major == 5 && minor.unwrap_or(0) >= 1),
        _ => true,
    }
}

/// What ffmpeg's log says besides the frames.
#[derive(Default)]
struct Log {
    width: u32,
    height: u32,
    duration_s: Option<f64>,
    /// Its last lines, for a failure's reason.
    tail: Vec<String>,
}

/// Reads ffmpeg's log: each `showinfo` line becomes a frame's time and size
/// on `tx`, in order, before ffmpeg writes that frame's pixels.
fn read_log(stderr: impl Read, tx: mpsc::Sender<(f64, u32, u32)>) -> Log {
    let mut log = Log::default();
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).map(|n| n > 0).unwrap_or(false) {
        let text = String::from_utf8_lossy(&line).trim().to_string();
        line.clear();
        if let Some(frame) = showinfo_frame(&text) {
            let _ = tx.send(frame);
            continue;
        }
        if let Some(d) = text.strip_prefix("Duration: ").and_then(|r| r.split(',').next()) {
            log.duration_s = parse_clock(d);
        } else if log.width == 0 && text.starts_with("Stream #0") && text.contains("Video:") {
            if let Some((w, h)) = text.split([' ', ',']).find_map(|t| {
                let (w, h) = t.split_once('x')?;
                Some((w.parse().ok()?, h.parse().ok()?))
            }) {
                (log.width, log.height) = (w, h);
            }
        }
        if !text.is_empty() && !text.starts_with("Stream") && !text.starts_with("Metadata") {
            log.tail.push(text.chars().take(200).collect());
            if log.tail.len() > 3 {
                log.tail.remove(0);
            }
        }
    }
    log
}

/// `… n:   2 pts: 102400 pts_time:8 … s:512x288 …` → (8.0, 512, 288).
fn showinfo_frame(line: &str) -> Option<(f64, u32, u32)> {
    if !line.contains("Parsed_showinfo") {
        return None;
    }
    let field = |key: &str| line.split_whitespace().find_map(|t| t.strip_prefix(key));
    let time: f64 = field("pts_time:")?.parse().ok()?;
    let (w, h) = field("s:")?.split_once('x')?;
    Some((time.max(0.0), w.parse().ok()?, h.parse().ok()?))
}

/// `00:01:02.50` → 62.5.
fn parse_clock(s: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in s.trim().split(':') {
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(total)
}

/// Kills ffmpeg when it goes [`STALL_TIMEOUT`] without producing a frame.
struct Watchdog {
    last: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    fired: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    start: Instant,
}

impl Watchdog {
    fn start(child: Arc<Mutex<Child>>) -> Self {
        let (last, done, fired) =
            (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let start = Instant::now();
        let (l, d, f) = (last.clone(), done.clone(), fired.clone());
        let thread = std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::park_timeout(Duration::from_millis(200));
                let idle = start.elapsed().saturating_sub(Duration::from_millis(l.load(Ordering::Relaxed)));
                if idle > STALL_TIMEOUT {
                    f.store(true, Ordering::Relaxed);
                    lock(&child).kill().ok();
                    return;
                }
            }
        });
        Self { last, done, fired, thread: Some(thread), start }
    }

    fn alive(&self) {
        self.last.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Whether it had to stop ffmpeg.
    fn stop(mut self) -> bool {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        self.fired.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_passthrough_flag_follows_the_version() {
        assert!(version_has_fps_mode("ffmpeg version 5.1.9-0+deb12u1 Copyright"));
        assert!(version_has_fps_mode("ffmpeg version n7.1 Copyright"));
        assert!(!version_has_fps_mode("ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright"));
        assert!(!version_has_fps_mode("ffmpeg version 5.0.1 Copyright"));
        assert!(version_has_fps_mode("ffmpeg version 2024-03-01-git-abc Copyright"));
    }

    #[test]
    fn container_metadata_gives_date_and_camera() {
        let log = "  Metadata:\n    creation_time   : 2024-07-01T12:30:00.000000Z\n    com.apple.quicktime.make: Apple\n    com.apple.quicktime.model: iPhone 12\n";
        let f = facts_from_log(log);
        assert_eq!(f.camera.as_deref(), Some("Apple iPhone 12"));
        assert_eq!(f.taken_at_ms.map(crate::iso_utc).as_deref(), Some("2024-07-01T12:30:00Z"));
        assert_eq!(parse_iso_ms("2024-07-01T14:30:00+0200"), parse_iso_ms("2024-07-01T12:30:00Z"));
        assert_eq!(facts_from_log("    creation_time   : 1970-01-01T00:00:00.000000Z").taken_at_ms, None);
    }

    #[test]
    fn showinfo_lines_give_time_and_size() {
        let line = "[Parsed_showinfo_2 @ 0x55] n:   2 pts: 102400 pts_time:8.04    pos: 294296 fmt:rgb24 sar:1/1 s:512x288 i:P";
        assert_eq!(showinfo_frame(line), Some((8.04, 512, 288)));
        assert_eq!(showinfo_frame("  Duration: 00:00:22.00, start: 0.000000"), None);
        assert_eq!(parse_clock("00:01:02.50"), Some(62.5));
    }
}
