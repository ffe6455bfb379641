//! What the throttle counts by: a hash of the folded username, or the client address (IPv6 by its
//! /64, since one host holds a whole /64); 16 bytes whatever was sent.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    User([u8; 16]),
    Address([u8; 16]),
}

impl Key {
    /// `folded` is the username after NFKC and case folding.
    pub fn user(folded: &str) -> Key {
        Key::User(digest(b"user", folded.as_bytes()))
    }

    /// As a shared database stores it: a kind byte, then the 16 bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let (kind, bytes) = match self {
            Key::User(bytes) => (b'u', bytes),
            Key::Address(bytes) => (b'a', bytes),
        };
        let mut out = Vec::with_capacity(17);
        out.push(kind);
        out.extend_from_slice(bytes);
        out
    }

    pub fn address(address: &str) -> Key {
        match address.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => Key::Address(v4.to_ipv6_mapped().octets()),
            Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Key::Address(v4.to_ipv6_mapped().octets()),
                None => {
                    let mut prefix = [0u8; 16];
                    prefix[..8].copy_from_slice(&v6.octets()[..8]);
                    Key::Address(prefix)
                }
            },
            // Not an address (none known): still one bounded key.
            Err(_) => Key::Address(digest(b"addr", address.as_bytes())),
        }
    }
}

fn digest(domain: &[u8], text: &[u8]) -> [u8; 16] {
    let hash = Sha256::new()
        .chain_update(domain)
        .chain_update([0])
        .chain_update(text)
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash[..16]);
    out
}
