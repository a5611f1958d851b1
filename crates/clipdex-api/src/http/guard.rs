//! What every request must pass before a handler sees it, in this order:
//! - `Host` is `127.0.0.1:PORT` or `localhost:PORT` (403 otherwise): a page
//!   that rebinds its own name to 127.0.0.1 still sends its own name;
//! - no `Origin` header at all (403): browsers send one with every
//!   cross-origin call, and no web page has any business here;
//! - `Authorization: Bearer <the library's token>` (401 otherwise), read
//!   from the library for each request, so a rotated token works at once
//!   and the old one stops.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clipdex_library::{same_token, ErrorCode};

use super::{ApiError, Shared};

pub(crate) async fn guard(State(s): State<Shared>, headers: HeaderMap, req: Request, next: Next) -> Response {
    match check(&s, &headers) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

fn check(s: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let forbidden = |m: String| ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, m);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !host_allowed(host, s.port) {
        return Err(forbidden(format!(
            "this server answers only requests addressed to 127.0.0.1:{0} or localhost:{0}",
            s.port
        )));
    }
    if headers.contains_key(header::ORIGIN) {
        return Err(forbidden("requests from web pages (with an Origin header) are refused".into()));
    }
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, m);
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthorized("send the library's token as `Authorization: Bearer <token>`"))?;
    let expected =
        s.lib.current_api_token().map_err(ApiError::from)?.ok_or_else(|| {
            unauthorized("the library has no API token any more; make one (`clipdex token`) and send it")
        })?;
    if !same_token(given, &expected) {
        return Err(unauthorized("wrong token: send the library's current token (`clipdex token` prints it)"));
    }
    Ok(())
}

/// `127.0.0.1:PORT` or `localhost:PORT` (any case), exactly.
fn host_allowed(host: &str, port: u16) -> bool {
    let Some((name, p)) = host.rsplit_once(':') else { return false };
    p == port.to_string() && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn only_loopback_names_with_our_port() {
        assert!(host_allowed("127.0.0.1:8080", 8080));
        assert!(host_allowed("localhost:8080", 8080));
        assert!(host_allowed("LocalHost:8080", 8080));
        for bad in [
            "127.0.0.1",
            "localhost",
            "127.0.0.1:8081",
            "evil.example:8080",
            "localhost.evil.example:8080",
            "127.0.0.1.nip.io:8080",
            "[::1]:8080",
            "0.0.0.0:8080",
            "",
            "127.0.0.1:8080:8080",
        ] {
            assert!(!host_allowed(bad, 8080), "{bad}");
        }
    }
}
