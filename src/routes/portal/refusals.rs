//! The pages a portal POST may answer with besides its own outcomes, documented once: refused
//! from another site, an unreadable form, too many attempts, a busy server. Each is HTML.

use std::collections::BTreeMap;

use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, RefOr};
use utoipa::IntoResponses;

const PAGES: [(u16, &str); 5] = [
    (
        403,
        "Sent from another site's page: nothing was read or changed",
    ),
    (413, "A form over 16 KiB"),
    (415, "Not a form"),
    (429, "Too many attempts; `Retry-After` says when to retry"),
    (503, "Busy; `Retry-After` says when to retry"),
];

/// `responses(..., Refusals)` in a portal POST's annotation.
pub struct Refusals;

impl IntoResponses for Refusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        PAGES
            .iter()
            .map(|(status, description)| (status.to_string(), page(description).into()))
            .collect()
    }
}

/// An HTML page's response.
fn page(description: &str) -> Response {
    let html = ContentBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("text/html", html)
        .build()
}
