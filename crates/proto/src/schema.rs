//! JSON Schemas of the wire types (feature `schema`), for the server's OpenAPI document.
//!
//! Most types derive `schemars::JsonSchema`, which reads the same `serde` attributes as
//! serialisation does (tags, renames, defaults, flatten), so a schema cannot describe
//! another shape than the one on the wire. The validated newtypes write theirs by hand
//! here: their JSON is a plain string or number, and the limits their constructors
//! enforce (lengths, the tier's range) are part of the contract.

use schemars::{json_schema, Schema};

/// A string of `min..=max` characters after trimming (the rule of the text newtypes).
/// JSON Schema counts characters as code points, as the constructors do. (A client
/// that pads a value past `max` with white space is refused by the schema although the
/// server would trim it: the contract asks for the clean value.)
pub(crate) fn bounded_text(min: usize, max: usize) -> Schema {
    json_schema!({
        "description": format!(
            "Text of {min} to {max} characters once surrounding white space is trimmed; \
             no control characters other than newline and tab, and no bidi overrides."
        ),
        "type": "string",
        "minLength": min,
        "maxLength": max,
    })
}
