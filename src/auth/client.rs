//! The client behind a request, and its fingerprint: a keyed hash of its `User-Agent` and network
//! (/24 of IPv4, /64 of IPv6), so a rotation can say who made it without storing either value
//! again.

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What is recorded about the client that logged in.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A client's fingerprint: equal for requests from the same browser on the
/// same network, and meaningless without the server's key.
pub type Fingerprint = [u8; 16];

/// The fingerprints' key, derived from the chain key so the two differ.
pub fn fingerprint_key(chain_key: &[u8; 32]) -> [u8; 32] {
    crate::secret::derive(chain_key, b"latchkey client fingerprint")
}

impl Client {
    pub fn fingerprint(&self, key: &[u8; 32]) -> Fingerprint {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(network(self.ip.as_deref()).as_bytes());
        // The network never holds a NUL; the tag keeps "no User-Agent" apart
        // from an empty one.
        match &self.user_agent {
            Some(ua) => {
                mac.update(b"\0\x01");
                mac.update(ua.as_bytes());
            }
            None => mac.update(b"\0\x00"),
        }
        let digest = mac.finalize().into_bytes();
        let mut fingerprint = [0; 16];
        fingerprint.copy_from_slice(&digest[..16]);
        fingerprint
    }
}

/// The /24 of an IPv4 address, the /64 of an IPv6 one (an IPv4-mapped IPv6
/// address counts as IPv4); anything else as it is.
fn network(ip: Option<&str>) -> String {
    match ip
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
    {
        Some(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => ip.unwrap_or("").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(ua: Option<&str>, ip: &str) -> Fingerprint {
        let client = Client {
            user_agent: ua.map(String::from),
            ip: Some(ip.into()),
        };
        client.fingerprint(&[7; 32])
    }

    #[test]
    fn the_same_browser_on_the_same_network_has_one_fingerprint() {
        let home = client(Some("Firefox"), "192.0.2.10");
        assert_eq!(home, client(Some("Firefox"), "192.0.2.200"));
        assert_eq!(home, client(Some("Firefox"), "::ffff:192.0.2.7"));
        assert_eq!(
            client(None, "2001:db8:1:2::1"),
            client(None, "2001:db8:1:2:ffff::9")
        );
    }

    #[test]
    fn another_browser_or_network_has_another_fingerprint() {
        let home = client(Some("Firefox"), "192.0.2.10");
        assert_ne!(home, client(Some("Chrome"), "192.0.2.10"));
        assert_ne!(home, client(None, "192.0.2.10"));
        assert_ne!(home, client(Some(""), "192.0.2.10"));
        assert_ne!(home, client(Some("Firefox"), "192.0.3.10"));
        assert_ne!(
            client(None, "2001:db8:1:2::1"),
            client(None, "2001:db8:1:3::1")
        );
    }
}
