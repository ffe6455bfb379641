//! Families from before counted ids: their chained ids (with and without issue times) keep
//! rotating, into counted ids, and a replay across the change of format gets the current id.

use super::*;

/// A family of schema versions 10 and 11: `generations` chained ids (each
/// the HMAC successor of the one before, id `k` issued at `500 + k`), its
/// session at the last of them with their issue times, and no fingerprint
/// in the session's row (each id's row has it). Returns the ids.
fn legacy_family(rules: &SessionRules, tx: &FakeTx, generations: i64) -> Vec<ChainedId> {
    let mut ids = vec![ChainedId::new(Some(500), [0; 32])];
    let mut times = IssueTimes::first(500);
    for k in 1..generations {
        ids.push(
            ids.last()
                .unwrap()
                .successor(&rules.chain_key, Some(500 + k)),
        );
        times = times.after(500 + k);
    }
    let mut sessions = tx.sessions.borrow_mut();
    let session = sessions.values_mut().next().expect("a session");
    session.issue_times = times;
    session.issued_to = None;
    session.generation = generations - 1;
    let fingerprint = browser().fingerprint(&rules.client_key).to_vec();
    let mut rows = tx.ids.borrow_mut();
    rows.clear();
    for (generation, id) in ids.iter().enumerate() {
        let row = (
            session.id.clone(),
            generation as i64,
            500 + generation as i64,
            fingerprint.clone(),
        );
        rows.insert(id.hash().key(), row);
    }
    ids
}

#[test]
fn chained_ids_from_before_still_rotate_and_replay_across_the_change() {
    let (rules, tx, _) = logged_in();
    let legacy: Vec<RefreshSecret> = legacy_family(&rules, &tx, 2)
        .into_iter()
        .map(RefreshSecret::Chained)
        .collect();

    let replayed = rules.refresh(&tx, &legacy[0], &browser(), 600).unwrap();
    assert_eq!(
        replayed.refresh, legacy[1],
        "while the live id is chained, a replay gets it"
    );

    let counted = rules.refresh(&tx, &legacy[1], &browser(), 1_000).unwrap();
    assert!(matches!(counted.refresh, RefreshSecret::Counted(_)));
    let newer = rules
        .refresh(&tx, &counted.refresh, &browser(), 2_000)
        .unwrap();

    for old in &legacy {
        let replayed = rules.refresh(&tx, old, &browser(), 2_500).unwrap();
        assert_eq!(replayed.refresh, newer.refresh);
    }
    let late = rules.refresh(&tx, &legacy[0], &browser(), 2_000 + GRACE_MS);
    assert!(matches!(late, Err(ApiError::ReuseDetected)));
}
