//! A first, allocation-free pass over a request body: refuses what the typed parse would read
//! wrongly or slowly, before it runs.
//!
//! - serde reads a struct from a JSON *array* by position; the service does not, so an array
//!   where the wire model has an object is refused;
//! - a list longer than [`MAX_LIST_ITEMS`] is refused at its first excess item, so a body of
//!   10⁴ SANs costs microseconds instead of ten thousand allocations.

use core::fmt;

use serde::Deserializer;

use crate::service::error::{Error, RequestProblem};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// Most items of any JSON array in a request (the plan's own bounds are far lower).
pub const MAX_LIST_ITEMS: usize = 1024;

/// Properties whose value is a wire struct.
const STRUCTS: &[&str] = &[
    "policy",
    "attributes",
    "key_props",
    "secret_props",
    "x509_props",
    "sans",
    "basic_constraints",
    "issuer",
    "trigger",
    "action",
];

/// Reads a request body as create and import do: the size bound first, then this pass, then
/// the typed parse (which refuses duplicate keys and wrong value types). Every failure is
/// [`Error::MalformedRequest`].
pub(crate) fn parse_request<T: serde::de::DeserializeOwned>(
    body: &[u8],
    max_len: usize,
) -> Result<T, Error> {
    if body.len() > max_len {
        return Err(Error::MalformedRequest {
            problem: RequestProblem::TooLarge { limit: max_len },
        });
    }
    let malformed = |e: serde_json::Error| Error::MalformedRequest {
        problem: RequestProblem::json(&e),
    };
    check(body).map_err(malformed)?;
    serde_json::from_slice(body).map_err(malformed)
}

/// Checks a whole body; the error is serde_json's, with a message saying what was wrong.
pub(crate) fn check(body: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Value(Expect::Object).deserialize(&mut de)?;
    de.end()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// An object (or null): a wire struct.
    Object,
    /// An array whose items are objects (`lifetime_actions`).
    ListOfObjects,
    /// Anything.
    Any,
}

struct Value(Expect);

impl<'de> DeserializeSeed<'de> for Value {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            let expect = match key {
                Key::Struct => Expect::Object,
                Key::LifetimeActions => Expect::ListOfObjects,
                Key::Other => Expect::Any,
            };
            map.next_value_seed(Value(expect))?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let item = match self.0 {
            Expect::Object => {
                return Err(de::Error::custom("an array where an object was expected"));
            }
            Expect::ListOfObjects => Expect::Object,
            Expect::Any => Expect::Any,
        };
        let mut n = 0usize;
        while seq.next_element_seed(Value(item))?.is_some() {
            n += 1;
            if n > MAX_LIST_ITEMS {
                return Err(de::Error::custom(format_args!(
                    "a list longer than {MAX_LIST_ITEMS} items"
                )));
            }
        }
        Ok(())
    }

    // Scalars: the typed parse checks their types.
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A property name, classified without allocating.
enum Key {
    Struct,
    LifetimeActions,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_str<E>(self, k: &str) -> Result<Key, E> {
                Ok(if STRUCTS.contains(&k) {
                    Key::Struct
                } else if k == "lifetime_actions" {
                    Key::LifetimeActions
                } else {
                    Key::Other
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        check(s.as_bytes()).is_ok()
    }

    #[test]
    fn arrays_only_where_lists_belong() {
        assert!(ok(
            r#"{"policy":{"x509_props":{"ekus":["1.2"],"sans":{"dns_names":["a"]}},"lifetime_actions":[{"trigger":{}}]},"tags":{"a":"b"}}"#
        ));
        assert!(ok(r#"{"policy":null,"attributes":{},"x":[1,[2,{}]]}"#));
        assert!(!ok(r#"[]"#));
        assert!(!ok(r#"{"policy":[]}"#));
        assert!(!ok(r#"{"policy":{"key_props":[true,"RSA"]}}"#));
        assert!(!ok(
            r#"{"policy":{"lifetime_actions":[[{"lifetime_percentage":1}]]}}"#
        ));
        assert!(!ok(r#"{"policy":{"lifetime_actions":[{"trigger":[80]}]}}"#));
        assert!(!ok(r#"{} trailing"#));
    }

    #[test]
    fn long_lists_stop_early() {
        let list = |n: usize| vec!["\"a\""; n].join(",");
        assert!(ok(&format!(r#"{{"x":[{}]}}"#, list(MAX_LIST_ITEMS))));
        let err =
            check(format!(r#"{{"x":[{}]}}"#, list(MAX_LIST_ITEMS + 1)).as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("a list longer than 1024 items"),
            "{err}"
        );
    }
}
