//! The load's users: one session each, logged in before a scenario starts, each driving its own
//! connection (a bearer token, or a refresh cookie chain).

use std::io;

use crate::client::{access_token, get, post_form, Conn};
use crate::load::Step;

pub const LOGIN_BODY: &str = "username=admin&password=bench-admin-password";

pub fn repeat(count: usize, request: Vec<u8>) -> Vec<Step> {
    (0..count)
        .map(|_| {
            let request = request.clone();
            Box::new(move |conn: &mut Conn| Ok(conn.send(&request)?.status / 100 == 2)) as Step
        })
        .collect()
}

/// One session per connection: (access token, refresh cookie).
pub fn log_in_each(port: u16, count: usize) -> Vec<(String, String)> {
    let mut conn = Conn::open(port).expect("connect");
    (0..count)
        .map(|_| {
            let response = conn
                .send(&post_form("/user/token", LOGIN_BODY, ""))
                .expect("login");
            assert_eq!(response.status, 200, "bench login failed");
            (
                access_token(&response.body).expect("token"),
                response.set_cookie.expect("cookie"),
            )
        })
        .collect()
}

pub fn me_users(sessions: &[(String, String)]) -> Vec<Step> {
    bearer_users(sessions, "/user/me")
}

/// Each connection calls `path` with its own access token.
pub fn bearer_users(sessions: &[(String, String)], path: &str) -> Vec<Step> {
    sessions
        .iter()
        .map(|(token, _)| {
            let request = get(path, &format!("Authorization: Bearer {token}\r\n"));
            Box::new(move |conn: &mut Conn| Ok(conn.send(&request)?.status == 200)) as Step
        })
        .collect()
}

/// Each user follows its own cookie chain, so every request is a real rotation.
pub fn refresh_users(sessions: &[(String, String)]) -> Vec<Step> {
    sessions
        .iter()
        .map(|(_, cookie)| {
            let mut cookie = cookie.clone();
            Box::new(move |conn: &mut Conn| -> io::Result<bool> {
                let request = post_form(
                    "/user/refresh-token",
                    "",
                    &format!("Cookie: refresh_token={cookie}\r\n"),
                );
                let response = conn.send(&request)?;
                if let Some(next) = response.set_cookie {
                    cookie = next;
                }
                Ok(response.status == 200)
            }) as Step
        })
        .collect()
}
