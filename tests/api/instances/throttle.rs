//! Login throttling counts the failures of every instance together: a guesser cannot multiply its
//! attempts by spreading them over the load balancer's targets.

use super::cluster;
use crate::helpers::*;

#[tokio::test]
async fn failures_spread_over_three_instances_throttle_the_next_login_on_any_of_them() {
    let cluster = cluster(&["--login-max-failures", "3"]).await;
    let instances = [&cluster.a, &cluster.b, &cluster.c];
    for instance in instances {
        let failed = instance.login("admin", "wrong-password").await;
        assert_eq!(failed.status(), 401);
    }

    for instance in instances {
        let throttled = instance.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(throttled.status(), 429, "{}", instance.address);
        assert_eq!(error_of(throttled).await.1, "throttled");
    }
}
