//! The refresh rules across instances: one successor per rotation wherever the replay lands, reuse
//! seen anywhere ends the family everywhere, and a logout anywhere ends the access tokens everywhere.

use super::cluster;
use crate::helpers::*;

#[tokio::test]
async fn a_replay_within_the_grace_on_a_third_instance_gets_the_successor_the_second_returned() {
    let cluster = cluster(&[]).await;
    let login = cluster.a.login_ok("admin", ADMIN_PASSWORD).await;

    let on_b = cluster.b.refresh_ok(&login.cookie).await;
    let on_c = cluster.c.refresh_ok(&login.cookie).await;

    assert_ne!(on_b.cookie, login.cookie);
    assert_eq!(on_c.cookie, on_b.cookie, "never a second live branch");
    let sid = |l: &Login| claims(&l.access_token)["sid"].clone();
    assert_eq!(sid(&on_c), sid(&login));
    assert_eq!(sid(&on_b), sid(&login));
    cluster.a.refresh_ok(&on_c.cookie).await;
}

#[tokio::test]
async fn reuse_after_the_grace_seen_on_one_instance_ends_the_family_on_every_other() {
    let cluster = cluster(&["--reuse-grace", "0s"]).await;
    let login = cluster.a.login_ok("admin", ADMIN_PASSWORD).await;
    let newest = cluster.b.refresh_ok(&login.cookie).await;

    let replayed = cluster.a.refresh(&login.cookie).await;

    assert_eq!(replayed.status(), 401);
    assert_eq!(error_of(replayed).await.1, "reuse_detected");
    for instance in [&cluster.c, &cluster.b] {
        let refused = instance.refresh(&newest.cookie).await;
        assert_eq!(refused.status(), 401);
    }
    for instance in [&cluster.a, &cluster.b, &cluster.c] {
        assert_eq!(instance.me(&newest.access_token).await.status(), 401);
    }
}

#[tokio::test]
async fn logout_on_one_instance_refuses_the_access_token_on_every_other_at_once() {
    let cluster = cluster(&[]).await;
    let login = cluster.a.login_ok("admin", ADMIN_PASSWORD).await;
    for instance in [&cluster.a, &cluster.c] {
        assert_eq!(instance.me(&login.access_token).await.status(), 200);
    }

    assert_eq!(cluster.b.logout(&login.cookie).await.status(), 204);

    for instance in [&cluster.a, &cluster.c, &cluster.b] {
        let refused = instance.me(&login.access_token).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(error_of(refused).await.1, "invalid_token");
    }
    assert_eq!(cluster.c.refresh(&login.cookie).await.status(), 401);
}
