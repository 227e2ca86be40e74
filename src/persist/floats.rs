//! `f64` arrays inside a saved core: one CBOR byte string of little-endian
//! IEEE-754 doubles (8 bytes a value, bit for bit, NaN payloads included),
//! rather than a CBOR array of numbers. Use as
//! `#[serde(with = "crate::persist::floats")]` on a `Vec<f64>` field.

use serde::de::Visitor;
use serde::{Deserializer, Serializer};

/// Writes `values` as one byte string.
pub fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
    let mut bytes = Vec::with_capacity(values.len() * 8);
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    s.serialize_bytes(&bytes)
}

/// Reads a byte string whose length is a multiple of 8.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    d.deserialize_byte_buf(FloatBytes)
}

struct FloatBytes;

impl Visitor<'_> for FloatBytes {
    type Value = Vec<f64>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a byte string of little-endian f64 values")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<f64>, E> {
        if !bytes.len().is_multiple_of(8) {
            return Err(E::custom(format!(
                "an f64 array of {} bytes (not a multiple of 8)",
                bytes.len()
            )));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }

    fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<f64>, E> {
        self.visit_bytes(&bytes)
    }
}
