//! The shared wire types from what the browser's `JSON.parse` made: a serde `Deserializer` over
//! `JsValue`, so that the wasm carries no JSON parser and the types keep their one definition
//! (their serde derives in `shared`).
//!
//! Small on purpose: numbers reach the types as integers only (the wire types hold no floats),
//! each kind of value goes to its one `visit_*` method, and errors describe what they met without
//! formatting it, which keeps `f64`'s `Display` (some 10 KB of wasm) out of the build.

use std::fmt;

use js_sys::{Array, Object};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer as _, Unexpected, Visitor,
};
use wasm_bindgen::{JsCast as _, JsValue};

/// Deserialises `T` from a value made by `JSON.parse`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, Error> {
    T::deserialize(Value(value))
}

/// Why a value does not fit the type.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self(format!(
            "invalid type: {}, expected {expected}",
            kind(&unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self(format!(
            "invalid value: {}, expected {expected}",
            kind(&unexpected)
        ))
    }
}

impl From<Error> for JsValue {
    fn from(error: Error) -> Self {
        JsValue::from_str(&error.0)
    }
}

/// What kind of value was met, without its contents (whose `Display` would bring in float
/// formatting).
fn kind(unexpected: &Unexpected<'_>) -> &'static str {
    match unexpected {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Unit => "null",
        Unexpected::Seq => "an array",
        Unexpected::Map => "an object",
        _ => "another value",
    }
}

/// One JSON value in the browser.
struct Value(JsValue);

impl Value {
    /// The value as an integer, if it is one that a JS number holds exactly.
    fn integer(&self) -> Result<f64, Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        match self.0.as_f64() {
            Some(n) if n.fract() == 0.0 && n.abs() <= EXACT => Ok(n),
            _ => Err(expected("an integer")),
        }
    }

    fn string(&self) -> Result<String, Error> {
        self.0.as_string().ok_or_else(|| expected("a string"))
    }

    fn items(self) -> Result<Items, Error> {
        if Array::is_array(&self.0) {
            Ok(Items::new(self.0.unchecked_into()))
        } else {
            Err(expected("an array"))
        }
    }

    fn entries(self) -> Result<Entries, Error> {
        if self.0.is_object() && !Array::is_array(&self.0) {
            Ok(Entries {
                items: Items::new(Object::entries(self.0.unchecked_ref())),
                value: None,
            })
        } else {
            Err(expected("an object"))
        }
    }
}

/// A value of the wrong kind. Each `deserialize_*` method calls only the one `visit_*` method
/// its kind needs, never a visitor's fallback for other kinds, so that those fallbacks (and
/// their error formatting) are not compiled in for every type.
fn expected(what: &str) -> Error {
    Error(format!("expected {what}"))
}

/// Integer types: a JS number without a fraction.
macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let n = self.integer()?;
            if n < 0.0 {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_u64(n as u64)
            }
        }
    )*};
}

/// Text: a JS string.
macro_rules! text {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_string(self.string()?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    /// Only for what names no kind; the wire types always do.
    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(expected("a typed value"))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.0.as_bool().ok_or_else(|| expected("a boolean"))?)
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    text! { deserialize_char deserialize_str deserialize_string deserialize_identifier }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() {
            visitor.visit_unit()
        } else {
            Err(expected("null"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(self.items()?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self.entries()?)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// `"variant"` for a unit variant, `{"variant": value}` for the others.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if let Some(name) = self.0.as_string() {
            return visitor.visit_enum(name.into_deserializer());
        }
        let mut entries = self.entries()?.items;
        match (entries.next(), entries.next()) {
            (Some(entry), None) => {
                let entry: Array = entry.unchecked_into();
                visitor.visit_enum(Variant {
                    name: entry.get(0),
                    value: entry.get(1),
                })
            }
            _ => Err(expected("a string or an object of one member")),
        }
    }

    serde::forward_to_deserialize_any! { i128 u128 f32 f64 bytes byte_buf }
}

/// An array's items, in order.
struct Items {
    array: Array,
    next: u32,
}

impl Items {
    fn new(array: Array) -> Self {
        Self { array, next: 0 }
    }
}

impl Iterator for Items {
    type Item = JsValue;

    fn next(&mut self) -> Option<JsValue> {
        (self.next < self.array.length()).then(|| {
            self.next += 1;
            self.array.get(self.next - 1)
        })
    }
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.next()
            .map(|item| seed.deserialize(Value(item)))
            .transpose()
    }
}

/// An object's members, from `Object.entries`.
struct Entries {
    items: Items,
    value: Option<JsValue>,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(entry) = self.items.next() else {
            return Ok(None);
        };
        let entry: Array = entry.unchecked_into();
        self.value = Some(entry.get(1));
        seed.deserialize(Value(entry.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(Value(value))
    }
}

/// `{"variant": value}`.
struct Variant {
    name: JsValue,
    value: JsValue,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Value;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Value), Error> {
        let name = seed.deserialize(Value(self.name))?;
        Ok((name, Value(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Value {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
