//! `clipdex serve` as scripts meet it: a running server on a library indexed
//! with the fixture model, called over real sockets (reqwest, and raw HTTP
//! for requests no well-behaved client sends). Results are compared with
//! the CLI's own `--json` lines for the same queries.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

mod support;

use support::{clipdex, fixtures, tagged_library};

/// A running `clipdex serve`, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Server {
    fn start(lib: &Path, extra: &[&str], cwd: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clipdex"))
            .arg("--library")
            .arg(lib)
            .arg("serve")
            .args(extra)
            .current_dir(cwd)
            .env("CLIPDEX_CACHE", lib.join("test-shared-cache"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("first line");
        let port = first
            .trim_end()
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("first line {first:?}"));
        let out = clipdex(lib, &["token"]);
        assert!(out.status.success());
        let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Self { child, port, token }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Server {
    /// SIGTERM, and how the server ended.
    fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        self.child.wait().expect("wait")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// One raw HTTP/1.1 exchange: status and body. For requests a client
/// library would not send as written (a foreign Host, `..` in the path).
fn raw(port: u16, request_line: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut req = format!("{request_line}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("read");
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn code_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {body}")).to_string()
}

async fn get(client: &reqwest::Client, s: &Server, path: &str) -> (u16, Value) {
    let r = client.get(s.url(path)).bearer_auth(&s.token).send().await.expect("send");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_api_answers_like_the_cli_and_refuses_what_it_must() {
    let (lib, photos) = tagged_library();
    let s = Server::start(lib.path(), &["--port", "0"], photos.path());
    let client = reqwest::Client::new();

    // The token file: the owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(lib.path().join("api-token")).expect("token file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
        assert_eq!(s.token.len(), 64);
    }

    // Searches: the same results and scores as the CLI's for the same query.
    for (q, extra) in [("a photo of a cat", ""), ("coffee", "&mode=keyword"), ("horse", "&min_score=-1&limit=4")] {
        let (status, body) = get(&client, &s, &format!("/v1/search?q={}{extra}", q.replace(' ', "%20"))).await;
        assert_eq!(status, 200, "{body}");
        let mut args = vec!["search", q, "--json"];
        if extra.contains("keyword") {
            args.extend(["--mode", "keyword"]);
        }
        if extra.contains("min_score") {
            args.extend(["--min-score", "-1", "--limit", "4"]);
        }
        let out = clipdex(lib.path(), &args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let cli: Vec<Value> =
            String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("line")).collect();
        assert!(!cli.is_empty(), "{q}: the CLI found nothing");
        assert_eq!(body["results"].as_array().expect("results"), &cli, "{q}");
        assert!(body["hidden"].is_u64() && body.get("cutoff").is_some());
    }

    // An image upload finds that photo first, cosine ~1.
    let bytes = std::fs::read(photos.path().join("chelsea.png")).expect("read");
    let r = client
        .post(s.url("/v1/search?limit=3"))
        .bearer_auth(&s.token)
        .header("Content-Type", "image/png")
        .body(bytes)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 200);
    let found: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    let top = &found["results"][0];
    assert!(top["path"].as_str().expect("path").ends_with("chelsea.png"), "{found}");
    assert!(top["score"].as_f64().expect("score") > 0.99, "{top}");
    let id = top["id"].as_str().expect("id").to_string();

    // The item, its thumbnail, similar items, its labels, the status.
    let (status, item) = get(&client, &s, &format!("/v1/items/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(item["id"], top["id"]);
    assert_eq!(item["paths"], top["paths"]);
    assert!(!item["tags"].as_array().expect("tags").is_empty(), "{item}");
    let r = client.get(s.url(&format!("/v1/items/{id}/thumbnail"))).bearer_auth(&s.token).send().await.expect("get");
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let jpeg = r.bytes().await.expect("bytes");
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    let (status, similar) = get(&client, &s, &format!("/v1/items/{id}/similar?limit=3&min_score=-1")).await;
    assert_eq!(status, 200);
    let similar = similar["results"].as_array().expect("results");
    assert_eq!(similar.len(), 3);
    assert!(similar.iter().all(|h| h["id"].as_str() != Some(id.as_str())), "itself left out");
    let (status, described) = get(&client, &s, &format!("/v1/items/{id}/describe?limit=5")).await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["labels"].as_array().expect("labels").len(), 5);
    let (status, st) = get(&client, &s, "/v1/status").await;
    assert_eq!(status, 200);
    assert_eq!(st["items"], 6);

    // Every error status, as {"error": {code, message}}.
    let auth = format!("Bearer {}", s.token);
    let host = format!("127.0.0.1:{}", s.port);
    let ok_headers = [("Host", host.as_str()), ("Authorization", auth.as_str())];
    let evil = format!("evil.example:{}", s.port);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("GET /v1/status HTTP/1.1", vec![("Host", host.as_str())], 401, "unauthorized"),
        (
            "GET /v1/status HTTP/1.1",
            vec![("Host", host.as_str()), ("Authorization", "Bearer 00ff")],
            401,
            "unauthorized",
        ),
        ("GET /v1/status HTTP/1.1", vec![("Host", "evil.example"), ("Authorization", auth.as_str())], 403, "forbidden"),
        ("GET /v1/status HTTP/1.1", vec![("Host", evil.as_str()), ("Authorization", auth.as_str())], 403, "forbidden"),
        (
            "GET /v1/status HTTP/1.1",
            vec![("Host", host.as_str()), ("Authorization", auth.as_str()), ("Origin", "https://evil.example")],
            403,
            "forbidden",
        ),
        (
            "GET /v1/status HTTP/1.1",
            vec![("Host", host.as_str()), ("Authorization", auth.as_str()), ("Origin", "null")],
            403,
            "forbidden",
        ),
        ("GET /v1/search?q=similar:xyz HTTP/1.1", ok_headers.to_vec(), 400, "query_syntax"),
        ("GET /v1/search?q=cat&limit=0 HTTP/1.1", ok_headers.to_vec(), 400, "bad_argument"),
        (
            "GET /v1/items/0000000000000000000000000000000000000000000000000000000000000000 HTTP/1.1",
            ok_headers.to_vec(),
            404,
            "no_such_item",
        ),
        ("GET /v1/nothing HTTP/1.1", ok_headers.to_vec(), 404, "not_found"),
    ];
    for (line, headers, want, code) in &cases {
        let (status, body) = raw(s.port, line, headers);
        assert_eq!((status, code_of(&body).as_str()), (*want, *code), "{line} {headers:?}: {body}");
    }
    let (status, body) = raw(s.port, "GET /v1/search?q=similar:xyz HTTP/1.1", &ok_headers);
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_str::<Value>(&body).expect("json")["error"]["position"], 8, "{body}");

    // Uploads: over the limit, not an image, an image type with other bytes.
    let big = vec![0u8; 40 << 20];
    for (kind, body, want, code) in [
        ("image/jpeg", big, 413, "too_large"),
        ("text/plain", b"hello".to_vec(), 415, "bad_image"),
        ("image/png", b"not a png at all".to_vec(), 415, "bad_image"),
    ] {
        let r = client
            .post(s.url("/v1/search"))
            .bearer_auth(&s.token)
            .header("Content-Type", kind)
            .body(body)
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        assert_eq!((status, code_of(&r.text().await.expect("body")).as_str()), (want, code), "{kind}");
    }

    // No path from a request is ever read: names of files beside the
    // server (its working folder holds the photos), `..` and encodings.
    let passwd_like = ["root:", "\u{89}PNG"];
    for target in [
        "/v1/items/chelsea.png",
        "/v1/items/chelsea.png/describe",
        "/v1/items/chelsea.png/similar",
        "/v1/items/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/items/%2Fetc%2Fpasswd/thumbnail",
        "/v1/items/..%252F..%252Fetc%252Fpasswd/describe",
        "/v1/items/../../../../etc/passwd",
        "/v1/items/%2e%2e/%2e%2e/etc/passwd",
        "/v1/items/~%2F.bashrc/thumbnail",
    ] {
        let (status, body) = raw(s.port, &format!("GET {target} HTTP/1.1"), &ok_headers);
        assert_eq!(status, 404, "{target}: {body}");
        assert!(passwd_like.iter().all(|p| !body.contains(p)), "{target}: {body}");
    }
    // A picture's path in a query is words, not a file: a copy outside the
    // library would match itself with cosine ~1 if it were read.
    let outside = tempfile::tempdir().expect("tmp");
    let copy = outside.path().join("probe.png");
    std::fs::copy(photos.path().join("coffee.png"), &copy).expect("copy");
    let (status, body) = get(&client, &s, &format!("/v1/search?q={}&min_score=-1&mode=vector", copy.display())).await;
    assert_eq!(status, 200, "{body}");
    let best =
        body["results"].as_array().expect("results").iter().filter_map(|h| h["score"].as_f64()).fold(-1.0, f64::max);
    assert!(best < 0.9, "the query's path was opened and embedded: {best}");

    // A rotated token works at once; the old one stops.
    let out = clipdex(lib.path(), &["token", "--rotate"]);
    let rotated = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_ne!(rotated, s.token);
    let old = client.get(s.url("/v1/status")).bearer_auth(&s.token).send().await.expect("get");
    assert_eq!(old.status().as_u16(), 401);
    let new = client.get(s.url("/v1/status")).bearer_auth(&rotated).send().await.expect("get");
    assert_eq!(new.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_validates_and_lists_every_route() {
    let (lib, photos) = tagged_library();
    let s = Server::start(lib.path(), &[], photos.path());
    let client = reqwest::Client::new();
    let (status, doc) = get(&client, &s, "/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");

    // An independent validator (the OpenAPI 3.1 schema, from npm).
    let file = lib.path().join("openapi.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("node")
        .arg(root.join("tests/api/validate-openapi.mjs"))
        .arg(&file)
        .output()
        .expect("node (the README's set-up installs it)");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    // Every documented route answers (an unknown id is that item's 404, not
    // the router's), and an undocumented one is the router's 404.
    let id = "0".repeat(64);
    let auth = format!("Bearer {}", s.token);
    let host = format!("127.0.0.1:{}", s.port);
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("ops").keys() {
            let target = path.replace("{id}", &id);
            let line = format!("{} {target}?q=cat HTTP/1.1", method.to_uppercase());
            let mut headers = vec![("Host", host.as_str()), ("Authorization", auth.as_str())];
            if method == "post" {
                headers.push(("Content-Type", "text/plain"));
                headers.push(("Content-Length", "0"));
            }
            let (status, body) = raw(s.port, &line, &headers);
            if status != 200 {
                assert_ne!(code_of(&body), "not_found", "{line}: the server does not answer a documented route");
            }
        }
    }
    for undocumented in ["GET /v1/items HTTP/1.1", "DELETE /v1/items/x HTTP/1.1", "GET /v2/search HTTP/1.1"] {
        let (status, body) = raw(s.port, undocumented, &[("Host", host.as_str()), ("Authorization", auth.as_str())]);
        assert!(matches!(status, 404 | 405), "{undocumented}: {status} {body}");
        assert_eq!(code_of(&body), "not_found", "{undocumented}");
    }

    // SIGTERM ends it cleanly.
    let mut s = s;
    assert!(s.stop().success(), "serve exits 0 on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_searches_while_an_index_run_commits() {
    let (lib, photos) = tagged_library();
    let s = Server::start(lib.path(), &[], photos.path());
    // More photos for an index run to commit while the searches run.
    let more = tempfile::tempdir().expect("more");
    for (i, f) in
        ["rocket.jpg", "hubble_deep_field.jpg", "coins.png", "brick.png", "logo.png", "retina.jpg"].iter().enumerate()
    {
        let src = fixtures().join("photos").join(f);
        for k in 0..4 {
            let mut bytes = std::fs::read(&src).expect("read");
            bytes.extend_from_slice(format!("copy {i} {k}").as_bytes()); // distinct content, same picture
            std::fs::write(more.path().join(format!("{k}-{f}")), bytes).expect("write");
        }
    }
    let mut index = Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib.path())
        .args(["index", more.path().to_str().expect("u")])
        .env("CLIPDEX_CACHE", lib.path().join("test-shared-cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("index");
    let client = reqwest::Client::new();
    let mut rounds = 0;
    let mut failures = Vec::new();
    loop {
        let done = index.try_wait().expect("wait").is_some();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let (client, url, token) =
                    (client.clone(), s.url(&format!("/v1/search?q=photo%20{i}&min_score=-1")), s.token.clone());
                tokio::spawn(async move {
                    let r = client.get(url).bearer_auth(token).send().await.map_err(|e| e.to_string())?;
                    let status = r.status().as_u16();
                    let body = r.text().await.map_err(|e| e.to_string())?;
                    if status == 200 {
                        Ok(())
                    } else {
                        Err(format!("{status}: {body}"))
                    }
                })
            })
            .collect();
        for t in tasks {
            if let Err(e) = t.await.expect("task") {
                failures.push(e);
            }
        }
        rounds += 1;
        if done {
            break;
        }
    }
    let out = index.wait_with_output().expect("index");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        failures.is_empty(),
        "{} of {} searches failed: {:?}",
        failures.len(),
        rounds * 50,
        &failures[..failures.len().min(3)]
    );
    assert!(rounds >= 2, "the index run was over before the searches began");
    // The server sees what the run committed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, st) = get(&client, &s, "/v1/status").await;
    assert_eq!(st["items"], 30, "{st}");
}
