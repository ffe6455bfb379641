//! The refresh rules against an in-memory `SessionTx`: what each step decides, without SQLite or
//! HTTP (the API tests prove the same rules end to end).

use std::time::Duration;

use super::*;
use crate::domain::{ChainedId, CountedId, SessionId};
use fake_tx::FakeTx;

mod fake_tx;
mod legacy;
mod standing;

const GRACE_MS: i64 = 10_000;
const TTL_MS: i64 = 60_000;

fn rules() -> SessionRules {
    let ms = |ms: i64| Duration::from_millis(ms as u64);
    SessionRules::new([7; 32], ms(TTL_MS), ms(10 * TTL_MS), ms(GRACE_MS))
}

fn browser() -> Client {
    Client {
        user_agent: Some("a browser".into()),
        ip: Some("192.0.2.10".into()),
    }
}

fn user(disabled: bool) -> User {
    User {
        id: 1,
        username: "alice".into(),
        email: None,
        full_name: None,
        password_hash: String::new(),
        admin: false,
        disabled,
        created_at: 0,
        credentials_version: 0,
        groups: Vec::new(),
    }
}

/// A fresh login at time 0: the transaction and the first id.
fn logged_in() -> (SessionRules, FakeTx, RefreshSecret) {
    let (rules, tx) = (rules(), FakeTx::default());
    *tx.user.borrow_mut() = Some(user(false));
    let grant = rules
        .start(&tx, (user(false), Factors::Password), None, browser(), 0)
        .unwrap();
    (rules, tx, grant.refresh)
}

#[test]
fn a_refresh_rotates_and_the_old_id_is_then_behind() {
    let (rules, tx, first) = logged_in();

    let second = rules.refresh(&tx, &first, &browser(), 1_000).unwrap();

    assert_eq!(tx.sessions.borrow().values().next().unwrap().generation, 1);
    assert_eq!(second.expires_at, 1_000 + TTL_MS);
    assert!(rules
        .refresh(&tx, &second.refresh, &browser(), 2_000)
        .is_ok());
}

#[test]
fn a_replay_within_the_grace_from_the_rotating_client_gets_the_current_id() {
    let (rules, tx, first) = logged_in();
    let second = rules.refresh(&tx, &first, &browser(), 1_000).unwrap();

    let replayed = rules
        .refresh(&tx, &first, &browser(), 1_000 + GRACE_MS - 1)
        .unwrap();

    assert!(replayed.replayed);
    assert_eq!(replayed.refresh, second.refresh);
}

#[test]
fn a_replay_after_the_grace_or_from_another_client_ends_the_family() {
    for (client, at) in [
        (browser(), 1_000 + GRACE_MS),
        (
            Client {
                user_agent: Some("another".into()),
                ..browser()
            },
            1_001,
        ),
    ] {
        let (rules, tx, first) = logged_in();
        let second = rules.refresh(&tx, &first, &browser(), 1_000).unwrap();

        let replay = rules.refresh(&tx, &first, &client, at);

        assert!(matches!(replay, Err(ApiError::ReuseDetected)));
        let newest = rules.refresh(&tx, &second.refresh, &browser(), at + 1);
        assert!(
            matches!(newest, Err(ApiError::ReuseDetected)),
            "the family is over"
        );
    }
}

#[test]
fn an_expired_session_is_deleted_and_a_disabled_user_refused() {
    let (rules, tx, first) = logged_in();
    assert!(matches!(
        rules.refresh(&tx, &first, &browser(), TTL_MS),
        Err(ApiError::RefreshExpired)
    ));
    assert!(tx.sessions.borrow().is_empty());

    let (rules, tx, first) = logged_in();
    *tx.user.borrow_mut() = Some(user(true));
    assert!(matches!(
        rules.refresh(&tx, &first, &browser(), 1),
        Err(ApiError::UserDisabled)
    ));
}

#[test]
fn an_unknown_id_is_not_found_and_an_ended_session_revoked() {
    let (rules, tx, first) = logged_in();
    let stranger = RefreshSecret::Chained(ChainedId::new(Some(0), [3; 32]));
    let session = SessionId::parse(tx.sessions.borrow().keys().next().unwrap()).unwrap();
    let other_key = IdKey::new([8; 32]);
    let forged = RefreshSecret::Counted(CountedId::mint(&other_key, &session.to_bytes(), 0));
    for id in [stranger, forged] {
        assert!(matches!(
            rules.refresh(&tx, &id, &browser(), 1),
            Err(ApiError::RefreshNotFound)
        ));
    }

    let id = tx.sessions.borrow().keys().next().unwrap().clone();
    tx.end_session(&id, EndReason::Logout, 1).unwrap();
    assert!(matches!(
        rules.refresh(&tx, &first, &browser(), 2),
        Err(ApiError::Revoked)
    ));
}

#[test]
fn a_replay_several_steps_behind_gets_the_current_id_with_its_issue_time() {
    let (rules, tx, first) = logged_in();
    let second = rules.refresh(&tx, &first, &browser(), 1_000).unwrap();
    let third = rules
        .refresh(&tx, &second.refresh, &browser(), 2_000)
        .unwrap();
    let fourth = rules
        .refresh(&tx, &third.refresh, &browser(), 3_000)
        .unwrap();

    let replayed = rules.refresh(&tx, &first, &browser(), 3_500).unwrap();

    assert!(replayed.replayed);
    assert_eq!(replayed.refresh, fourth.refresh);
}

#[test]
fn rotations_store_nothing_new_and_any_older_id_is_reuse() {
    let (rules, tx, first) = logged_in();
    let mut ids = vec![first];
    for step in 1..=200 {
        let last = ids.last().unwrap();
        ids.push(rules.refresh(&tx, last, &browser(), step).unwrap().refresh);
    }
    assert!(tx.ids.borrow().is_empty(), "no id row is written");
    assert_eq!(tx.sessions.borrow().len(), 1);

    let replay = rules.refresh(&tx, &ids[100], &browser(), 201);
    assert!(matches!(replay, Err(ApiError::ReuseDetected)));
    let newest = rules.refresh(&tx, ids.last().unwrap(), &browser(), 202);
    assert!(matches!(newest, Err(ApiError::ReuseDetected)));
}
