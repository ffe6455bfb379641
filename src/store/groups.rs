//! The rules of a user's groups above every store: a set kept sorted and without duplicates, a
//! change that replaces it or edits it, and what a change added and removed (for the audit trail).
//! Names are checked before they get here (`domain::GroupName`); stores only read and write sets.

/// How a change treats the user's groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupsChange {
    /// The whole set (an admin API body's `groups`).
    Replace(Vec<String>),
    /// Added and removed in one transaction (`latchkey user groups --add --remove`).
    Edit {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

impl GroupsChange {
    /// The set after the change: sorted, without duplicates; an edit's
    /// removals win over its additions of the same name.
    pub fn apply(&self, current: &[String]) -> Vec<String> {
        let mut groups = match self {
            GroupsChange::Replace(groups) => groups.clone(),
            GroupsChange::Edit { add, remove } => current
                .iter()
                .chain(add)
                .filter(|name| !remove.contains(name))
                .cloned()
                .collect(),
        };
        groups.sort();
        groups.dedup();
        groups
    }
}

/// The groups in `after` and not `before` (added), and the reverse (removed).
pub fn difference(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let only = |a: &[String], b: &[String]| a.iter().filter(|n| !b.contains(n)).cloned().collect();
    (only(after, before), only(before, after))
}

/// The stores read a user's groups as one comma-joined cell (group names hold no comma).
pub(crate) fn split(joined: Option<String>) -> Vec<String> {
    let mut groups: Vec<String> = joined
        .unwrap_or_default()
        .split(',')
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_replacement_is_the_new_set_sorted_without_duplicates() {
        let change = GroupsChange::Replace(names(&["ops", "billing", "ops"]));
        assert_eq!(change.apply(&names(&["dev"])), names(&["billing", "ops"]));
    }

    #[test]
    fn an_edit_adds_and_removes_and_a_removal_wins() {
        let change = GroupsChange::Edit {
            add: names(&["ops", "zeta"]),
            remove: names(&["dev", "zeta", "absent"]),
        };
        assert_eq!(
            change.apply(&names(&["dev", "billing"])),
            names(&["billing", "ops"])
        );
    }

    #[test]
    fn the_difference_names_what_was_added_and_removed() {
        let (added, removed) = difference(&names(&["a", "b"]), &names(&["b", "c"]));
        assert_eq!((added, removed), (names(&["c"]), names(&["a"])));
    }

    #[test]
    fn a_joined_cell_splits_into_a_sorted_set() {
        assert_eq!(
            split(Some("ops,billing,ops".into())),
            names(&["billing", "ops"])
        );
        assert!(split(None).is_empty());
    }
}
