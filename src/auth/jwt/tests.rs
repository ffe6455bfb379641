//! Tokens issued and verified: claims survive the round trip, other keys, issuers and expired
//! tokens fail, and the cache of verified tokens never accepts a forgery.

use super::*;

fn user() -> User {
    User {
        id: 1,
        username: "alice".into(),
        email: None,
        full_name: None,
        password_hash: String::new(),
        admin: true,
        disabled: false,
        created_at: 0,
        credentials_version: 0,
        groups: vec!["ops".into()],
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[test]
fn issued_tokens_verify_with_their_claims() {
    let keys = TokenKeys::new(&[1; 32], "latchkey", Duration::from_secs(300)).unwrap();
    let issued = keys
        .issue(&user(), "sid1", Factors::Password, now())
        .unwrap();
    assert_eq!(issued.expires_in, 300);
    let claims = keys.verify(&issued.token).unwrap();
    assert_eq!(
        (claims.sub.as_str(), claims.sid.as_str(), claims.admin),
        ("alice", "sid1", true)
    );
    let header = jsonwebtoken::decode_header(&issued.token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
}

#[test]
fn other_keys_issuers_and_expired_tokens_fail() {
    let keys = TokenKeys::new(&[1; 32], "latchkey", Duration::from_secs(300)).unwrap();
    let other_key = TokenKeys::new(&[2; 32], "latchkey", Duration::from_secs(300)).unwrap();
    let other_iss = TokenKeys::new(&[1; 32], "someone-else", Duration::from_secs(300)).unwrap();
    assert!(keys
        .verify(
            &other_key
                .issue(&user(), "s", Factors::Password, now())
                .unwrap()
                .token
        )
        .is_none());
    assert!(keys
        .verify(
            &other_iss
                .issue(&user(), "s", Factors::Password, now())
                .unwrap()
                .token
        )
        .is_none());
    let stale = keys
        .issue(
            &user(),
            "s",
            Factors::Password,
            now() - 300 - LEEWAY_SECS as i64 - 5,
        )
        .unwrap();
    assert!(keys.verify(&stale.token).is_none());
    assert!(keys.verify("not.a.jwt").is_none());
}

#[test]
fn a_token_verified_before_still_verifies_and_a_forged_one_beside_it_does_not() {
    let keys = TokenKeys::new(&[1; 32], "latchkey", Duration::from_secs(300)).unwrap();
    let token = keys
        .issue(&user(), "sid1", Factors::Password, now())
        .unwrap()
        .token;
    let first = keys.verify(&token).unwrap();
    let again = keys.verify(&token).unwrap();
    assert_eq!((again.sid, again.jti), (first.sid, first.jti));
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{signed}.{flipped}{}", &signature[1..]);
    assert!(keys.verify(&forged).is_none());
    let other = TokenKeys::new(&[2; 32], "latchkey", Duration::from_secs(300)).unwrap();
    assert!(other.verify(&token).is_none(), "the cache is the keys' own");
}
