//! `latchkey keys …`: list, rotate and revoke the EdDSA signing keys straight on the database; a
//! running server picks the change up within a second.

use clap::Subcommand;

use crate::audit::Kind;
use crate::audit::{self, Describe};
use crate::auth::signing::{keyring, ring, KeySealer};
use crate::cli::CommandError;
use crate::clock;
use crate::store::Store;

/// The EdDSA signing keys (see `--jwt-alg`).
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// One line per key: kid, state (next, signing, retiring, revoked), dates.
    List,
    /// Publish a new key now; it signs 5 minutes later.
    Rotate,
    /// Unpublish a key and refuse its tokens at once.
    Revoke {
        /// A kid is base64url, so it may start with `-`.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

pub(super) fn run(
    store: &dyn Store,
    secret: &[u8],
    command: KeysCommand,
) -> Result<(), CommandError> {
    let now = clock::now_ms();
    let keys = store.signing_keys()?;
    let sealer = KeySealer::new(secret);
    match command {
        KeysCommand::List => {
            println!(
                "{:<16} {:<8} {:<20} {:<20} REVOKED",
                "KID", "STATE", "CREATED", "SIGNS FROM"
            );
            for key in &keys {
                println!(
                    "{:<16} {:<8} {:<20} {:<20} {}",
                    key.kid,
                    keyring::state(&keys, key, now).word(),
                    clock::rfc3339(key.created_at),
                    clock::rfc3339(key.signs_from),
                    key.revoked_at.map_or("-".into(), clock::rfc3339)
                );
            }
            Ok(())
        }
        KeysCommand::Rotate => {
            let new = ring::rotate(&sealer, now);
            store.save_signing_keys(std::slice::from_ref(&new), &[])?;
            key_event(store, Kind::KeyRotated, &new.kid);
            println!(
                "key {} published; it signs from {}",
                new.kid,
                clock::rfc3339(new.signs_from)
            );
            Ok(())
        }
        KeysCommand::Revoke { kid } => {
            let (added, changed) = ring::revoke(&keys, &kid, &sealer, now)?;
            store.save_signing_keys(&added, &changed)?;
            key_event(store, Kind::KeyRevoked, &kid);
            println!("revoked key {kid}");
            Ok(())
        }
    }
}

/// Key events name no user: the kid is the reason.
fn key_event(store: &dyn Store, kind: Kind, kid: &str) {
    let event = audit::event(kind, "")
        .actor("cli")
        .reason(&format!("kid {kid}"));
    if let Err(e) = store.append_audit(&[event]) {
        eprintln!("warning: could not write the audit event: {e}");
    }
}
