//! Builds the running server from a `Config`: opens the store, loads the key, wires the routes;
//! tests use it exactly as `main` does.

use std::io::IsTerminal;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware;
use actix_web::{error, web, App, HttpRequest, HttpServer};
use secrecy::ExposeSecret;

use crate::audit::AuditLog;
use crate::auth::hashing::HashSlots;
use crate::auth::jwt::TokenKeys;
use crate::auth::mfa::MfaRules;
use crate::auth::sessions::SessionRules;
use crate::auth::throttle::LoginThrottle;
use crate::blocking::Readers;
use crate::config::Config;
use crate::error::ApiError;
use crate::http::body::MAX_BODY;
use crate::http::cookie::CookieSettings;
use crate::http::guard::RequestGuard;
use crate::key_refresh::{self, KeySettings};
use crate::state::AppState;
use crate::store::postgres::{self, OTHER_SECRET};
use crate::store::{Database, Opened, SqliteStore};
use crate::{blocking, bootstrap, clock, http, keys, observe, routes};

const SWEEP_EVERY: Duration = Duration::from_secs(60);
const SWEEP_BATCH: usize = 500;

pub struct Application {
    port: u16,
    server: Server,
    store: Opened,
    metrics: Option<(Server, u16)>,
    audit: AuditLog,
}

impl Application {
    /// Opens everything and binds; the server runs once `run_until_stopped` is awaited.
    pub fn build(config: Config) -> Result<Application, StartError> {
        let (opened, signing_key) = blocking::off_runtime(|| prepare_store(&config))?;
        let store = opened.shared();
        let password_file = config.db.beside(bootstrap::PASSWORD_FILE);
        let audit = AuditLog::start(store.clone())?;
        let state = web::Data::new(AppState {
            store,
            readers: Readers::start(reader_threads(&config.db)),
            tokens: TokenKeys::new(&signing_key, &config.issuer, config.access_ttl)?
                .with_eddsa(config.eddsa),
            sessions: SessionRules::new(
                keys::chain_key(&signing_key),
                config.refresh_ttl,
                config.session_max_age,
                config.reuse_grace,
            )
            .panicking_for(config.panic_on_user_agent.clone()),
            mfa: MfaRules::new(&signing_key, &config.mfa_issuer),
            hashing: HashSlots::new(config.hash_slots),
            throttle: LoginThrottle::new(
                config.login_max_failures,
                config.login_max_failures_per_address,
                config.login_window,
            )
            .shared_by(opened.shared_throttle()),
            cookie: CookieSettings::new(&config),
            guard: RequestGuard::new(&config),
            metrics: observe::Metrics::default(),
            audit: audit.clone(),
            bootstrap_password_file: password_file,
        });
        let key_settings = Arc::new(KeySettings::new(
            &signing_key,
            config.eddsa,
            config.key_rotation,
            config.access_ttl,
        ));
        blocking::off_runtime(|| {
            key_refresh::start(state.store.as_ref(), &state.tokens, &key_settings)
        })
        .map_err(|e| format!("signing keys: {e}"))?;
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| format!("cannot listen on {}: {e}; pick another --bind", config.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        spawn_sweeper(state.clone(), config.audit_retention);
        key_refresh::spawn(state.clone(), key_settings);
        let metrics = match config.metrics_bind {
            Some(bind) => Some(observe::server::build(bind, state.clone())?),
            None => None,
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_BODY)
                        .error_handler(json_error),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| ApiError::Invalid(e.to_string()).into()),
                )
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| ApiError::NotFound("Not Found").into()),
                )
                // Inside the default headers, so preflight answers get them too.
                .wrap(middleware::from_fn(http::cors::cors))
                .wrap(http::headers::default_headers())
                // Outermost, so a panic anywhere inside is caught.
                .wrap(middleware::from_fn(http::panic::catch_panics))
                // Outside even that, so a panicked request still gets its log line.
                .wrap(middleware::from_fn(observe::request_log::log_requests))
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)
        .map_err(|e| e.to_string())?
        .shutdown_timeout(10)
        .shutdown_signal(stop_signal())
        .run();
        Ok(Application {
            port,
            server,
            store: opened,
            metrics,
            audit,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `/metrics` listener, when `--metrics-bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// Serves until SIGINT/SIGTERM, lets in-flight requests finish, writes
    /// the queued audit events, then folds the WAL into the database file.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        let audit = self.audit;
        let _ = blocking::run(move || {
            audit.close();
            Ok(())
        })
        .await;
        served?;
        if let Err(e) = self.store.close() {
            tracing::warn!(error = %e, "could not checkpoint the WAL on shutdown");
        }
        Ok(())
    }
}

/// Why the server did not start; a setting the others disagree with is
/// exit code 2, as a bad flag is.
#[derive(Debug)]
pub enum StartError {
    Setting(String),
    Failed(String),
}

impl From<String> for StartError {
    fn from(message: String) -> StartError {
        StartError::Failed(message)
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Setting(m) | StartError::Failed(m) => f.write_str(m),
        }
    }
}

/// Opens the store, warns of names kept from an upgrade, and makes the
/// first admin when there is none.
fn prepare_store(config: &Config) -> Result<(Opened, Vec<u8>), StartError> {
    let (opened, signing_key) = open_store(config)?;
    let store = opened.shared();
    bootstrap::warn_name_collisions(store.as_ref());
    let password_file = config.db.beside(bootstrap::PASSWORD_FILE);
    let reveal_in = (!std::io::stderr().is_terminal()).then_some(password_file.as_path());
    let preset = config
        .bootstrap_password
        .as_ref()
        .map(|p| p.expose_secret());
    bootstrap::ensure_admin(store.as_ref(), preset, reveal_in)?;
    Ok((opened, signing_key))
}

/// The store and the signing key. A SQLite file comes first (its directory
/// is checked before the key file beside it is made); PostgreSQL needs the
/// key first, to check it is the one every other instance uses.
fn open_store(config: &Config) -> Result<(Opened, Vec<u8>), StartError> {
    let pool = pool_size(config);
    match &config.db {
        Database::Sqlite(path) => {
            let store = SqliteStore::open_capped(path, pool, config.test_max_db_pages)?;
            Ok((Opened::Sqlite(store), keys::load_or_create(&config.key)?))
        }
        db => {
            let key = keys::load_or_create(&config.key)?;
            let fingerprint = keys::fingerprint(&key);
            // Readers and session writers each hold a connection while they
            // wait on the network: room for all of them beside the rest.
            let pool = pool + reader_threads(db) as u32 + postgres::WRITER_THREADS as u32;
            match db.open(pool, Some(&fingerprint)) {
                Err(e) if e == OTHER_SECRET => Err(StartError::Setting(e)),
                opened => Ok((opened?, key)),
            }
        }
    }
}

/// Reader threads wait on the database: a SQLite read takes microseconds of
/// CPU, a PostgreSQL one a network round trip, during which more threads
/// keep the CPU busy.
fn reader_threads(db: &Database) -> usize {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    match db {
        Database::Sqlite(_) => cpus,
        Database::Postgres(_) => cpus * 4,
    }
}

/// Enough connections for every blocking thread that may hold one, so a
/// checkout waits only under real overload.
fn pool_size(config: &Config) -> u32 {
    (config.hash_slots as u32 * 2).max(8)
}

fn json_error(err: error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    match err {
        error::JsonPayloadError::OverflowKnownLength { .. }
        | error::JsonPayloadError::Overflow { .. } => ApiError::TooLarge,
        error::JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Content-Type must be application/json".into())
        }
        other => ApiError::Invalid(format!("Invalid JSON body: {other}")),
    }
    .into()
}

/// Deletes expired and ended sessions in small batches, so no sweep holds
/// the write lock for long.
fn spawn_sweeper(state: web::Data<AppState>, audit_retention: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        loop {
            ticks.tick().await;
            loop {
                let store = state.store.clone();
                match blocking::run(move || Ok(store.sweep(clock::now_ms(), SWEEP_BATCH)?)).await {
                    Ok(swept) if swept.was_full(SWEEP_BATCH) => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "session sweep failed");
                        break;
                    }
                }
            }
            prune_audit(&state, audit_retention).await;
            forget_login_attempts(&state).await;
            sweep_mfa_tokens(&state).await;
        }
    });
}

/// SIGTERM or SIGINT: both stop gracefully, letting in-flight requests
/// finish (actix's own handlers would drop them on SIGINT).
async fn stop_signal() {
    #[cfg(unix)]
    let stopped = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = term.recv() => Ok(()),
            interrupted = tokio::signal::ctrl_c() => interrupted,
        }
    }
    .await;
    #[cfg(not(unix))]
    let stopped = tokio::signal::ctrl_c().await;
    match stopped {
        Ok(()) => tracing::info!("stopping: finishing the requests in flight"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM/SIGINT; stop with SIGKILL");
            std::future::pending::<()>().await;
        }
    }
}

/// Deletes the shared throttle's counters that no longer count.
async fn forget_login_attempts(state: &web::Data<AppState>) {
    let state = state.clone();
    let forgotten = blocking::run(move || {
        state
            .throttle
            .forget_old_attempts()
            .map_err(ApiError::internal)
    })
    .await;
    if let Err(e) = forgotten {
        tracing::warn!(error = %e, "forgetting old login attempts failed");
    }
}

/// Deletes expired login second steps, a batch per statement.
async fn sweep_mfa_tokens(state: &AppState) {
    let store = state.store.clone();
    let swept = blocking::run(move || {
        while store.sweep_mfa_tokens(clock::now_ms(), SWEEP_BATCH)? == SWEEP_BATCH {}
        Ok(())
    })
    .await;
    if let Err(e) = swept {
        tracing::warn!(error = %e, "sweeping expired mfa tokens failed");
    }
}

/// Deletes audit events older than the retention, a batch per statement so
/// the write lock is released between batches.
async fn prune_audit(state: &AppState, retention: Duration) {
    let store = state.store.clone();
    let before = clock::now_ms().saturating_sub(clock::ms(retention));
    let pruned = blocking::run(move || {
        while store.prune_audit(before, SWEEP_BATCH)? == SWEEP_BATCH {}
        Ok(())
    })
    .await;
    if let Err(e) = pruned {
        tracing::warn!(error = %e, "audit pruning failed");
    }
}
