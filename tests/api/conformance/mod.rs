//! The store conformance suite: every test is written once against `&dyn Store` and runs on a fresh
//! SQLite file and on a fresh PostgreSQL database (`LATCHKEY_TEST_POSTGRES`), so the two stores
//! keep one contract (`columns`, how its rows are read, and `advance`, its one-step refresh, are
//! PostgreSQL's alone).

mod admins;
mod advance;
mod audit;
mod columns;
mod groups;
mod secrets;
mod sessions;
mod users;

use std::sync::mpsc;

use latchkey::store::{Database, NewUser, SessionJob, SessionTx, Store, User};

use crate::postgres::TestDatabase;

/// Runs `test` on a store over a new SQLite file.
pub fn on_sqlite(test: fn(&dyn Store)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = Database::Sqlite(dir.path().join("latchkey.db"));
    let opened = database.open(2, None).expect("SQLite store opens");
    test(&*opened.shared());
}

/// Runs `test` on a store over a new PostgreSQL database, dropped afterwards.
pub fn on_postgres(test: fn(&dyn Store)) {
    let postgres = TestDatabase::create();
    let database = Database::from_arg(postgres.url.clone().into());
    let opened = database.open(2, None).expect("PostgreSQL store opens");
    test(&*opened.shared());
}

/// One `sqlite::NAME` and one `postgres::NAME` test per listed test function.
macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                crate::conformance::on_sqlite(super::$name);
            })+
        }
        mod postgres {
            $(#[test]
            fn $name() {
                crate::conformance::on_postgres(super::$name);
            })+
        }
    };
}
pub(crate) use conformance;

/// Runs `work` in the session writer's transaction, kept, and returns its
/// result once the transaction has committed.
pub fn in_session_tx<T: Send + 'static>(
    store: &dyn Store,
    work: impl FnOnce(&dyn SessionTx) -> T + Send + 'static,
) -> T {
    let (answer, answered) = mpsc::channel();
    let job = OneJob {
        work: Some(work),
        out: None,
        answer,
    };
    store.submit_session_work(None, Box::new(job));
    answered.recv().expect("the session writer answers")
}

/// Test work that runs once: a writer that redoes its batch would make it panic.
struct OneJob<T, F> {
    work: Option<F>,
    out: Option<T>,
    answer: mpsc::Sender<T>,
}

impl<T: Send, F: FnOnce(&dyn SessionTx) -> T + Send> SessionJob for OneJob<T, F> {
    fn run(&mut self, tx: latchkey::store::StoreResult<&dyn SessionTx>) -> bool {
        let work = self.work.take().expect("the job runs once");
        self.out = Some(work(tx.expect("a session transaction")));
        true
    }

    fn answer(self: Box<Self>, committed: latchkey::store::StoreResult<()>) {
        committed.expect("the session transaction commits");
        let out = self.out.expect("the job ran");
        self.answer.send(out).expect("the test waits");
    }
}

pub fn add_user(store: &dyn Store, username: &str, admin: bool, now: i64) -> User {
    let user = NewUser {
        username: username.into(),
        password_hash: "$argon2id$not-checked-here".into(),
        admin,
        email: Some(format!("{}@example.com", username.to_lowercase())),
        full_name: Some(format!("{username} Example")),
        ..NewUser::default()
    };
    store.insert_user(&user, now).expect("user inserted")
}
