//! RFC 6238 time-based one-time passwords (HMAC-SHA-1, 6 digits, 30-second steps, one step either
//! side accepted) and the RFC 4648 base32 in which authenticator apps take their secrets, both
//! from `totp-rs`; what is left here is the step a code was accepted at, which latchkey keeps so
//! that each code works once.

use totp_rs::{Builder, Secret, Totp};

pub const STEP_SECS: i64 = 30;

/// The time step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// SHA-1, 6 digits, 30 s steps, one step of skew: `totp-rs`'s defaults.
fn totp(secret: &[u8]) -> Totp {
    // Noncompliant only in allowing secrets under 128 bits; latchkey makes 160-bit ones.
    Builder::new()
        .with_secret(secret.to_vec())
        .build_noncompliant()
}

/// The 6-digit code of `step`.
pub fn code(secret: &[u8], step: i64) -> String {
    totp(secret)
        .generate(step.max(0) as u64 * STEP_SECS as u64)
        .to_string()
}

/// Which step within one of `now_step` has `typed` as its code (tokens
/// compared in constant time).
pub fn matching_step(secret: &[u8], typed: &str, now_step: i64) -> Option<i64> {
    let now = u64::try_from(now_step).ok()? * STEP_SECS as u64;
    totp(secret).check(typed, now).map(|step| step as i64)
}

/// RFC 4648 base32 without padding (a 20-byte secret is 32 characters).
pub fn base32(bytes: &[u8]) -> String {
    Secret::from(bytes.to_vec()).to_base32()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (the secret "12345678901234567890"),
    /// as the 6-digit codes latchkey asks for (the last six of the published eight).
    #[test]
    fn codes_at_the_rfc_6238_sha1_test_times_are_the_published_ones() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(code(secret, step_at(time)), expected[2..], "T={time}");
        }
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
