//! Users by name: one key per name under case folding, whichever store keeps them.

use latchkey::store::{Store, StoreError, UserQuery, UserSort};

use super::{add_user, conformance};

const NOW: i64 = 1_700_000_000_000;

fn a_user_is_found_by_any_spelling_of_its_name(store: &dyn Store) {
    let elise = add_user(store, "Élise", false, NOW);
    for spelling in ["Élise", "élise", "ÉLISE", "E\u{301}lise"] {
        let found = store.user_by_name(spelling).unwrap();
        assert_eq!(found.map(|u| u.id), Some(elise.id), "{spelling}");
    }
    assert!(store.user_by_name("Elise").unwrap().is_none());
    assert_eq!(
        store.user_by_name("élise").unwrap().unwrap().username,
        "Élise"
    );
}

fn a_name_whose_key_is_taken_conflicts(store: &dyn Store) {
    add_user(store, "alice", false, NOW);
    add_user(store, "Straße", false, NOW);
    for taken in ["ALICE", "Alice", "STRASSE"] {
        match store.insert_user(&user_named(taken), NOW) {
            Err(StoreError::Conflict(_)) => {}
            other => panic!("{taken}: {other:?}"),
        }
    }
    assert_eq!(store.list_users().unwrap().len(), 2);
}

fn a_rename_moves_the_name_and_refuses_a_taken_key(store: &dyn Store) {
    let alice = add_user(store, "alice", false, NOW);
    add_user(store, "bob", false, NOW);
    let renamed = store.rename_user("ALICE", "Alicia", NOW + 1).unwrap();
    assert_eq!(
        renamed.map(|u| (u.id, u.username)),
        Some((alice.id, "Alicia".into()))
    );
    assert!(store.user_by_name("alice").unwrap().is_none());
    assert!(matches!(
        store.rename_user("bob", "ALICIA", NOW),
        Err(StoreError::Conflict(_))
    ));
    assert!(store
        .rename_user("nobody", "somebody", NOW)
        .unwrap()
        .is_none());
    let recased = store.rename_user("alicia", "ALICIA", NOW).unwrap().unwrap();
    assert_eq!(
        (recased.id, recased.username.as_str()),
        (alice.id, "ALICIA")
    );
}

fn users_are_listed_by_name_whatever_its_case(store: &dyn Store) {
    for name in ["carol", "Bob", "alice", "Dave"] {
        add_user(store, name, false, NOW);
    }
    let names: Vec<String> = store
        .list_users()
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["alice", "Bob", "carol", "Dave"]);
}

fn an_admin_counts_only_while_enabled(store: &dyn Store) {
    assert!(!store.has_enabled_admin().unwrap());
    let mut admin = user_named("root");
    admin.admin = true;
    admin.disabled = true;
    store.insert_user(&admin, NOW).unwrap();
    assert!(!store.has_enabled_admin().unwrap());
    add_user(store, "boss", true, NOW);
    assert!(store.has_enabled_admin().unwrap());
}

fn a_user_page_sorts_and_filters_alike(store: &dyn Store) {
    for name in ["carol", "Bob", "alice", "Dave"] {
        add_user(store, name, name == "Dave", NOW);
    }
    let page = |query: UserQuery| -> (Vec<String>, u64) {
        let (users, total) = store.query_users(&query).unwrap();
        (users.into_iter().map(|u| u.username).collect(), total)
    };
    let by_name = UserQuery {
        sort: UserSort::Username,
        ..UserQuery::default()
    };
    assert_eq!(page(by_name).0, ["alice", "Bob", "carol", "Dave"]);
    let ties = UserQuery {
        sort: UserSort::Admin,
        ..UserQuery::default()
    };
    assert_eq!(
        page(ties).0,
        ["alice", "Bob", "carol", "Dave"],
        "ties by name"
    );
    let second = UserQuery {
        descending: true,
        offset: 1,
        limit: Some(2),
        ..UserQuery::default()
    };
    assert_eq!(page(second), (vec!["carol".into(), "Bob".into()], 4));
    let search = UserQuery {
        search: Some("AR".into()),
        ..UserQuery::default()
    };
    assert_eq!(page(search).0, ["carol"]);
    let admins = UserQuery {
        admin: Some(true),
        ..UserQuery::default()
    };
    assert_eq!(page(admins), (vec!["Dave".into()], 1));
    let named = UserQuery {
        usernames: Some(vec!["BOB".into(), "dave".into()]),
        ..UserQuery::default()
    };
    assert_eq!(page(named).0, ["Bob", "Dave"]);
}

fn a_user_page_finds_names_beyond_ascii_as_listed(store: &dyn Store) {
    for name in ["Élise", "Øyvind", "Straße"] {
        add_user(store, name, false, NOW);
    }
    let named = UserQuery {
        usernames: Some(vec!["Élise".into(), "Straße".into()]),
        ..UserQuery::default()
    };
    let (users, total) = store.query_users(&named).unwrap();
    let names: Vec<String> = users.into_iter().map(|u| u.username).collect();
    assert_eq!((names, total), (vec!["Straße".into(), "Élise".into()], 2));
    let search = UserQuery {
        search: Some("ÉLI".into()),
        ..UserQuery::default()
    };
    assert_eq!(store.query_users(&search).unwrap().1, 1);
}

/// Users whose names and full names go beyond ASCII, each searched for
/// in several spellings: the username by login's folding, the email and
/// full name with ASCII letters folded and every other letter as written.
fn a_search_folds_names_as_login_does_on_every_store(store: &dyn Store) {
    for (username, full_name) in [
        ("Zoë", "Zoë Adams"),
        ("Straße", "Grüße Straße"),
        ("İlker", "İlker Yılmaz"),
        ("emile", "Émile Zola"),
    ] {
        let mut user = user_named(username);
        user.full_name = Some(full_name.into());
        store.insert_user(&user, NOW).unwrap();
    }
    let found = |text: &str| -> Vec<String> {
        let search = UserQuery {
            search: Some(text.into()),
            ..UserQuery::default()
        };
        let (users, total) = store.query_users(&search).unwrap();
        assert_eq!(users.len() as u64, total, "{text}");
        users.into_iter().map(|u| u.username).collect()
    };
    let expected: [(&str, &[&str]); 14] = [
        ("ZOË", &["Zoë"]),
        ("zoe\u{308}", &["Zoë"]),
        ("STRASSE", &["Straße"]),
        ("straße", &["Straße"]),
        ("SS", &["Straße"]),
        ("İL", &["İlker"]),
        ("i\u{307}lker", &["İlker"]),
        ("ilker", &[]),
        ("ADAMS", &["Zoë"]),
        ("GRÜSSE", &[]),
        ("grüße", &["Straße"]),
        ("ÉMILE ZOLA", &["emile"]),
        ("émile", &[]),
        ("YILMAZ", &[]),
    ];
    for (text, names) in expected {
        assert_eq!(found(text), names, "q={text}");
    }
}

fn user_named(name: &str) -> latchkey::store::NewUser {
    latchkey::store::NewUser {
        username: name.into(),
        password_hash: "$argon2id$not-checked-here".into(),
        ..Default::default()
    }
}

conformance!(
    a_user_is_found_by_any_spelling_of_its_name,
    a_name_whose_key_is_taken_conflicts,
    a_rename_moves_the_name_and_refuses_a_taken_key,
    users_are_listed_by_name_whatever_its_case,
    an_admin_counts_only_while_enabled,
    a_user_page_sorts_and_filters_alike,
    a_user_page_finds_names_beyond_ascii_as_listed,
    a_search_folds_names_as_login_does_on_every_store,
);
