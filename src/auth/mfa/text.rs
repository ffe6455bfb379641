//! How codes and enrolments look as text: typed codes normalised, recovery codes drawn
//! (`xxxxx-xxxxx`, 50 random bits), the `otpauth://` URL percent-encoded and drawn as an inline SVG
//! QR code.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::Rng;

use crate::error::ApiError;

/// 32 letters and digits without the look-alikes 0/o and 1/l: 5 bits each.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
pub(super) const RECOVERY_LEN: usize = 10;

/// Codes as people type them: spaces and dashes dropped, any case.
pub(super) fn normalize(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `xxxxx-xxxxx`: 50 random bits.
pub(super) fn recovery_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..RECOVERY_LEN)
        .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..32)] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-._~`).
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 percent-encoding of everything but the unreserved characters.
pub(super) fn url_encode(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
}

/// The URL as a QR code in an inline `<svg>` element (no XML prolog, so it
/// can be placed in a page as it is).
pub(super) fn qr_svg(url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(ApiError::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_characters_of_the_alphabet_and_normalize_back() {
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        let typed = normalize(&format!(" {} ", code.to_uppercase()));
        assert_eq!(typed.len(), RECOVERY_LEN);
        assert!(typed.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
    }

    #[test]
    fn labels_and_issuers_are_percent_encoded() {
        assert_eq!(url_encode("Acme Admin:é"), "Acme%20Admin%3A%C3%A9");
        assert!(qr_svg("otpauth://totp/a:b?secret=MY")
            .unwrap()
            .starts_with("<svg"));
    }
}
