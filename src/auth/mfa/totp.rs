//! RFC 6238 time-based one-time passwords (HMAC-SHA-1, 6 digits, 30-second steps, one step either
//! side accepted) and the RFC 4648 base32 in which authenticator apps take their secrets.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECS: i64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The time step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// RFC 4226's HOTP value of `counter`, `digits` long.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let word = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    word % 10u32.pow(digits)
}

/// The 6-digit code of `step`.
pub fn code(secret: &[u8], step: i64) -> String {
    format!("{:06}", hotp(secret, step as u64, DIGITS))
}

/// Which step within one of `now_step` has `typed` as its code (newest
/// first); compared without an early exit, so timing tells nothing.
pub fn matching_step(secret: &[u8], typed: &str, now_step: i64) -> Option<i64> {
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut found = None;
    for step in [now_step + 1, now_step, now_step - 1] {
        let expected = code(secret, step);
        let differs = expected
            .bytes()
            .zip(typed.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differs == 0 && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32 without padding (a 20-byte secret is 32 characters).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits, the secret "12345678901234567890").
    #[test]
    fn hotp_at_the_rfc_6238_sha1_test_times_gives_the_published_codes() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(secret, step_at(time) as u64, 8), expected, "T={time}");
        }
        assert_eq!(code(secret, step_at(59)), "287082");
    }

    #[test]
    fn a_code_matches_its_own_step_and_one_either_side_only() {
        let secret = b"12345678901234567890";
        let now = step_at(1111111111);
        assert_eq!(
            matching_step(secret, &code(secret, now - 1), now),
            Some(now - 1)
        );
        assert_eq!(
            matching_step(secret, &code(secret, now + 1), now),
            Some(now + 1)
        );
        assert_eq!(matching_step(secret, &code(secret, now - 2), now), None);
        assert_eq!(matching_step(secret, "12345a", now), None);
        assert_eq!(matching_step(secret, "1234567", now), None);
    }

    #[test]
    fn base32_follows_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(&[0xff; 20]).len(), 32);
    }
}
