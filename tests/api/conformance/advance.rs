//! PostgreSQL's one-step rotation of a refresh (`SessionTx::advance`) against the rules' full path:
//! it moves a session exactly as `rotate` does, and only a session the rules would rotate; any
//! other it leaves untouched for the full read. A batch runs its jobs' steps in one statement.

use std::sync::mpsc;

use latchkey::domain::SessionId;
use latchkey::store::{
    Advance, Factors, IssueTimes, NewSession, NewUser, Session, SessionJob, SessionTx, Store,
    StoreResult, User,
};

use super::sessions::start;
use super::{add_user, in_session_tx};

const NOW: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

fn advance(session_id: &str, from_generation: i64, now: i64, seed: u8) -> Advance {
    Advance {
        session_id: session_id.into(),
        from_generation,
        now,
        idle_until: now + HOUR,
        issued_to: [seed; 16],
    }
}

fn advanced(store: &dyn Store, step: Advance) -> Option<(Session, User)> {
    in_session_tx(store, move |tx| tx.advance(&step).unwrap())
}

fn stored(store: &dyn Store, id: &str) -> Session {
    let id = id.to_string();
    let found = in_session_tx(store, move |tx| tx.find_session(&id).unwrap());
    found.expect("the session is stored").0
}

/// A session of `user_id` with factors, limits and kind chosen by the test.
fn start_with(store: &dyn Store, user_id: i64, shape: impl FnOnce(&mut NewSession)) -> String {
    let id = SessionId::generate();
    let mut session = NewSession {
        id: id.clone(),
        user_id,
        now: NOW,
        idle_expires_at: NOW + HOUR,
        absolute_expires_at: NOW + 3 * HOUR,
        user_agent: None,
        ip: None,
        issued_to: [1; 16],
        factors: Factors::PasswordAndCode,
        issue_times: IssueTimes::first(NOW),
        portal_hash: None,
    };
    shape(&mut session);
    in_session_tx(store, move |tx| tx.create_session(&session).unwrap());
    id.as_str().to_string()
}

fn advance_moves_a_live_session_as_a_rotation_does(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let id = start_with(store, alice.id, |_| {});
    let mut times = IssueTimes::first(NOW);
    // More rotations than the issue times keep: the oldest drop out.
    for generation in 0..6 {
        let now = NOW + (generation + 1) * 60_000;
        let step = advance(&id, generation, now, 2 + generation as u8);
        let (session, user) = advanced(store, step).expect("a live session moves on");
        times = times.after(now);
        assert_eq!(user.username, "alice");
        assert_eq!(session.generation, generation + 1);
        assert_eq!(session.last_used_at, now);
        // The idle limit slides but never past the absolute one.
        let idle = (now + HOUR).min(NOW + 3 * HOUR);
        assert_eq!(session.idle_expires_at, idle);
        assert_eq!(
            session.issued_to.as_deref(),
            Some(&[2 + generation as u8; 16][..])
        );
        assert_eq!(
            session.issue_times, times,
            "as IssueTimes::after keeps them"
        );
        assert_eq!(
            session.factors,
            Factors::PasswordAndCode,
            "a refresh keeps them"
        );
        let read = stored(store, &id);
        assert_eq!(
            (read.generation, read.issue_times),
            (session.generation, times.clone())
        );
    }
    // A session from before issue times were kept starts keeping them.
    let old = start_with(store, alice.id, |s| s.issue_times = IssueTimes::default());
    let (session, _) = advanced(store, advance(&old, 0, NOW + 1, 3)).expect("it moves on");
    assert_eq!(session.issue_times, IssueTimes::default().after(NOW + 1));
}

fn advance_leaves_a_session_the_rules_would_not_rotate_untouched(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let bob = NewUser {
        username: "bob".into(),
        password_hash: "$argon2id$not-checked-here".into(),
        disabled: true,
        ..NewUser::default()
    };
    let bob = store.insert_user(&bob, NOW).unwrap();
    let live = start_with(store, alice.id, |_| {});
    let idle_gone = start_with(store, alice.id, |s| s.idle_expires_at = NOW + 10);
    let absolute_gone = start_with(store, alice.id, |s| s.absolute_expires_at = NOW + 10);
    let portal = start_with(store, alice.id, |s| s.portal_hash = Some([7; 32]));
    let disabled = start_with(store, bob.id, |_| {});
    let ended = start(store, alice.id, 1);
    assert!(store
        .end_own_session(alice.id, &ended, latchkey::store::EndReason::Logout, NOW)
        .unwrap());

    let refused = [
        (
            live.as_str(),
            1,
            NOW + 1,
            "a generation ahead of the session",
        ),
        (
            &idle_gone,
            0,
            NOW + 10,
            "past the idle limit (to the millisecond)",
        ),
        (&absolute_gone, 0, NOW + 10, "past the absolute limit"),
        (&portal, 0, NOW + 1, "a portal session"),
        (&disabled, 0, NOW + 1, "a disabled user's session"),
        (&ended, 0, NOW + 1, "an ended session"),
    ];
    for (id, generation, now, case) in refused {
        let before = stored(store, id);
        assert!(
            advanced(store, advance(id, generation, now, 9)).is_none(),
            "{case}"
        );
        let after = stored(store, id);
        assert_eq!(
            (after.generation, after.last_used_at, after.issued_to),
            (before.generation, before.last_used_at, before.issued_to),
            "{case}: nothing written"
        );
    }
    let unknown = SessionId::generate();
    assert!(advanced(store, advance(unknown.as_str(), 0, NOW + 1, 9)).is_none());
    assert!(advanced(store, advance(&live, 0, NOW + 1, 9)).is_some());
    assert!(
        advanced(store, advance(&live, 0, NOW + 2, 9)).is_none(),
        "a generation behind the session: a replay, for the full path"
    );
}

/// A refresh-like job that says which step it asks for first (`hint`), and what its work then
/// asks (`asks`: `None` asks nothing). It may run more than once (a redone batch).
struct Stepper {
    hint: Advance,
    asks: Option<Advance>,
    moved_to: Option<Option<i64>>,
    answer: mpsc::Sender<Option<i64>>,
}

impl SessionJob for Stepper {
    fn run(&mut self, tx: StoreResult<&dyn SessionTx>) -> bool {
        let tx = tx.expect("a session transaction");
        let moved = self.asks.as_ref().map(|step| tx.advance(step).unwrap());
        self.moved_to = Some(moved.flatten().map(|(session, _)| session.generation));
        true
    }

    fn answer(self: Box<Self>, committed: StoreResult<()>) {
        committed.expect("the batch commits");
        self.answer.send(self.moved_to.expect("it ran")).unwrap();
    }

    fn advance(&self) -> Option<&Advance> {
        Some(&self.hint)
    }
}

/// Holds the writer in its batch until told to go, so the jobs queued meanwhile form one batch.
struct Holder {
    running: mpsc::Sender<()>,
    go: mpsc::Receiver<()>,
}

impl SessionJob for Holder {
    fn run(&mut self, _: StoreResult<&dyn SessionTx>) -> bool {
        let _ = self.running.send(());
        let _ = self.go.recv();
        true
    }

    fn answer(self: Box<Self>, _: StoreResult<()>) {}
}

/// Runs `(hint, asks)` jobs as one batch; what each moved its session to, in order.
fn one_batch(store: &dyn Store, jobs: Vec<(Advance, Option<Advance>)>) -> Vec<Option<i64>> {
    const LANE: Option<u64> = Some(7);
    let ((running, started), (go, wait)) = (mpsc::channel(), mpsc::channel());
    store.submit_session_work(LANE, Box::new(Holder { running, go: wait }));
    started.recv().expect("the holder runs");
    let answers: Vec<_> = jobs
        .into_iter()
        .map(|(hint, asks)| {
            let (answer, answered) = mpsc::channel();
            let moved_to = None;
            let job = Stepper {
                hint,
                asks,
                moved_to,
                answer,
            };
            store.submit_session_work(LANE, Box::new(job));
            answered
        })
        .collect();
    go.send(()).unwrap();
    answers
        .iter()
        .map(|a| a.recv().expect("answered"))
        .collect()
}

fn a_batch_of_steps_moves_each_session_the_rules_would_rotate_once(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    let (one, two) = (start(store, alice.id, 1), start(store, alice.id, 1));
    let ended = start(store, alice.id, 1);
    assert!(store
        .end_own_session(alice.id, &ended, latchkey::store::EndReason::Logout, NOW)
        .unwrap());
    let step = |id: &str, generation| advance(id, generation, NOW + 1, 2);
    let asked = |a: Advance| (a.clone(), Some(a));
    let moved = one_batch(
        store,
        vec![
            asked(step(&one, 0)),
            asked(step(&one, 0)), // a second tab, the same id
            asked(step(&two, 0)),
            asked(step(&two, 3)),
            asked(step(&ended, 0)),
        ],
    );
    assert_eq!(
        moved[..2].iter().flatten().collect::<Vec<_>>(),
        [&1],
        "one of two tabs moves the session, once: {moved:?}"
    );
    assert_eq!(moved[2..], [Some(1), None, None]);
    assert_eq!(
        (
            stored(store, &one).generation,
            stored(store, &two).generation
        ),
        (1, 1)
    );

    // A job that does not ask for the step it announced: its batch is undone and run again
    // job by job, and that session is not moved for nobody.
    let three = start(store, alice.id, 1);
    let moved = one_batch(
        store,
        vec![
            asked(step(&one, 1)),
            (step(&three, 0), None),
            asked(step(&two, 1)),
        ],
    );
    assert_eq!(moved, [Some(2), None, Some(2)]);
    assert_eq!(
        stored(store, &three).generation,
        0,
        "never moved for nobody"
    );
}

/// PostgreSQL's alone: SQLite declines the step (`SessionTx::advance`), reading in full every time.
mod postgres {
    #[test]
    fn advance_moves_a_live_session_as_a_rotation_does() {
        crate::conformance::on_postgres(super::advance_moves_a_live_session_as_a_rotation_does);
    }

    #[test]
    fn advance_leaves_a_session_the_rules_would_not_rotate_untouched() {
        crate::conformance::on_postgres(
            super::advance_leaves_a_session_the_rules_would_not_rotate_untouched,
        );
    }

    #[test]
    fn a_batch_of_steps_moves_each_session_the_rules_would_rotate_once() {
        crate::conformance::on_postgres(
            super::a_batch_of_steps_moves_each_session_the_rules_would_rotate_once,
        );
    }
}
