//! The original request as the rules see it: the host lower-cased without its port or trailing dot,
//! the path percent-decoded (`%2F` included) with `.`/`..`, empty segments and `;parameters`
//! resolved the way a backend would, so no spelling of a path reaches a rule another spelling
//! cannot. A path that is not UTF-8 once decoded matches no `paths` entry.

use percent_encoding::percent_decode_str;

/// Where a request is going, normalised once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    /// `None`: not UTF-8 after decoding (matches no `paths` entry).
    pub path: Option<String>,
    pub method: String,
}

impl Target {
    /// From the host (with or without a port), the path (query and fragment
    /// are dropped) and the method.
    pub fn new(host: &str, path: &str, method: &str) -> Target {
        Target {
            host: host_name(host),
            path: resolved_path(path),
            method: method.trim().to_ascii_uppercase(),
        }
    }
}

/// Lower case, without the port and the trailing dot (`Example.COM.:443` is `example.com`).
pub fn host_name(raw: &str) -> String {
    let raw = raw.trim();
    let host = match raw.strip_prefix('[') {
        // An IPv6 literal keeps its brackets; what follows `]` is the port.
        Some(rest) => rest
            .split_once(']')
            .map_or(raw, |(inside, _)| &raw[..inside.len() + 2]),
        None => match raw.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => raw,
        },
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The absolute path a backend serves: decoded, `.` and empty segments
/// dropped, `..` taking the previous one away (never above the root), each
/// segment's `;parameters` (`;jsessionid=…`) cut off; a backslash counts as
/// a slash, since some backends treat it as one.
pub fn resolved_path(raw: &str) -> Option<String> {
    let raw = raw.split(['?', '#']).next().unwrap_or_default();
    if is_resolved(raw) {
        return Some(raw.to_string());
    }
    let decoded: Vec<u8> = percent_decode_str(raw).collect();
    let text = String::from_utf8(decoded).ok()?;
    let mut segments: Vec<&str> = Vec::new();
    for segment in text.split(['/', '\\']) {
        match segment.split(';').next().unwrap_or_default() {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            kept => segments.push(kept),
        }
    }
    Some(format!("/{}", segments.join("/")))
}

/// Already what resolving gives (the common case, taken without decoding or
/// splitting): rooted, no segment empty, `.` or `..`, nothing to decode or cut.
fn is_resolved(path: &str) -> bool {
    let Some(segments) = path.strip_prefix('/') else {
        return false;
    };
    !path.contains(['%', ';', '\\'])
        && (segments.is_empty() || segments.split('/').all(|s| !matches!(s, "" | "." | "..")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_case_port_and_trailing_dot() {
        for (raw, host) in [
            ("Grafana.Example.COM", "grafana.example.com"),
            ("grafana.example.com.:8443", "grafana.example.com"),
            ("grafana.example.com..", "grafana.example.com"),
            ("[::1]:8080", "[::1]"),
            ("127.0.0.1:80", "127.0.0.1"),
        ] {
            assert_eq!(host_name(raw), host, "{raw}");
        }
    }

    #[test]
    fn paths_resolve_as_a_backend_would() {
        for (raw, path) in [
            ("/public/../admin", "/admin"),
            ("/public/..%2fadmin", "/admin"),
            ("/public/%2e%2e/admin", "/admin"),
            ("/public/%2E%2E%2Fadmin", "/admin"),
            ("//admin", "/admin"),
            ("/admin;jsessionid=1/x", "/admin/x"),
            ("/./a/./b/", "/a/b"),
            ("/../../etc", "/etc"),
            ("/a%20b?x=/admin#frag", "/a b"),
            ("/public\\..\\admin", "/admin"),
            ("", "/"),
            ("/", "/"),
            ("/a/", "/a"),
            ("/users/42", "/users/42"),
            ("/a/.", "/a"),
            ("/a/..", "/"),
            ("/.hidden/x", "/.hidden/x"),
        ] {
            assert_eq!(resolved_path(raw).as_deref(), Some(path), "{raw}");
        }
        assert_eq!(resolved_path("/public/%ff"), None);
    }
}
