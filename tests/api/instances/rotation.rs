//! The refresh rules across instances: one successor per rotation wherever the replay lands, reuse
//! seen anywhere ends the family everywhere, and a logout anywhere ends the access tokens
//! everywhere.

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

#[tokio::test]
async fn the_same_id_refreshed_on_three_instances_at_once_is_one_rotation_and_two_replays() {
    let cluster = cluster(&[]).await;
    for round in 0..10 {
        let login = cluster.a.login_ok("admin", ADMIN_PASSWORD).await;

        let (on_a, on_b, on_c) = tokio::join!(
            cluster.a.refresh_ok(&login.cookie),
            cluster.b.refresh_ok(&login.cookie),
            cluster.c.refresh_ok(&login.cookie),
        );

        assert_eq!(on_a.cookie, on_b.cookie, "round {round}: one successor");
        assert_eq!(on_b.cookie, on_c.cookie, "round {round}: one successor");
        let sid = claims(&login.access_token)["sid"]
            .as_str()
            .unwrap()
            .to_string();
        let admin = cluster.a.user("admin").unwrap();
        let now = latchkey::clock::now_ms();
        let sessions = cluster
            .a
            .with_store(|store| store.live_sessions(admin.id, now))
            .unwrap();
        let generation = sessions.iter().find(|s| s.id == sid).unwrap().generation;
        assert_eq!(
            generation, 1,
            "round {round}: rotated once, not three times"
        );
        cluster.b.refresh_ok(&on_a.cookie).await;
    }
}
