//! The software authenticator checked against the relying party library itself (no server): a
//! test that fails here is a fault of the authenticator, not of latchkey.

use webauthn_rs::prelude::*;

use super::SoftPasskey;

#[test]
fn the_software_authenticator_satisfies_the_relying_party_library() {
    let origin = Url::parse("http://localhost:1234").unwrap();
    let rp = WebauthnBuilder::new("localhost", &origin)
        .unwrap()
        .build()
        .unwrap();
    let handle = Uuid::from_bytes([7; 16]);
    let (creation, state) = rp
        .start_passkey_registration(handle, "alice", "Alice", None)
        .unwrap();
    let mut key = SoftPasskey::new("localhost", origin.as_str().trim_end_matches('/'));
    let answer = key.register(&serde_json::to_value(&creation).unwrap());
    let answer: RegisterPublicKeyCredential = serde_json::from_value(answer).unwrap();
    let passkey = rp.finish_passkey_registration(&answer, &state).unwrap();
    let known: DiscoverableKey = (&passkey).into();

    for counter in [1, 2] {
        let (request, state) = rp.start_discoverable_authentication().unwrap();
        let answer = key.assert(&serde_json::to_value(&request).unwrap());
        let answer: PublicKeyCredential = serde_json::from_value(answer).unwrap();
        let (user, _) = rp.identify_discoverable_authentication(&answer).unwrap();
        assert_eq!(user, handle);
        let result = rp
            .finish_discoverable_authentication(&answer, state, std::slice::from_ref(&known))
            .unwrap();
        assert!(result.user_verified());
        assert_eq!(result.counter(), counter);
    }
}
