//! Checks of single setting values: origins, cookie names, the inline signing key; each says in one
//! line what is wrong. And the default database's place.

use std::path::{Path, PathBuf};

use base64::Engine;

pub(super) fn sibling(path: &Path, name: &str) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    }
}

/// The default database: `latchkey.db` in the directory of the executable.
pub fn default_db_path() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("latchkey.db")))
        .unwrap_or_else(|| PathBuf::from("latchkey.db"))
}

pub(super) fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Why an origin was refused; the caller names the flag.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("`{text}` must be an http:// or https:// URL ({cause})")]
    NotAUrl {
        text: String,
        #[source]
        cause: url::ParseError,
    },
    #[error("`{0}` must start with http:// or https://")]
    NotHttp(String),
    #[error("`{0}` must be scheme://host[:port] with no path")]
    NotBare(String),
}

/// `https://host[:port]` with no path, lower-cased, no trailing slash.
pub(super) fn normalize_origin(text: &str) -> Result<String, OriginError> {
    let url = url::Url::parse(text.trim()).map_err(|cause| OriginError::NotAUrl {
        text: text.into(),
        cause,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OriginError::NotHttp(text.into()));
    }
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !bare || !url.username().is_empty() || url.password().is_some() {
        return Err(OriginError::NotBare(text.into()));
    }
    Ok(url.origin().ascii_serialization())
}

/// Why `LATCHKEY_SECRET` is not a key, and how to make one.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("LATCHKEY_SECRET is odd-length hex")]
    OddHex(#[source] hex::FromHexError),
    #[error("LATCHKEY_SECRET is neither hex nor base64")]
    NeitherHexNorBase64(#[source] base64::DecodeError),
    #[error(
        "LATCHKEY_SECRET decodes to {0} bytes; it needs at least 32 (try `openssl rand -hex 32`)"
    )]
    TooShort(usize),
    #[error(
        "LATCHKEY_SECRET is one byte repeated, not a key; generate one with `openssl rand -hex 32`"
    )]
    OneByteRepeated,
}

/// Hex when every character is a hex digit, else base64; at least 32 bytes, not all equal.
pub(super) fn decode_secret(text: &str) -> Result<Vec<u8>, SecretError> {
    let text = text.trim();
    let bytes = if !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(text).map_err(SecretError::OddHex)?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(SecretError::NeitherHexNorBase64)?
    };
    if bytes.len() < 32 {
        return Err(SecretError::TooShort(bytes.len()));
    }
    if bytes.iter().all(|b| *b == bytes[0]) {
        return Err(SecretError::OneByteRepeated);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_read_as_hex_or_base64() {
        let key: Vec<u8> = (0..40).collect();
        assert_eq!(decode_secret(&hex::encode(&key)).unwrap(), key);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
        assert_eq!(decode_secret(&b64).unwrap(), key);
        assert!(
            decode_secret(&"00".repeat(32)).is_err(),
            "one byte repeated"
        );
        assert!(decode_secret(&"ab".repeat(31)).is_err());
        assert!(decode_secret("not a key!").is_err());
    }

    #[test]
    fn origins_are_normalized_and_checked() {
        assert_eq!(
            normalize_origin("https://Admin.Example.com/").unwrap(),
            "https://admin.example.com"
        );
        assert_eq!(
            normalize_origin("https://admin.example.com:443").unwrap(),
            "https://admin.example.com"
        );
        assert_eq!(
            normalize_origin("http://localhost:8080").unwrap(),
            "http://localhost:8080"
        );
        assert!(normalize_origin("admin.example.com").is_err());
        assert!(normalize_origin("ftp://admin.example.com").is_err());
        assert!(normalize_origin("https://user@admin.example.com").is_err());
        assert!(normalize_origin("https://a.example/path").is_err());
    }

    #[test]
    fn cookie_names_are_plain_tokens() {
        assert!(is_cookie_name("refresh_token"));
        assert!(!is_cookie_name("a;b") && !is_cookie_name(""));
    }
}
