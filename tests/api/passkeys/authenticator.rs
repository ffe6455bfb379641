//! A software authenticator: a P-256 key that answers WebAuthn ceremonies as a browser and a
//! platform authenticator would (`fmt` "none" attestation, discoverable credential, user
//! verification), with knobs to lie about the origin, the RP id, the counter and the gesture.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore;
use serde_cbor_2::Value as Cbor;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_DATA: u8 = 0x40;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url without padding")
}

pub struct SoftPasskey {
    pub rp_id: String,
    pub origin: String,
    pub key: SigningKey,
    pub credential_id: Vec<u8>,
    /// The user handle the server gave at registration.
    pub user_handle: Option<Vec<u8>>,
    pub counter: u32,
    pub user_verified: bool,
    /// Set by a test that chose `counter` for the next assertion itself.
    pub counter_pinned: bool,
}

impl SoftPasskey {
    /// A fresh key for `rp_id`, answering as a page of `origin`.
    pub fn new(rp_id: &str, origin: &str) -> SoftPasskey {
        let mut credential_id = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut credential_id);
        SoftPasskey {
            rp_id: rp_id.into(),
            origin: origin.into(),
            key: SigningKey::random(&mut rand::rngs::OsRng),
            credential_id,
            user_handle: None,
            counter: 0,
            user_verified: true,
            counter_pinned: false,
        }
    }

    /// The next assertion carries exactly `counter`.
    pub fn set_counter(&mut self, counter: u32) {
        self.counter = counter;
        self.counter_pinned = true;
    }

    fn flags(&self) -> u8 {
        USER_PRESENT | if self.user_verified { USER_VERIFIED } else { 0 }
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        let challenge = options["publicKey"]["challenge"]
            .as_str()
            .expect("options.publicKey.challenge is a string");
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    /// The COSE_Key of the public half: EC2, ES256, P-256, x, y.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut map = BTreeMap::new();
        map.insert(Cbor::Integer(1), Cbor::Integer(2));
        map.insert(Cbor::Integer(3), Cbor::Integer(-7));
        map.insert(Cbor::Integer(-1), Cbor::Integer(1));
        map.insert(Cbor::Integer(-2), Cbor::Bytes(point.x().unwrap().to_vec()));
        map.insert(Cbor::Integer(-3), Cbor::Bytes(point.y().unwrap().to_vec()));
        serde_cbor_2::to_vec(&Cbor::Map(map)).unwrap()
    }

    fn auth_data_head(&self, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        data
    }

    /// `navigator.credentials.create` with the server's creation `options`:
    /// the credential as `PublicKeyCredential.toJSON()` gives it.
    pub fn register(&mut self, options: &Value) -> Value {
        let handle = options["publicKey"]["user"]["id"]
            .as_str()
            .expect("options.publicKey.user.id is a string");
        self.user_handle = Some(unb64(handle));
        let client_data = self.client_data("webauthn.create", options);

        let mut auth_data = self.auth_data_head(self.flags() | ATTESTED_DATA);
        auth_data.extend_from_slice(&[0u8; 16]);
        auth_data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend_from_slice(&self.cose_key());

        let mut attestation = BTreeMap::new();
        attestation.insert(Cbor::Text("fmt".into()), Cbor::Text("none".into()));
        attestation.insert(Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new()));
        attestation.insert(Cbor::Text("authData".into()), Cbor::Bytes(auth_data));
        let attestation = serde_cbor_2::to_vec(&Cbor::Map(attestation)).unwrap();

        self.credential(json!({
            "clientDataJSON": b64(&client_data),
            "attestationObject": b64(&attestation),
            "transports": ["internal"],
        }))
    }

    /// `navigator.credentials.get` with the server's request `options`: a
    /// signed assertion, the counter moved on first (unless a test pinned it).
    pub fn assert(&mut self, options: &Value) -> Value {
        if self.counter_pinned {
            self.counter_pinned = false;
        } else {
            self.counter += 1;
        }
        let client_data = self.client_data("webauthn.get", options);
        let auth_data = self.auth_data_head(self.flags());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        let handle = self
            .user_handle
            .as_deref()
            .expect("a registered passkey has a user handle");

        self.credential(json!({
            "clientDataJSON": b64(&client_data),
            "authenticatorData": b64(&auth_data),
            "signature": b64(signature.to_der().as_bytes()),
            "userHandle": b64(handle),
        }))
    }

    fn credential(&self, response: Value) -> Value {
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
        })
    }
}
