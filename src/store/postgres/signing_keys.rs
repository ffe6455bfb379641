//! SQL for the signing keys: few rows, read whole. A new key's `kid` is its primary key, so two
//! instances rotating at once keep one key each and both are published.

use super::rows::column;
use super::PostgresStore;
use crate::store::{KeyStore, StoreResult, StoredKey};

impl KeyStore for PostgresStore {
    fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        let rows = self.conn()?.client.query(
            "SELECT kid, public_key, sealed_private, created_at, signs_from, retired_at, revoked_at
             FROM signing_keys ORDER BY signs_from, created_at",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                Ok(StoredKey {
                    kid: column(row, 0)?,
                    public_key: column(row, 1)?,
                    sealed_private: column(row, 2)?,
                    created_at: column(row, 3)?,
                    signs_from: column(row, 4)?,
                    retired_at: column(row, 5)?,
                    revoked_at: column(row, 6)?,
                })
            })
            .collect()
    }

    fn save_signing_keys(&self, added: &[StoredKey], changed: &[StoredKey]) -> StoreResult<()> {
        self.in_transaction(|tx| {
            for key in added {
                tx.execute(
                    "INSERT INTO signing_keys VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        &key.kid,
                        &key.public_key,
                        &key.sealed_private,
                        &key.created_at,
                        &key.signs_from,
                        &key.retired_at,
                        &key.revoked_at,
                    ],
                )?;
            }
            for key in changed {
                tx.execute(
                    "UPDATE signing_keys SET signs_from = $2, retired_at = $3, revoked_at = $4
                     WHERE kid = $1",
                    &[&key.kid, &key.signs_from, &key.retired_at, &key.revoked_at],
                )?;
            }
            Ok(())
        })
    }
}
