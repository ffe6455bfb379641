//! Sign-in ceremonies need no account, so one client address holds only so many live ones: a
//! flood of first steps stores a bounded number of rows, and a finished one frees its place.

use super::{alice_with_a_passkey, challenge_of, finish_sign_in};
use crate::helpers::*;

const MOST_LIVE: usize = 64;

#[tokio::test]
async fn one_address_holds_at_most_64_live_sign_in_challenges() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    let mut begun = Vec::new();
    for _ in 0..MOST_LIVE {
        let response = app.client.post(app.url("/user/token/passkey")).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        begun.push(challenge_of(response).await);
    }

    let refused = app
        .client
        .post(app.url("/login/passkey"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        429,
        "the portal's first step counts as well"
    );
    assert_eq!(refused.headers()["retry-after"], "300");
    assert_eq!(error_of(refused).await.1, "throttled");
    let stored = app.query_i64("SELECT COUNT(*) FROM passkey_challenges");
    assert_eq!(stored, MOST_LIVE as i64);

    let (challenge_id, options) = begun.pop().unwrap();
    let signed_in = finish_sign_in(&app, &challenge_id, key.assert(&options)).await;
    assert_eq!(signed_in.status(), 200, "a live challenge still signs in");
    let again = app
        .client
        .post(app.url("/user/token/passkey"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "the used one's place is free again");
}
