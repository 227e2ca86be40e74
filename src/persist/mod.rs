//! The container of a saved core and how it reaches a file. What a core puts
//! inside is [`crate::Core::to_bytes`]'s business (`src/core/snapshot.rs`).
//!
//! * [`frame`]: magic bytes, format version, length and CRC-32 around a payload.
//! * [`floats`]: `f64` arrays stored as little-endian bytes inside the payload.
//! * [`file`]: writing a file atomically (temporary file, fsync, rename).

pub mod file;
pub mod floats;
pub mod frame;
