//! The frame of a saved core (all integers little-endian):
//!
//! | offset | size | content |
//! | --- | --- | --- |
//! | 0 | 8 | magic `XBARCORE` |
//! | 8 | 4 | format version ([`VERSION`]) |
//! | 12 | 8 | payload length `n` in bytes |
//! | 20 | n | payload (CBOR, see `src/core/snapshot.rs`) |
//! | 20 + n | 4 | CRC-32 (IEEE 802.3, as zlib) of bytes `0 .. 20 + n` |
//!
//! [`open`] checks all of it before the payload is decoded: a wrong magic, an
//! unknown version, a short or overlong buffer and a checksum mismatch are
//! each an [`Error::Parse`] saying which.

use crate::error::{Error, Result};

/// The first eight bytes of every saved core.
pub const MAGIC: [u8; 8] = *b"XBARCORE";
/// The format version written by this library, the only one it reads.
pub const VERSION: u32 = 1;
/// Bytes before the payload: magic, version, length.
const HEADER: usize = 20;
/// Bytes after the payload: the CRC-32.
const TRAILER: usize = 4;

fn parse(msg: impl std::fmt::Display) -> Error {
    Error::Parse(format!("saved core: {msg}"))
}

/// `payload` in a frame: header, payload, checksum.
pub fn seal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len() + TRAILER);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The payload of a frame, after checking magic, version, length and checksum.
pub fn open(bytes: &[u8]) -> Result<&[u8]> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        let shown = &bytes[..bytes.len().min(MAGIC.len())];
        return Err(parse(format!(
            "not a saved xbar core (the file starts with {shown:02x?}, expected the magic bytes \"XBARCORE\")"
        )));
    }
    if bytes.len() < HEADER + TRAILER {
        return Err(parse(format!(
            "truncated: {} bytes, shorter than the {} of an empty frame",
            bytes.len(),
            HEADER + TRAILER
        )));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(parse(format!(
            "format version {version} is not supported (this library reads version {VERSION})"
        )));
    }
    let declared = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let available = (bytes.len() - HEADER - TRAILER) as u64;
    if declared > available {
        return Err(parse(format!(
            "truncated: the payload has {available} of its {declared} bytes"
        )));
    }
    if declared < available {
        return Err(parse(format!(
            "{} bytes after the end of the frame",
            available - declared
        )));
    }
    let end = HEADER + declared as usize;
    let stored = u32::from_le_bytes(bytes[end..end + TRAILER].try_into().expect("4 bytes"));
    let actual = crc32fast::hash(&bytes[..end]);
    if stored != actual {
        return Err(parse(format!(
            "checksum mismatch (stored {stored:08x}, computed {actual:08x}): the data is corrupted"
        )));
    }
    Ok(&bytes[HEADER..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_payload_opens_to_itself() {
        let framed = seal(b"payload");
        assert_eq!(framed.len(), HEADER + 7 + TRAILER);
        assert_eq!(open(&framed).unwrap(), b"payload");
        // zlib's CRC-32 of "123456789" is cbf43926: the check value of the IEEE polynomial.
        assert_eq!(crc32fast::hash(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let framed = seal(b"payload");
        let msg = |b: &[u8]| match open(b) {
            Err(Error::Parse(m)) => m,
            other => panic!("expected a parse error, got {other:?}"),
        };
        assert!(msg(b"XBAR").contains("not a saved xbar core"));
        assert!(msg(b"{\"json\": 1}").contains("not a saved xbar core"));
        assert!(msg(&framed[..HEADER]).contains("truncated"));
        assert!(msg(&framed[..framed.len() - 1]).contains("truncated"));
        let mut v2 = framed.clone();
        v2[8] = 2;
        assert!(msg(&v2).contains("format version 2 is not supported"));
        let mut long = framed.clone();
        long.push(0);
        assert!(msg(&long).contains("1 bytes after the end"));
        let mut flipped = framed.clone();
        flipped[HEADER + 3] ^= 0x10;
        assert!(msg(&flipped).contains("checksum mismatch"));
    }
}
