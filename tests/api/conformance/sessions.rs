//! Sessions: created and rotated in the session writer's transaction, a refresh id rotating only
//! from the generation it was read at, ended, listed and swept.

use latchkey::domain::{RefreshHash, SessionId};
use latchkey::store::{
    EndReason, EndSessions, Factors, IssueTimes, NewSession, Rotation, Store, Swept,
};

use super::{add_user, conformance, in_session_tx};

const NOW: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

/// Starts a session for `user_id`, issued to the client `[seed; 16]`.
pub(super) fn start(store: &dyn Store, user_id: i64, seed: u8) -> String {
    let id = SessionId::generate();
    let session = NewSession {
        id: id.clone(),
        user_id,
        now: NOW,
        idle_expires_at: NOW + HOUR,
        absolute_expires_at: NOW + 24 * HOUR,
        user_agent: Some("conformance".into()),
        ip: Some("192.0.2.1".into()),
        issued_to: [seed; 16],
        factors: Factors::Password,
        issue_times: IssueTimes::first(NOW),
        portal_hash: None,
    };
    in_session_tx(store, move |tx| tx.create_session(&session).unwrap());
    id.as_str().to_string()
}

fn rotation(session_id: &str, from_generation: i64, seed: u8) -> Rotation {
    Rotation {
        session_id: session_id.into(),
        from_generation,
        now: NOW + 1000,
        idle_expires_at: NOW + 2 * HOUR,
        issued_to: [seed; 16],
        factors: None,
        issue_times: IssueTimes::first(NOW).after(NOW + 1000),
    }
}

fn a_session_rotates_only_from_its_own_generation(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let id = start(store, alice.id, 1);
    let find = |id: &str| {
        let id = id.to_string();
        in_session_tx(store, move |tx| tx.find_session(&id).unwrap())
    };
    let (session, user) = find(&id).unwrap();
    assert_eq!((session.generation, user.id), (0, alice.id));
    assert_eq!(session.issued_to.as_deref(), Some(&[1u8; 16][..]));

    let (once, twice) = (rotation(&id, 0, 2), rotation(&id, 0, 3));
    assert!(in_session_tx(store, move |tx| tx.rotate(&once).unwrap()));
    assert!(!in_session_tx(store, move |tx| tx.rotate(&twice).unwrap()));

    let (moved, _) = find(&id).unwrap();
    assert_eq!(moved.generation, 1);
    assert_eq!(moved.idle_expires_at, NOW + 2 * HOUR);
    assert_eq!(
        moved.issued_to.as_deref(),
        Some(&[2u8; 16][..]),
        "the rotating client is kept"
    );
    assert_eq!(
        moved.issue_times,
        IssueTimes::first(NOW).after(NOW + 1000),
        "the rotation's issue times are kept"
    );
    assert!(find(SessionId::generate().as_str()).is_none());
    let unknown = RefreshHash {
        issued_at: Some(NOW),
        digest: [1; 32],
    };
    assert!(in_session_tx(store, move |tx| tx.find_refresh(&unknown).unwrap()).is_none());
}

fn an_ended_session_stays_ended_with_its_reason(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let id = start(store, alice.id, 1);
    let other = start(store, alice.id, 2);
    assert_eq!(store.live_sessions(alice.id, NOW).unwrap().len(), 2);
    let ending = id.clone();
    let end = move |tx: &dyn latchkey::store::SessionTx| {
        tx.end_session(&ending, EndReason::Logout, NOW).unwrap()
    };
    assert!(in_session_tx(store, end.clone()));
    assert!(!in_session_tx(store, end), "an ended session ends once");
    let ended = id.clone();
    let (session, _) = in_session_tx(store, move |tx| tx.find_session(&ended).unwrap()).unwrap();
    assert_eq!(session.ended, Some(EndReason::Logout));
    let live = store.live_sessions(alice.id, NOW).unwrap();
    assert_eq!(
        live.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [other.as_str()]
    );
    assert!(!store
        .end_own_session(alice.id + 1, &other, EndReason::Revoked, NOW)
        .unwrap());
    assert!(store
        .end_own_session(alice.id, &other, EndReason::Revoked, NOW)
        .unwrap());
    assert_eq!(store.count_live_sessions(NOW).unwrap(), 0);
}

fn a_users_sessions_end_but_the_one_kept(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let kept = start(store, alice.id, 1);
    start(store, alice.id, 2);
    start(store, alice.id, 3);
    let end = EndSessions::AllBut(&kept, EndReason::PasswordChanged);
    assert_eq!(store.end_user_sessions(alice.id, end, NOW).unwrap(), 2);
    let (session, user) = store.session_with_user(&kept, None).unwrap().unwrap();
    assert_eq!((session.ended, user.id), (None, alice.id));
    assert_eq!(store.count_live_sessions(NOW).unwrap(), 1);
}

fn a_sweep_deletes_dead_sessions_in_batches_and_keeps_live_ones(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let live = start(store, alice.id, 1);
    let ended = start(store, alice.id, 2);
    start(store, alice.id, 3);
    let end = move |tx: &dyn latchkey::store::SessionTx| {
        tx.end_session(&ended, EndReason::Revoked, NOW).unwrap()
    };
    assert!(in_session_tx(store, end));
    // An hour on, every session is idle-expired but the one used just now.
    let rotate = rotation(&live, 0, 4);
    assert!(in_session_tx(store, move |tx| tx.rotate(&rotate).unwrap()));
    let later = NOW + HOUR + 1;
    assert_eq!(store.sweep(later, 1).unwrap().sessions, 1, "a batch of one");
    let mut swept = Swept::default();
    loop {
        let more = store.sweep(later, 1).unwrap();
        if more == Swept::default() {
            break;
        }
        (swept.sessions, swept.refresh_ids) = (
            swept.sessions + more.sessions,
            swept.refresh_ids + more.refresh_ids,
        );
    }
    assert_eq!(swept.sessions, 1, "the other dead session");
    assert_eq!(store.live_sessions(alice.id, later).unwrap().len(), 1);
}

/// Ends `id` in the session writer's transaction, while a run may be open.
fn end_now(store: &dyn Store, id: &str) {
    let ending = id.to_string();
    let end = move |tx: &dyn latchkey::store::SessionTx| {
        tx.end_session(&ending, EndReason::Logout, NOW).unwrap()
    };
    assert!(in_session_tx(store, end));
}

fn ended(store: &dyn Store, id: &str) -> Option<EndReason> {
    store.session_with_user(id, None).unwrap().unwrap().0.ended
}

fn a_run_of_checks_sees_earlier_commits_and_reads_after_it_see_later_ones(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let id = start(store, alice.id, 1);
    let mut in_run = None;
    store.in_one_snapshot(&mut || {
        in_run = Some(ended(store, &id));
        end_now(store, &id);
    });
    assert_eq!(in_run, Some(None));
    // Every pooled connection, the run's among them, reads the end.
    for _ in 0..3 {
        assert_eq!(ended(store, &id), Some(EndReason::Logout));
    }
}

/// On SQLite the checks of a run share one read transaction: a commit made
/// during the run shows only after it (the reader never puts a job queued
/// after that commit into the run, `blocking::Readers`).
#[test]
fn on_sqlite_the_checks_of_one_run_read_one_snapshot() {
    super::on_sqlite(|store| {
        let alice = add_user(store, "alice", false, NOW);
        let id = start(store, alice.id, 1);
        let mut seen = Vec::new();
        store.in_one_snapshot(&mut || {
            seen.push(ended(store, &id));
            end_now(store, &id);
            seen.push(ended(store, &id));
        });
        assert_eq!(seen, [None, None]);
        assert_eq!(ended(store, &id), Some(EndReason::Logout));
    });
}

conformance!(
    a_run_of_checks_sees_earlier_commits_and_reads_after_it_see_later_ones,
    a_session_rotates_only_from_its_own_generation,
    an_ended_session_stays_ended_with_its_reason,
    a_users_sessions_end_but_the_one_kept,
    a_sweep_deletes_dead_sessions_in_batches_and_keeps_live_ones,
);
