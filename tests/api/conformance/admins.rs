//! The last enabled admin, whichever store keeps the users: never demoted, disabled or deleted,
//! even by two changes at once, while a change that takes rights away ends the user's sessions.

use std::thread;

use latchkey::store::{EndReason, Store, StoreError, UserChange};

use super::sessions::start;
use super::{add_user, conformance, in_session_tx};

const NOW: i64 = 1_700_000_000_000;
const ROUNDS: usize = 20;

fn demote() -> UserChange {
    UserChange {
        admin: Some(false),
        ..UserChange::default()
    }
}

fn disable() -> UserChange {
    UserChange {
        disabled: Some(true),
        ..UserChange::default()
    }
}

fn restore() -> UserChange {
    UserChange {
        admin: Some(true),
        disabled: Some(false),
        ..UserChange::default()
    }
}

fn enabled_admins(store: &dyn Store) -> Vec<String> {
    let users = store.list_users().unwrap().into_iter();
    let admins = users.filter(|u| u.admin && !u.disabled);
    admins.map(|u| u.username).collect()
}

fn is_last_admin_refusal(result: Result<impl std::fmt::Debug, StoreError>, name: &str) -> bool {
    let expected = format!("{name} is the last enabled admin; make another user an admin first");
    matches!(result, Err(StoreError::Conflict(message)) if message == expected)
}

fn the_last_enabled_admin_is_never_demoted_disabled_or_deleted(store: &dyn Store) {
    add_user(store, "root", true, NOW);
    let retired = add_user(store, "retired", true, NOW);
    store.update_user("retired", &disable(), NOW).unwrap();
    for change in [demote(), disable()] {
        let refused = store.update_user("ROOT", &change, NOW);
        assert!(is_last_admin_refusal(refused, "root"), "{change:?}");
    }
    let refused = store.delete_user_unless_last_admin("root");
    assert!(is_last_admin_refusal(refused, "root"));
    assert_eq!(enabled_admins(store), ["root"]);

    let deleted = store.delete_user_unless_last_admin("retired").unwrap();
    assert_eq!(deleted.map(|u| u.id), Some(retired.id), "not enabled: goes");
    add_user(store, "bob", false, NOW);
    store.update_user("bob", &restore(), NOW).unwrap();
    let demoted = store.update_user("root", &demote(), NOW).unwrap().unwrap();
    assert!(!demoted.admin, "another admin is left");
    let refused = store.update_user("bob", &disable(), NOW);
    assert!(is_last_admin_refusal(refused, "bob"));
    assert!(store
        .update_user("nobody", &demote(), NOW)
        .unwrap()
        .is_none());
    assert!(store
        .delete_user_unless_last_admin("nobody")
        .unwrap()
        .is_none());
}

fn two_demotions_of_the_last_two_admins_never_both_succeed(store: &dyn Store) {
    add_user(store, "alpha", true, NOW);
    add_user(store, "beta", true, NOW);
    for round in 0..ROUNDS {
        let (alpha, beta) = thread::scope(|scope| {
            let alpha = scope.spawn(|| store.update_user("alpha", &demote(), NOW));
            let beta = scope.spawn(|| store.update_user("beta", &disable(), NOW));
            (alpha.join().unwrap(), beta.join().unwrap())
        });
        assert_eq!(enabled_admins(store).len(), 1, "round {round}");
        let refusals = [
            is_last_admin_refusal(alpha, "alpha"),
            is_last_admin_refusal(beta, "beta"),
        ];
        assert_eq!(refusals.iter().filter(|r| **r).count(), 1, "round {round}");
        for name in ["alpha", "beta"] {
            store.update_user(name, &restore(), NOW).unwrap();
        }
    }
}

fn a_demotion_ends_the_sessions_and_a_name_change_does_not(store: &dyn Store) {
    add_user(store, "root", true, NOW);
    let carol = add_user(store, "carol", true, NOW);
    let session = start(store, carol.id, 1);
    let rename = UserChange {
        full_name: Some(Some("Carol Other".into())),
        ..UserChange::default()
    };
    store.update_user("carol", &rename, NOW).unwrap();
    let ended = |id: &str| {
        let id = id.to_string();
        let found = in_session_tx(store, move |tx| tx.find_session(&id).unwrap());
        found.expect("the session is kept until swept").0.ended
    };
    assert_eq!(ended(&session), None);
    store.update_user("carol", &demote(), NOW).unwrap();
    assert_eq!(ended(&session), Some(EndReason::Revoked));
}

conformance!(
    the_last_enabled_admin_is_never_demoted_disabled_or_deleted,
    two_demotions_of_the_last_two_admins_never_both_succeed,
    a_demotion_ends_the_sessions_and_a_name_change_does_not,
);
