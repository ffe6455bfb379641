//! The stored secrets' records: a login's pending second step is taken once, and signing keys read
//! back as saved, oldest first, with their dates rewritten in place, live until revoked.

use latchkey::store::{MfaTokenRecord, Store, StoredKey};

use super::{add_user, conformance, in_session_tx};

const NOW: i64 = 1_700_000_000_000;

fn step(user_id: i64, expires_at: i64, credentials_version: i64) -> MfaTokenRecord {
    MfaTokenRecord {
        user_id,
        expires_at,
        failures: 0,
        credentials_version,
    }
}

fn a_login_step_is_taken_once_and_put_back_with_its_failures(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let hash = [7u8; 32];
    store
        .insert_mfa_token(&hash, &step(alice.id, NOW + 1000, 3))
        .unwrap();
    let (found, user) = store.find_mfa_token(&hash).unwrap().unwrap();
    assert_eq!(
        (found.user_id, found.expires_at, found.failures),
        (alice.id, NOW + 1000, 0)
    );
    assert_eq!(found.credentials_version, 3, "the version its login read");
    assert_eq!(user.username, "alice");

    let taken = store.take_mfa_token(&hash, NOW).unwrap().expect("taken");
    assert!(
        store.take_mfa_token(&hash, NOW).unwrap().is_none(),
        "only once"
    );
    let failed = MfaTokenRecord {
        failures: taken.failures + 1,
        ..taken
    };
    store.put_back_mfa_token(&hash, &failed).unwrap();
    let again = store.take_mfa_token(&hash, NOW).unwrap().expect("back");
    assert_eq!((again.failures, again.credentials_version), (1, 3));
}

fn an_expired_login_step_is_neither_taken_nor_kept(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    store
        .insert_mfa_token(&[1; 32], &step(alice.id, NOW, 0))
        .unwrap();
    store
        .insert_mfa_token(&[2; 32], &step(alice.id, NOW + 1000, 0))
        .unwrap();
    assert!(store.take_mfa_token(&[1; 32], NOW).unwrap().is_none());
    assert_eq!(store.sweep_mfa_tokens(NOW + 1, 10).unwrap(), 1);
    assert!(store.find_mfa_token(&[2; 32]).unwrap().is_some());
}

fn key(kid: &str, signs_from: i64) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        public_key: vec![kid.len() as u8; 32],
        sealed_private: vec![0xA5; 60],
        created_at: signs_from - 10,
        signs_from,
        retired_at: None,
        revoked_at: None,
    }
}

fn signing_keys_read_back_as_saved_oldest_first(store: &dyn Store) {
    assert!(store.signing_keys().unwrap().is_empty());
    store
        .save_signing_keys(&[key("newer", NOW + 50), key("old", NOW)], &[])
        .unwrap();
    let mut revoked = key("old", NOW);
    revoked.revoked_at = Some(NOW + 60);
    revoked.retired_at = Some(NOW + 55);
    store
        .save_signing_keys(&[key("next", NOW + 100)], &[revoked])
        .unwrap();

    let keys = store.signing_keys().unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["old", "newer", "next"]);
    let old = &keys[0];
    assert_eq!(
        (old.retired_at, old.revoked_at),
        (Some(NOW + 55), Some(NOW + 60))
    );
    assert_eq!(
        (old.public_key.clone(), old.sealed_private.clone()),
        (vec![3; 32], vec![0xA5; 60])
    );
    assert_eq!((keys[1].created_at, keys[1].revoked_at), (NOW + 40, None));
}

/// A key is live while it is known and not revoked; a grant asks
/// `signing_key_revoked` and an access check asks the session lookup, and
/// both answer alike for a live, a revoked and an unknown kid.
fn a_key_is_live_only_while_known_and_not_revoked_for_grants_and_access_checks(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let id = super::sessions::start(store, alice.id, 1);
    store
        .save_signing_keys(&[key("live", NOW), key("gone", NOW)], &[])
        .unwrap();
    let mut revoked = key("gone", NOW);
    revoked.revoked_at = Some(NOW + 1);
    store.save_signing_keys(&[], &[revoked]).unwrap();
    let found = |kid| {
        let found = store.session_with_user(&id, kid).unwrap();
        found.map(|(session, user)| (session.id, user.id))
    };
    let grant_refused =
        |kid: &'static str| in_session_tx(store, move |tx| tx.signing_key_revoked(kid).unwrap());
    let alices = Some((id.clone(), alice.id));
    assert_eq!(found(None), alices, "an HS256 token names no key");
    assert_eq!(
        (found(Some("live")), grant_refused("live")),
        (alices, false)
    );
    for kid in ["gone", "unknown"] {
        assert_eq!(
            (found(Some(kid)), grant_refused(kid)),
            (None, true),
            "{kid}"
        );
    }
}

conformance!(
    a_key_is_live_only_while_known_and_not_revoked_for_grants_and_access_checks,
    a_login_step_is_taken_once_and_put_back_with_its_failures,
    an_expired_login_step_is_neither_taken_nor_kept,
    signing_keys_read_back_as_saved_oldest_first,
);
