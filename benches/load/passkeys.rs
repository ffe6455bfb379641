//! The passkey login row: each connection signs in with a passkey of its own (the API tests'
//! software authenticator), two requests per login: the options, then the signed assertion.

#[path = "../../tests/api/passkeys/authenticator.rs"]
#[allow(dead_code)] // the tests use more of it than the benchmark
mod authenticator;

use std::io;

use serde_json::{json, Value};

use crate::client::{access_token, post_form, Conn};
use crate::load::Step;
use crate::server::ADMIN_PASSWORD;
use crate::users::LOGIN_BODY;
use authenticator::SoftPasskey;

fn post_json(path: &str, body: &Value, extra: &str) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn json_of(conn: &mut Conn, request: &[u8], status: u16) -> io::Result<Value> {
    let response = conn.send(request)?;
    if response.status != status {
        return Err(io::Error::other(format!("status {}", response.status)));
    }
    serde_json::from_slice(&response.body).map_err(io::Error::other)
}

/// Registers a passkey for the admin (setup: a password login, then both
/// steps of a registration, which ends the admin's other sessions).
fn register(conn: &mut Conn, port: u16, name: &str) -> SoftPasskey {
    let login = conn
        .send(&post_form("/user/token", LOGIN_BODY, ""))
        .expect("login");
    let token = access_token(&login.body).expect("token");
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let begin = post_json(
        "/user/passkeys/register",
        &json!({ "current_password": ADMIN_PASSWORD }),
        &bearer,
    );
    let begun = json_of(conn, &begin, 200).expect("registration options");
    let mut key = SoftPasskey::new("localhost", &format!("http://localhost:{port}"));
    let answer = key.register(&begun["options"]);
    let finish = json!({"challenge_id": begun["challenge_id"], "name": name, "credential": answer});
    let finish = post_json("/user/passkeys/register/finish", &finish, &bearer);
    json_of(conn, &finish, 201).expect("registered");
    key
}

/// One passkey per connection, each signing in over and over. The first step
/// sends no body: the route reads none, and actix closes a keep-alive
/// connection whose request body was left unread.
pub fn passkey_users(port: u16, count: usize) -> Vec<Step> {
    let mut setup = Conn::open(port).expect("connect");
    (0..count)
        .map(|i| {
            let mut key = register(&mut setup, port, &format!("bench {i}"));
            Box::new(move |conn: &mut Conn| -> io::Result<bool> {
                let begun = json_of(conn, &post_form("/user/token/passkey", "", ""), 200)?;
                let answer = key.assert(&begun["options"]);
                let finish = json!({"challenge_id": begun["challenge_id"], "credential": answer});
                let response = conn.send(&post_json("/user/token/passkey/finish", &finish, ""))?;
                Ok(response.status == 200)
            }) as Step
        })
        .collect()
}
