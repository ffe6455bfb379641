//! Schemas of text fields whose rules are written as patterns built from parts. The server trims
//! with Rust's `trim` (Unicode's White_Space set) before it judges a value, so the patterns spell
//! that set out: the documented values are then exactly the accepted ones, which schemathesis
//! checks from both sides.

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::KnownFormat;
use utoipa::openapi::SchemaFormat;

/// Unicode's White_Space characters: what `str::trim` removes.
const WS: &str = r"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// `char::is_control`: the Cc category.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";

fn text(pattern: String, nullable: bool) -> ObjectBuilder {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .pattern(Some(pattern))
}

/// A required text that is not blank.
pub fn not_blank() -> Object {
    text(format!("[^{WS}]"), false).build()
}

pub fn not_blank_password() -> Object {
    text(format!("[^{WS}]"), false)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .build()
}

/// `name@example.com`: one `@`, no white space or control character,
/// dot-separated labels not starting or ending with `-`; surrounding white
/// space is trimmed, and blank or `null` means none.
pub fn email() -> Object {
    let label = format!("[^@.{WS}{CONTROL}-](?:[^@.{WS}{CONTROL}]*[^@.{WS}{CONTROL}-])?");
    let pattern = format!("^[{WS}]*(?:[^@{WS}{CONTROL}]+@{label}(?:\\.{label})*)?[{WS}]*$");
    text(pattern, true)
        .max_length(Some(254))
        .examples([serde_json::json!("alice@example.com")])
        .build()
}

/// Format characters that can reorder or hide text (see `routes::passkeys::input`).
const HIDING: &str = r"\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF";

/// A passkey's name: 1–64 characters without control or hiding format
/// characters once surrounding white space is trimmed.
pub fn passkey_name() -> Object {
    let inner = format!(
        "[^{WS}{CONTROL}{HIDING}](?:[^{CONTROL}{HIDING}]{{0,62}}[^{WS}{CONTROL}{HIDING}])?"
    );
    text(format!("^[{WS}]*{inner}[{WS}]*$"), false)
        .examples([serde_json::json!("Laptop")])
        .build()
}

/// At most 256 characters without control characters once surrounding
/// white space is trimmed; blank or `null` means none.
pub fn full_name() -> Object {
    let pattern = format!("^[{WS}]*[^{CONTROL}]{{0,256}}[{WS}]*$");
    text(pattern, true)
        .examples([serde_json::json!("Alice Example")])
        .build()
}

/// A set of group names (see "Groups"): each of the documented shape; sent twice, kept once.
pub fn groups() -> utoipa::openapi::schema::Array {
    group_list().build()
}

/// `groups` in a request body: a set of names, or `null` (left as it is).
pub fn groups_input() -> utoipa::openapi::schema::Array {
    group_list()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .build()
}

fn group_list() -> utoipa::openapi::schema::ArrayBuilder {
    let name = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(GROUP_NAME))
        .min_length(Some(1))
        .max_length(Some(64));
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(name)
        .examples([serde_json::json!(["ops", "dev-team"])])
}

/// A group name: 1–64 of `a-z`, `0-9`, `-`, `_`, `.`, starting with a letter or digit.
pub const GROUP_NAME: &str = "^[a-z0-9][a-z0-9._-]{0,63}$";

#[cfg(test)]
mod tests {
    /// The white space the patterns name is exactly what `trim` removes,
    /// over the whole Basic Multilingual Plane and beyond.
    #[test]
    fn the_white_space_set_is_rusts() {
        let named: Vec<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        let listed = [
            '\t', '\n', '\u{B}', '\u{C}', '\r', ' ', '\u{85}', '\u{A0}', '\u{1680}', '\u{2028}',
            '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
        ];
        let range = '\u{2000}'..='\u{200A}';
        assert!(named
            .iter()
            .all(|c| listed.contains(c) || range.contains(c)));
        assert_eq!(named.len(), listed.len() + range.count());
    }
}
