//! The `rd` rule: where the portal may send a browser after sign-in. Only an absolute https URL
//! (http when cookies may be sent without TLS) without user info or backslashes, whose host is
//! the public URL's, the cookie domain or within it, or, with neither set, the request's own.

use url::{Host, Url};

/// Longer values are refused before parsing: no real page address needs more, and a long
/// value is only ever an attempt to hide something in it.
pub const MAX_RD_LEN: usize = 2048;

/// The hosts a redirect may reach, read once from the settings.
#[derive(Clone, Debug)]
pub struct RedirectRule {
    public_host: Option<String>,
    cookie_domain: Option<String>,
    allow_http: bool,
}

impl RedirectRule {
    /// `public_host` is the public URL's host, `cookie_domain` the portal cookie's domain (a
    /// leading dot is ignored), `allow_http` true when `--cookie-secure false`. A value that is
    /// not a host name is treated as absent from the list of allowed hosts, never as "any".
    pub fn new(
        public_host: Option<String>,
        cookie_domain: Option<String>,
        allow_http: bool,
    ) -> Self {
        let cookie_domain = cookie_domain.map(|d| d.trim_start_matches('.').to_owned());
        Self {
            public_host: public_host.map(|h| normalise_host(&h).unwrap_or_default()),
            cookie_domain: cookie_domain.map(|d| normalise_host(&d).unwrap_or_default()),
            allow_http,
        }
    }

    /// The URL to send the browser to, or `None` when `rd` is refused. `request_host` is the
    /// `Host` the request came with (port and all), used only when neither host is configured.
    pub fn checked(&self, rd: &str, request_host: &str) -> Option<String> {
        let url = self.parsed(rd)?;
        let host = normalise_host(url.host_str()?)?;
        self.host_allowed(&host, request_host).then(|| url.into())
    }

    /// The URL when its form is acceptable, whatever its host.
    fn parsed(&self, rd: &str) -> Option<Url> {
        if rd.len() > MAX_RD_LEN || has_hidden_characters(rd) {
            return None;
        }
        // The parser would accept `https:evil` or `https:/evil` as `https://evil/`: only the
        // spelled-out form counts as absolute, so what was checked is what the browser sees.
        let scheme_ok = starts_with_ignore_case(rd, "https://")
            || (self.allow_http && starts_with_ignore_case(rd, "http://"));
        let url = Url::parse(rd).ok().filter(|_| scheme_ok)?;
        let no_user_info = url.username().is_empty() && url.password().is_none();
        no_user_info.then_some(url)
    }

    fn host_allowed(&self, host: &str, request_host: &str) -> bool {
        if self.public_host.is_none() && self.cookie_domain.is_none() {
            return normalise_host(request_host).is_some_and(|own| own == host);
        }
        let is_public = self.public_host.as_deref() == Some(host);
        let in_domain = self
            .cookie_domain
            .as_deref()
            .is_some_and(|domain| !domain.is_empty() && (host == domain || within(host, domain)));
        is_public || in_domain
    }
}

/// `host` is a subdomain of `domain` at any depth (never a name that merely ends the same way).
fn within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.'))
}

/// Backslashes (raw or percent-encoded) turn into slashes in browsers, and whitespace or
/// control characters are silently dropped by URL parsers: either could make the checked
/// host differ from the one the browser goes to.
fn has_hidden_characters(rd: &str) -> bool {
    let lower = rd.to_ascii_lowercase();
    rd.chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        || lower.contains("%5c")
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// A host as compared: no port, lower case, IDNA in its ASCII form, one trailing dot dropped
/// (`example.com.` is `example.com`); `None` for anything that is not a host.
fn normalise_host(raw: &str) -> Option<String> {
    let without_port = strip_port(raw);
    let name = without_port.strip_suffix('.').unwrap_or(without_port);
    if name.is_empty() || name.ends_with('.') {
        return None;
    }
    let host = Host::parse(&name.to_lowercase()).ok()?;
    Some(host.to_string())
}

fn strip_port(raw: &str) -> &str {
    if raw.starts_with('[') {
        return raw.find(']').map_or(raw, |end| &raw[..=end]);
    }
    match raw.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => raw,
    }
}

#[cfg(test)]
mod tests;
