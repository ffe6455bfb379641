//! A small JSON Schema check, enough for the keywords latchkey's document uses (`$ref`, `allOf`,
//! `oneOf`, `anyOf`, `type`, `required`, `properties`, `additionalProperties: false`, `items`,
//! `enum`, `pattern`, `minLength`, `maxLength`, `minimum`, `format: date-time`); anything it does
//! not know fails loudly rather than passing silently.

use serde_json::Value;

const KNOWN: &[&str] = &[
    "$ref",
    "allOf",
    "oneOf",
    "anyOf",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "format",
    "description",
    "example",
    "examples",
    "title",
];

/// Every way `value` breaks `schema` (empty when it fits), as `path: problem`.
pub fn violations(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(doc, schema, value, "$", &mut found);
    found
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(keywords) = schema.as_object() else {
        return found.push(format!("{at}: schema is not an object: {schema}"));
    };
    for key in keywords.keys() {
        if !KNOWN.contains(&key.as_str()) {
            found.push(format!("{at}: the checker does not know `{key}`"));
        }
    }
    if let Some(target) = schema["$ref"].as_str() {
        check(doc, resolve(doc, target), value, at, found);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(doc, part, value, at, found);
    }
    for (keyword, wanted) in [("oneOf", Some(1)), ("anyOf", None)] {
        if let Some(parts) = schema[keyword].as_array() {
            let fitting = parts
                .iter()
                .filter(|p| violations(doc, p, value).is_empty())
                .count();
            if wanted.map_or(fitting == 0, |n| fitting != n) {
                found.push(format!("{at}: {fitting} branches of {keyword} fit {value}"));
            }
        }
    }
    if !type_fits(&schema["type"], value) {
        found.push(format!("{at}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    match value {
        Value::Object(fields) => check_object(doc, schema, fields, at, found),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(item_schema) = schema.get("items") {
                    check(doc, item_schema, item, &format!("{at}[{i}]"), found);
                }
            }
        }
        Value::String(text) => check_string(schema, text, at, found),
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if schema["minimum"].as_f64().is_some_and(|min| n < min)
                || schema["maximum"].as_f64().is_some_and(|max| n > max)
            {
                found.push(format!("{at}: {n} is out of range"));
            }
        }
        _ => {}
    }
}

fn check_object(
    doc: &Value,
    schema: &Value,
    fields: &serde_json::Map<String, Value>,
    at: &str,
    found: &mut Vec<String>,
) {
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !fields.contains_key(name) {
            found.push(format!("{at}: required property `{name}` is missing"));
        }
    }
    let properties = schema["properties"].as_object();
    for (name, field) in fields {
        match properties.and_then(|p| p.get(name)) {
            Some(field_schema) => check(doc, field_schema, field, &format!("{at}.{name}"), found),
            None if schema["additionalProperties"] == Value::Bool(false) => {
                found.push(format!("{at}: property `{name}` is not allowed"))
            }
            None => {}
        }
    }
}

fn check_string(schema: &Value, text: &str, at: &str, found: &mut Vec<String>) {
    let length = text.chars().count() as u64;
    if schema["minLength"].as_u64().is_some_and(|min| length < min)
        || schema["maxLength"].as_u64().is_some_and(|max| length > max)
    {
        found.push(format!("{at}: {text:?} has a length out of range"));
    }
    if let Some(pattern) = schema["pattern"].as_str() {
        let regex = regex::Regex::new(pattern).expect("the document's pattern compiles");
        if !regex.is_match(text) {
            found.push(format!("{at}: {text:?} does not match {pattern}"));
        }
    }
    if schema["format"] == "date-time" && chrono::DateTime::parse_from_rfc3339(text).is_err() {
        found.push(format!("{at}: {text:?} is not an RFC 3339 date-time"));
    }
}

fn type_fits(kind: &Value, value: &Value) -> bool {
    let fits = |name: &str| match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        _ => false,
    };
    match kind {
        Value::Null => true,
        Value::String(name) => fits(name),
        Value::Array(names) => names.iter().any(|n| fits(n.as_str().unwrap_or_default())),
        _ => false,
    }
}

/// `#/components/...` within the document.
pub fn resolve<'d>(doc: &'d Value, reference: &str) -> &'d Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local references: {reference}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} is not in the document"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_check_refuses_a_missing_field_and_an_undocumented_code() {
        let doc = serde_json::to_value(latchkey::openapi::document(
            ("refresh_token", "latchkey_portal"),
            latchkey::routes::add_operations,
        ))
        .unwrap();
        let unauthorized = resolve(&doc, "#/components/responses/Unauthorized");
        let documented = &unauthorized["content"]["application/json"]["schema"];
        let fits = json!({"detail": "Not authenticated", "code": "invalid_token"});
        assert!(violations(&doc, documented, &fits).is_empty());
        for wrong in [
            json!({"detail": "x"}),
            json!({"detail": "x", "code": "not_found"}),
        ] {
            assert!(!violations(&doc, documented, &wrong).is_empty(), "{wrong}");
        }
    }
}
