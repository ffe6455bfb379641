//! The audit trail: appended in order, read back filtered and paged, counted per hour, pruned by
//! age in batches.

use latchkey::store::{AuditEvent, AuditQuery, HourCount, Store, HOUR_MS};

use super::conformance;

const NOW: i64 = 1_700_000_000_000;

fn event(at: i64, event: &str, username: Option<&str>) -> AuditEvent {
    AuditEvent {
        at,
        event: event.into(),
        username: username.map(Into::into),
        actor: Some("cli".into()),
        address: Some("192.0.2.1".into()),
        user_agent: Some("conformance".into()),
        reason: Some("invalid_credentials".into()),
        request_id: Some(format!("request-{at}")),
    }
}

fn events(store: &dyn Store, query: AuditQuery) -> (Vec<AuditEvent>, u64) {
    let (records, total) = store.query_audit(&query).unwrap();
    (records.into_iter().map(|r| r.event).collect(), total)
}

fn events_come_back_whole_newest_first_and_filtered(store: &dyn Store) {
    let written = [
        event(NOW, "login_ok", Some("Alice")),
        event(NOW + 1, "login_failed", Some("alice")),
        event(NOW + 2, "login_failed", Some("bob")),
        event(NOW + 3, "logout", None),
    ];
    store.append_audit(&written).unwrap();
    let (all, total) = events(store, AuditQuery::default());
    assert_eq!(total, 4);
    assert_eq!(all, written.iter().rev().cloned().collect::<Vec<_>>());
    let alice = AuditQuery {
        username: Some("ALICE".into()),
        ..AuditQuery::default()
    };
    assert_eq!(events(store, alice).1, 2, "a username matches in any case");
    let failed_since = AuditQuery {
        event: Some("login_failed".into()),
        since: Some(NOW + 2),
        ..AuditQuery::default()
    };
    assert_eq!(events(store, failed_since), (vec![written[2].clone()], 1));
    let page = AuditQuery {
        oldest_first: true,
        offset: 1,
        limit: Some(2),
        ..AuditQuery::default()
    };
    assert_eq!(events(store, page), (written[1..3].to_vec(), 4));
}

fn ids_grow_with_each_append(store: &dyn Store) {
    store.append_audit(&[event(NOW, "a", None)]).unwrap();
    store
        .append_audit(&[event(NOW, "b", None), event(NOW, "c", None)])
        .unwrap();
    let oldest_first = AuditQuery {
        oldest_first: true,
        ..AuditQuery::default()
    };
    let (records, _) = store.query_audit(&oldest_first).unwrap();
    let names: Vec<&str> = records.iter().map(|r| r.event.event.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(records.windows(2).all(|pair| pair[0].id < pair[1].id));
}

fn pruning_deletes_only_older_events_a_batch_at_a_time(store: &dyn Store) {
    let written: Vec<AuditEvent> = (0..5).map(|i| event(NOW + i, "login_ok", None)).collect();
    store.append_audit(&written).unwrap();
    assert_eq!(store.prune_audit(NOW + 3, 2).unwrap(), 2);
    assert_eq!(store.prune_audit(NOW + 3, 2).unwrap(), 1);
    assert_eq!(store.prune_audit(NOW + 3, 2).unwrap(), 0);
    let oldest_first = AuditQuery {
        oldest_first: true,
        ..AuditQuery::default()
    };
    assert_eq!(events(store, oldest_first), (written[3..].to_vec(), 2));
}

fn a_name_beyond_ascii_finds_its_events_as_written(store: &dyn Store) {
    store
        .append_audit(&[event(NOW, "login_ok", Some("alice"))])
        .unwrap();
    store
        .append_audit(&[event(NOW + 4, "login_ok", Some("Élise"))])
        .unwrap();
    let elise = AuditQuery {
        username: Some("Élise".into()),
        ..AuditQuery::default()
    };
    assert_eq!(
        events(store, elise).1,
        1,
        "a name beyond ASCII matches as written"
    );
}

fn events_are_counted_per_clock_hour_and_kind_from_the_given_time(store: &dyn Store) {
    let hour = NOW.div_euclid(HOUR_MS) * HOUR_MS;
    store
        .append_audit(&[
            event(hour - 1, "login_ok", None),
            event(hour, "login_ok", None),
            event(hour + HOUR_MS - 1, "login_ok", Some("bob")),
            event(hour + 5, "login_failed", None),
            event(hour + HOUR_MS, "login_ok", None),
        ])
        .unwrap();

    let mut counts = store.count_audit_by_hour(hour).unwrap();

    counts.sort_by(|a, b| (a.hour, &a.event).cmp(&(b.hour, &b.event)));
    let count = |hour: i64, event: &str, count: u64| HourCount {
        hour,
        event: event.into(),
        count,
    };
    let expected = [
        count(hour, "login_failed", 1),
        count(hour, "login_ok", 2),
        count(hour + HOUR_MS, "login_ok", 1),
    ];
    assert_eq!(counts, expected, "the event before `since` is left out");
}

conformance!(
    events_come_back_whole_newest_first_and_filtered,
    events_are_counted_per_clock_hour_and_kind_from_the_given_time,
    ids_grow_with_each_append,
    pruning_deletes_only_older_events_a_batch_at_a_time,
    a_name_beyond_ascii_finds_its_events_as_written,
);
