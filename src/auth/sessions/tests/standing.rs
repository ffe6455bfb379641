//! A session starts only for the user as its login checked it: still there, enabled, at the
//! credentials version read before the password check, on a new session and a continued one.

use super::*;

/// Starts a session for `checked` (as the login read it) against `tx`.
fn start(
    rules: &SessionRules,
    tx: &FakeTx,
    checked: User,
    presented: Option<&RefreshSecret>,
) -> Result<Grant, ApiError> {
    rules.start(
        tx,
        (checked, Factors::Password),
        presented,
        browser(),
        1_000,
    )
}

fn moved_on(tx: &FakeTx) {
    tx.user.borrow_mut().as_mut().unwrap().credentials_version += 1;
}

#[test]
fn a_login_checked_before_a_change_starts_no_session() {
    let (rules, tx, _) = logged_in();
    moved_on(&tx);

    let refused = start(&rules, &tx, user(false), None);

    assert!(matches!(refused, Err(ApiError::InvalidCredentials)));
    assert_eq!(tx.sessions.borrow().len(), 1, "only the first login's");
}

#[test]
fn a_login_checked_before_a_change_continues_no_session_either() {
    let (rules, tx, presented) = logged_in();
    moved_on(&tx);

    let refused = start(&rules, &tx, user(false), Some(&presented));

    assert!(matches!(refused, Err(ApiError::InvalidCredentials)));
    let session = tx.sessions.borrow().values().next().unwrap().clone();
    assert_eq!(session.generation, 0, "not rotated");
}

#[test]
fn a_user_disabled_or_gone_since_the_check_is_refused() {
    let (rules, tx, _) = logged_in();
    *tx.user.borrow_mut() = Some(user(true));
    assert!(matches!(
        start(&rules, &tx, user(false), None),
        Err(ApiError::InvalidCredentials)
    ));

    *tx.user.borrow_mut() = None;
    assert!(matches!(
        start(&rules, &tx, user(false), None),
        Err(ApiError::InvalidCredentials)
    ));
}

#[test]
fn a_login_at_the_current_version_starts_its_session() {
    let (rules, tx, _) = logged_in();
    moved_on(&tx);
    let checked = User {
        credentials_version: 1,
        ..user(false)
    };

    start(&rules, &tx, checked, None).expect("a session");

    assert_eq!(tx.sessions.borrow().len(), 2);
}
