//! Families from before ids carried their issue time: their ids keep rotating and replaying, and
//! a replay across the change of format rebuilds the same current id.

use super::*;

/// A family whose ids were issued before ids carried their issue time:
/// `generations` legacy ids (each the HMAC successor of the one before),
/// its session at the last of them, and no issue times kept. Returns the ids.
fn legacy_family(rules: &SessionRules, tx: &FakeTx, generations: i64) -> Vec<RefreshSecret> {
    let first = RefreshSecret::from_cookie(&"A".repeat(43)).expect("a 32-byte id");
    let mut ids = vec![first];
    for _ in 1..generations {
        ids.push(ids.last().unwrap().successor(&rules.chain_key, None));
    }
    let mut sessions = tx.sessions.borrow_mut();
    let session = sessions.values_mut().next().expect("a session");
    session.issue_times = IssueTimes::default();
    session.generation = generations - 1;
    let fingerprint = browser().fingerprint(&rules.client_key).to_vec();
    let mut rows = tx.ids.borrow_mut();
    rows.clear();
    for (generation, id) in ids.iter().enumerate() {
        let row = (
            session.id.clone(),
            generation as i64,
            500,
            fingerprint.clone(),
        );
        rows.insert(id.hash().key(), row);
    }
    ids
}

#[test]
fn ids_from_before_issue_times_still_rotate_and_replay_across_the_change() {
    let (rules, tx, _) = logged_in();
    let legacy = legacy_family(&rules, &tx, 2);

    let replayed = rules.refresh(&tx, &legacy[0], &browser(), 600).unwrap();
    assert_eq!(
        replayed.refresh, legacy[1],
        "a legacy successor stays legacy"
    );
    assert_eq!(replayed.refresh.hash().issued_at, None);

    let timed = rules.refresh(&tx, &legacy[1], &browser(), 1_000).unwrap();
    assert_eq!(timed.refresh.hash().issued_at, Some(1_000));
    let newer = rules
        .refresh(&tx, &timed.refresh, &browser(), 2_000)
        .unwrap();

    for old in &legacy {
        let replayed = rules.refresh(&tx, old, &browser(), 2_500).unwrap();
        assert_eq!(replayed.refresh, newer.refresh);
    }
}
