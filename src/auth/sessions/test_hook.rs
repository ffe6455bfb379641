//! The API tests' hook, built only with the `test-hooks` feature: a refresh from one exact
//! `User-Agent` panics inside the session writer, so a test can prove the writer outlives a
//! panicking job (see `Config::panic_on_user_agent`).

use super::{Client, SessionRules};

impl SessionRules {
    pub fn panicking_for(self, user_agent: Option<String>) -> SessionRules {
        SessionRules {
            panic_on_user_agent: user_agent,
            ..self
        }
    }

    pub(super) fn test_hook(&self, client: &Client) {
        if self.panic_on_user_agent.is_some() && self.panic_on_user_agent == client.user_agent {
            panic!("test hook: a session job panics on purpose");
        }
    }
}
