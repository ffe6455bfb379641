//! A PostgreSQL column holding another type than the store reads it as (a schema out of step with
//! the code) is a store error naming the column, never a panic. PostgreSQL only: SQLite's rows are
//! read through results already.

use latchkey::store::{Database, StoreError, StoredKey};

use crate::postgres::TestDatabase;

const NOW: i64 = 1_700_000_000_000;

#[test]
fn a_postgres_column_of_an_unexpected_type_is_an_error_naming_it() {
    let postgres = TestDatabase::create();
    let database = Database::from_arg(postgres.url.clone().into());
    let opened = database.open(2, None).expect("PostgreSQL store opens");
    let store = opened.shared();
    let key = StoredKey {
        kid: "k1".into(),
        public_key: vec![1; 32],
        sealed_private: vec![2; 60],
        created_at: NOW,
        signs_from: NOW,
        retired_at: None,
        revoked_at: None,
    };
    store.save_signing_keys(&[key], &[]).unwrap();
    assert_eq!(store.signing_keys().unwrap().len(), 1, "read as saved");

    postgres.execute("ALTER TABLE signing_keys ALTER COLUMN created_at TYPE text");
    match store.signing_keys() {
        Err(error @ StoreError::Other(_)) => {
            let message = error.to_string();
            assert!(
                message.starts_with("database error: cannot read column created_at: "),
                "{message}"
            );
        }
        other => panic!("expected an error naming the column, got {other:?}"),
    }
}
