//! First start: a database without an enabled admin gets the user `admin`, with a random password printed once (or `LATCHKEY_BOOTSTRAP_PASSWORD`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

use crate::auth::password;
use crate::clock;
use crate::domain::NewPassword;
use crate::store::{NewUser, Store, StoreError};

pub fn ensure_admin(store: &dyn Store, preset: Option<&str>) -> Result<(), String> {
    if store.has_enabled_admin().map_err(|e| e.to_string())? {
        return Ok(());
    }
    let (password, generated) = match preset {
        Some(text) => (
            NewPassword::parse(text).map_err(|e| format!("LATCHKEY_BOOTSTRAP_PASSWORD: {e}"))?,
            false,
        ),
        None => {
            let mut bytes = [0u8; 18];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            (
                NewPassword::parse(&URL_SAFE_NO_PAD.encode(bytes)).expect("24 characters"),
                true,
            )
        }
    };
    let user = NewUser {
        username: "admin".into(),
        password_hash: password::hash(&password)?,
        admin: true,
        ..NewUser::default()
    };
    match store.insert_user(&user, clock::now_ms()) {
        Ok(_) if generated => {
            tracing::warn!(
                "created the admin user `admin` with password {} (shown once; change it with `latchkey user passwd admin`)",
                password.expose()
            );
            Ok(())
        }
        Ok(_) => {
            tracing::info!(
                "created the admin user `admin` with the password from LATCHKEY_BOOTSTRAP_PASSWORD"
            );
            Ok(())
        }
        Err(StoreError::Conflict(_)) => {
            tracing::warn!("no enabled admin exists and the name `admin` is taken; add one with `latchkey user add NAME --admin`");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}
