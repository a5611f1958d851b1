//! What a name from outside (a hub listing, a manifest, an archive) may be
//! before it is joined onto a folder: a relative path of plain components,
//! the same on every platform. Windows reads `\` and `C:` as structure, so
//! neither is allowed anywhere, even where this build's OS would not care.
//! And which hub addresses weights may come from.

/// Weights come over TLS: a plain `http://` hub is refused unless it is on
/// this machine (a test server, a local mirror behind its own proxy).
pub(crate) fn check_endpoint(endpoint: &str) -> crate::Result<()> {
    let bad =
        |reason: &str| crate::ModelsError::BadEndpoint { endpoint: endpoint.to_string(), reason: reason.to_string() };
    let lower = endpoint.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").ok_or_else(|| bad("it does not start with https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("it names no host, or carries a user name"));
    }
    match scheme {
        "https" => Ok(()),
        "http" => {
            let host = match authority.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
            };
            let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(bad("plain http is only allowed on this machine (127.0.0.1, ::1, localhost); use https://"))
            }
        }
        _ => Err(bad("only https:// (or http:// on loopback) is supported")),
    }
}

/// Longest relative path accepted (bytes).
const MAX_LEN: usize = 512;

/// `Ok` when `path` is `a/b/c` made only of normal components: no `..`,
/// `.`, empty segment, `\`, `:` (drive letters, alternate streams), NUL or
/// other control character, no leading `/`, and no component a Windows
/// file system would trim or reserve.
pub fn check_relative(path: &str) -> Result<(), String> {
    if path.is_empty() || path.len() > MAX_LEN {
        return Err(format!("{path:?} is empty or longer than {MAX_LEN} bytes"));
    }
    if let Some(c) =
        path.chars().find(|c| c.is_control() || matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
    {
        return Err(format!("{path:?} contains {c:?}"));
    }
    for seg in path.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            return Err(format!("{path:?} is not a plain relative path"));
        }
        if seg.ends_with('.') || seg.ends_with(' ') {
            return Err(format!("{path:?} has a name Windows would change"));
        }
        let stem = seg.split('.').next().unwrap_or("").to_ascii_uppercase();
        let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
            || ["COM", "LPT"]
                .iter()
                .any(|p| stem.strip_prefix(p).is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit()));
        if reserved {
            return Err(format!("{path:?} uses a name Windows reserves"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_endpoint, check_relative};
    use crate::ModelsError;

    #[test]
    fn plain_http_is_refused_off_this_machine() {
        for ok in [
            "https://huggingface.co",
            "https://mirror.example:8443/hf",
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9000",
        ] {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://huggingface.co",
            "http://10.0.0.5:8080",
            "http://127.0.0.1.evil.example",
            "ftp://x",
            "huggingface.co",
            "https://user@host",
            "http://",
        ] {
            assert!(matches!(check_endpoint(bad), Err(ModelsError::BadEndpoint { .. })), "{bad}");
        }
    }

    #[test]
    fn only_plain_relative_paths_pass() {
        for ok in ["config.json", "visual/model.onnx", "visual/model.onnx_data", "textual/tokenizer.json", "a/b/c.d"] {
            assert!(check_relative(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "visual/../../x",
            "visual/..\\..\\..\\PWNED.bat",
            "..\\x",
            "C:\\Windows\\x",
            "C:x",
            "visual/model.onnx:stream",
            "a//b",
            "./a",
            "a/.",
            "a\0b",
            "visual/x\n",
            "visual/CON",
            "visual/nul.txt",
            "visual/com1.onnx",
            "visual/trailing.",
            "visual/space ",
        ] {
            assert!(check_relative(bad).is_err(), "{bad:?} passed");
        }
        assert!(check_relative(&"a".repeat(600)).is_err());
        assert!(check_relative("visual/console.json").is_ok(), "only the exact reserved names");
    }
}
