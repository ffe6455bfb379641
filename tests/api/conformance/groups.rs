//! Groups, whichever store keeps them: a set per user that a change replaces or edits in one
//! transaction, read with every user, filtered on, and gone with the user.

use latchkey::store::{GroupsChange, NewUser, Store, UserChange, UserQuery};

use super::{add_user, conformance};

const NOW: i64 = 1_700_000_000_000;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

fn change(groups: GroupsChange) -> UserChange {
    UserChange {
        groups: Some(groups),
        ..UserChange::default()
    }
}

fn a_new_user_keeps_its_groups_and_every_read_shows_them_sorted(store: &dyn Store) {
    let user = NewUser {
        username: "carol".into(),
        password_hash: "$argon2id$not-checked-here".into(),
        groups: names(&["ops", "billing"]),
        ..NewUser::default()
    };
    let created = store.insert_user(&user, NOW).unwrap();
    assert_eq!(created.groups, names(&["billing", "ops"]));
    assert_eq!(
        store.user_by_name("CAROL").unwrap().unwrap().groups,
        created.groups
    );
    let listed = store.list_users().unwrap();
    assert_eq!(listed[0].groups, created.groups);
    assert!(add_user(store, "dave", false, NOW).groups.is_empty());
}

fn a_replacement_and_an_edit_change_the_set_and_other_fields_leave_it(store: &dyn Store) {
    add_user(store, "carol", false, NOW);
    let replaced = store
        .update_user(
            "carol",
            &change(GroupsChange::Replace(names(&["ops", "dev"]))),
            NOW,
        )
        .unwrap()
        .unwrap();
    assert_eq!(replaced.groups, names(&["dev", "ops"]));
    let edit = GroupsChange::Edit {
        add: names(&["billing"]),
        remove: names(&["ops", "absent"]),
    };
    let edited = store
        .update_user("carol", &change(edit), NOW)
        .unwrap()
        .unwrap();
    assert_eq!(edited.groups, names(&["billing", "dev"]));
    let other = UserChange {
        disabled: Some(true),
        ..UserChange::default()
    };
    let kept = store.update_user("carol", &other, NOW).unwrap().unwrap();
    assert_eq!(kept.groups, names(&["billing", "dev"]));
    let emptied = store
        .update_user("carol", &change(GroupsChange::Replace(Vec::new())), NOW)
        .unwrap()
        .unwrap();
    assert!(emptied.groups.is_empty());
}

fn the_list_filters_by_group_and_a_deleted_user_leaves_its_groups(store: &dyn Store) {
    for (name, groups) in [
        ("ann", &["ops"][..]),
        ("ben", &["dev"]),
        ("cid", &["dev", "ops"]),
    ] {
        add_user(store, name, false, NOW);
        let replace = GroupsChange::Replace(names(groups));
        store.update_user(name, &change(replace), NOW).unwrap();
    }
    let members = |group: &str| {
        let query = UserQuery {
            group: Some(group.into()),
            ..UserQuery::default()
        };
        let (users, total) = store.query_users(&query).unwrap();
        (
            users.into_iter().map(|u| u.username).collect::<Vec<_>>(),
            total,
        )
    };
    assert_eq!(members("ops"), (names(&["ann", "cid"]), 2));
    assert_eq!(members("nobody"), (Vec::new(), 0));
    store.delete_user_unless_last_admin("cid").unwrap();
    add_user(store, "cid", false, NOW);
    assert_eq!(members("ops"), (names(&["ann"]), 1));
    assert_eq!(members("dev"), (names(&["ben"]), 1));
}

conformance!(
    a_new_user_keeps_its_groups_and_every_read_shows_them_sorted,
    a_replacement_and_an_edit_change_the_set_and_other_fields_leave_it,
    the_list_filters_by_group_and_a_deleted_user_leaves_its_groups,
);
