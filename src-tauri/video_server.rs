//! Videos for WebKitGTK's player. Its media backend cannot read a custom
//! URI scheme (WebKit bug 146351), so on Linux the window plays videos from
//! a loopback HTTP server: `http://127.0.0.1:<port>/<token>/<item id>`,
//! GET and HEAD with byte ranges, the token random for each run of the app
//! (any other path is 404). It serves only what the engine's
//! `Library::video_chunk` gives for an id: a video the library holds,
//! unchanged since it was indexed. Elsewhere the `media` scheme serves
//! videos itself.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use clipdex_library::{parse_range, ErrorCode, VideoChunk};
use tauri::{AppHandle, Manager, Runtime};

use crate::AppState;

/// A request's head, at most.
const MAX_HEAD: usize = 8 << 10;

/// Starts the server; returns the base URL (ending in `/`) a video's id is appended to.
pub fn start<R: Runtime>(app: AppHandle<R>) -> std::io::Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    let token = random_token()?;
    let base = format!("http://127.0.0.1:{port}/{token}/");
    std::thread::Builder::new().name("clipdex-video-server".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let (app, token) = (app.clone(), token.clone());
            let _ = std::thread::Builder::new().name("clipdex-video-request".into()).spawn(move || {
                let _ = serve(stream, &app, &token);
            });
        }
    })?;
    Ok(base)
}

fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Reads up to the blank line ending a request's head.
fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Err(std::io::Error::other("incomplete or oversized request"));
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The same bytes, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn serve<R: Runtime>(mut stream: TcpStream, app: &AppHandle<R>, token: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let head = read_head(&mut stream)?;
    let mut lines = head.split("\r\n");
    let mut words = lines.next().unwrap_or("").split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let range = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("range"))
        .map(|(_, v)| v.trim().to_string());
    if method != "GET" && method != "HEAD" {
        return status_only(&mut stream, "405 Method Not Allowed");
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let (given, id) = (segments.next().unwrap_or(""), segments.next().unwrap_or(""));
    if !same(given, token) || id.is_empty() {
        return status_only(&mut stream, "404 Not Found");
    }
    let (start, end) = parse_range(range.as_deref());
    let chunk = |from: u64| {
        let state = app.state::<AppState>();
        tauri::async_runtime::block_on(async move {
            let lib = state.library().await.map_err(|e| e.code)?;
            lib.video_chunk(id, from, end).await.map_err(|e| e.code())
        })
    };
    let first: VideoChunk = match chunk(start) {
        Ok(c) => c,
        Err(ErrorCode::BadArgument) => return status_only(&mut stream, "416 Range Not Satisfiable"),
        Err(_) => return status_only(&mut stream, "404 Not Found"),
    };
    let last = end.unwrap_or(first.total - 1).min(first.total - 1);
    let length = last - start + 1;
    let status = if range.is_some() { "206 Partial Content" } else { "200 OK" };
    let mut reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {length}\r\nAccept-Ranges: bytes\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        first.mime
    );
    if range.is_some() {
        reply.push_str(&format!("Content-Range: bytes {start}-{last}/{}\r\n", first.total));
    }
    reply.push_str("\r\n");
    stream.write_all(reply.as_bytes())?;
    if method == "HEAD" {
        return Ok(());
    }
    // The rest follows in chunks, as the player reads it.
    let mut next = first;
    loop {
        let sent_to = next.start + next.bytes.len() as u64;
        stream.write_all(&next.bytes)?;
        if sent_to > last {
            return Ok(());
        }
        next = chunk(sent_to).map_err(|code| std::io::Error::other(code.as_str()))?;
    }
}

fn status_only(stream: &mut TcpStream, status: &str) -> std::io::Result<()> {
    stream.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes())
}
