//! `clipdex mcp` as an assistant's client meets it: JSON-RPC 2.0 over the
//! child's stdin and stdout, one message per line, written here by hand
//! from the Model Context Protocol's specification (not with the SDK the
//! server is built on), on a library indexed with the fixture model.

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

mod support;

use support::tagged_library;

struct Session {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl Session {
    fn send(&mut self, msg: &Value) {
        writeln!(self.stdin, "{msg}").expect("write");
        self.stdin.flush().expect("flush");
    }

    /// A request and its response (notifications in between are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).expect("read");
            assert!(n > 0, "the server closed stdout while {method} was pending");
            let msg: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON-RPC on stdout: {line:?}"));
            if msg["id"] == id {
                return msg;
            }
        }
    }

    fn tool(&mut self, name: &str, arguments: Value) -> Value {
        let r = self.call("tools/call", json!({"name": name, "arguments": arguments}));
        assert!(r.get("error").is_none(), "{name}: {r}");
        r["result"].clone()
    }
}

fn texts(result: &Value) -> Vec<String> {
    let parts = result["content"].as_array().expect("content");
    parts.iter().filter(|p| p["type"] == "text").map(|p| p["text"].as_str().expect("text").to_string()).collect()
}

fn images(result: &Value) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let parts = result["content"].as_array().expect("content");
    parts
        .iter()
        .filter(|p| p["type"] == "image")
        .map(|p| {
            assert_eq!(p["mimeType"], "image/jpeg");
            base64::engine::general_purpose::STANDARD.decode(p["data"].as_str().expect("data")).expect("base64")
        })
        .collect()
}

#[test]
fn an_assistant_searches_looks_closer_and_finds_more_like_it() {
    let (lib, photos) = tagged_library();
    let cache = lib.path().join("test-shared-cache");

    let mut child = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib.path())
        .args(["mcp", "--images", "2"])
        .current_dir(photos.path())
        .env("CLIPDEX_CACHE", &cache)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("mcp");
    let mut s = Session {
        stdin: child.stdin.take().expect("stdin"),
        stdout: BufReader::new(child.stdout.take().expect("stdout")),
        next: 0,
    };

    let init = s.call(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "clipdex", "{init}");
    assert!(init["result"]["capabilities"]["tools"].is_object(), "{init}");
    s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

    let listed = s.call("tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().expect("tools");
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().expect("name")).collect();
    names.sort();
    assert_eq!(names, ["describe_photo", "find_similar", "library_status", "photo_details", "search_photos"]);
    let search = tools.iter().find(|t| t["name"] == "search_photos").expect("search_photos");
    let about = search["description"].as_str().expect("description");
    assert!(about.contains("cutoff") && about.contains("cosine"), "what a score means: {about}");
    assert_eq!(search["inputSchema"]["required"], json!(["query"]), "{search}");

    // A search: a summary, then a text part per result; thumbnails for the top two.
    let found = s.tool("search_photos", json!({"query": "a photo of a cat", "limit": 5, "min_score": -1}));
    assert_ne!(found["isError"], true, "{found}");
    let parts = texts(&found);
    assert!(parts[0].contains("5 results"), "{}", parts[0]);
    let results: Vec<Value> = parts[1..].iter().map(|t| serde_json::from_str(t).expect("facts JSON")).collect();
    assert_eq!(results.len(), 5);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        assert!(r["id"].as_str().is_some_and(|id| id.len() == 64) && r["path"].is_string() && r["score"].is_number());
    }
    let thumbs = images(&found);
    assert_eq!(thumbs.len(), 2);
    assert!(thumbs.iter().all(|j| j.starts_with(&[0xFF, 0xD8, 0xFF])), "JPEG thumbnails");
    let first = results[0]["id"].as_str().expect("id").to_string();

    let details = s.tool("photo_details", json!({"id": first}));
    let facts: Value = serde_json::from_str(&texts(&details)[0]).expect("json");
    assert_eq!(facts["id"], first.as_str());
    assert!(!facts["paths"].as_array().expect("paths").is_empty());
    assert_eq!(images(&details).len(), 1);

    let described = s.tool("describe_photo", json!({"id": first, "limit": 3}));
    let labels: Value = serde_json::from_str(&texts(&described)[0]).expect("json");
    assert_eq!(labels.as_array().expect("labels").len(), 3, "{labels}");

    let similar = s.tool("find_similar", json!({"id": first, "limit": 3}));
    assert_ne!(similar["isError"], true, "{similar}");
    assert!(texts(&similar).iter().skip(1).all(|t| !t.contains(&first)), "itself left out");

    let status = s.tool("library_status", json!({}));
    let st: Value = serde_json::from_str(&texts(&status)[0]).expect("json");
    assert_eq!(st["items"], 6);

    // Bad ids are the tool's error, and no file beside the server is read.
    for bad in ["chelsea.png", "../../etc/passwd", "00ff"] {
        let r = s.tool("photo_details", json!({"id": bad}));
        assert_eq!(r["isError"], true, "{bad}: {r}");
        assert!(texts(&r)[0].contains("no_such_item"), "{r}");
        assert!(images(&r).is_empty());
    }
    // A query's path is words: chelsea.png's own file is not embedded.
    let worded = s.tool("search_photos", json!({"query": photos.path().join("chelsea.png"), "min_score": -1}));
    let scores: Vec<f64> = texts(&worded)[1..]
        .iter()
        .map(|t| serde_json::from_str::<Value>(t).expect("json")["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.iter().all(|s| *s < 0.9), "the query's path was read as an image: {scores:?}");

    drop(s);
    let status = child.wait().expect("exit");
    assert!(status.success(), "the server ends cleanly when its client closes stdin");
}
