//! Builds the running server from a `Config`: opens the store, loads the key, wires the routes;
//! tests use it exactly as `main` does.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::error::JsonPayloadError;
use actix_web::middleware;
use actix_web::{web, App, HttpRequest, HttpServer};

use crate::audit::AuditLog;
use crate::auth::hashing::HashSlots;
use crate::auth::jwt::TokenKeys;
use crate::auth::mfa::MfaRules;
use crate::auth::passkeys::PasskeyRules;
use crate::auth::sessions::SessionRules;
use crate::auth::signing::ring::KeySettings;
use crate::auth::throttle::LoginThrottle;
use crate::background::{key_refresh, sweeper};
use crate::blocking::Readers;
use crate::config::Config;
use crate::error::ApiError;
use crate::http::body::MAX_BODY;
use crate::http::cookie::CookieSettings;
use crate::http::guard::RequestGuard;
use crate::http::portal_cookie::PortalCookie;
use crate::portal::redirect::RedirectRule;
use crate::state::AppState;
use crate::store::Opened;
use crate::{blocking, bootstrap, http, observe, routes, secret};

mod error;
mod open;

pub use error::StartError;
use open::{prepare_store, reader_threads};

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
        let readers = Readers::start(reader_threads(&config.db), {
            let store = store.clone();
            Arc::new(move |run| store.in_one_snapshot(run))
        });
        let key_settings = Arc::new(KeySettings::new(
            &signing_key,
            config.eddsa,
            config.key_rotation,
            config.access_ttl,
        ));
        // Before the state: passkeys' expected origin names the port without a public URL.
        let (listener, port) = listen(config.bind, "--bind")?;
        let state = web::Data::new(AppState {
            store,
            readers,
            tokens: Arc::new(
                TokenKeys::new(&signing_key, &config.issuer, config.access_ttl)?
                    .with_eddsa(config.eddsa),
            ),
            sessions: session_rules(&config, &signing_key),
            mfa: MfaRules::new(&signing_key, &config.mfa_issuer),
            passkeys: passkey_rules(&config, port)?,
            hashing: HashSlots::new(config.hash_slots),
            throttle: Arc::new(
                LoginThrottle::new(
                    config.login_max_failures,
                    config.login_max_failures_per_address,
                    config.login_window,
                )
                .shared_by(opened.shared_throttle()),
            ),
            cookie: CookieSettings::new(&config),
            portal_cookie: PortalCookie::new(&config),
            redirects: RedirectRule::new(
                config.public_host(),
                config.cookie_domain.clone(),
                !config.cookie_secure,
            ),
            public_url: config.public_url.clone(),
            guard: RequestGuard::new(&config),
            metrics: observe::Metrics::default(),
            audit: audit.clone(),
            bootstrap_password_file: password_file,
            key_settings: key_settings.clone(),
            access: config.access_rules.clone(),
        });
        blocking::off_runtime(|| {
            key_refresh::start(state.store.as_ref(), &state.tokens, &key_settings)
        })
        .map_err(StartError::SigningKeys)?;
        sweeper::spawn(
            state.store.clone(),
            state.throttle.clone(),
            config.audit_retention,
        );
        key_refresh::spawn(state.store.clone(), state.tokens.clone(), key_settings);
        if let Some(rules) = &config.access_rules {
            crate::access::reload_on_hangup(rules.clone());
        }
        let metrics = match config.metrics_bind {
            Some(bind) => {
                let (listener, port) = listen(bind, "--metrics-bind")?;
                Some((observe::server::build(listener, state.clone())?, port))
            }
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
        .listen(listener)?
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

/// Pages are at the public URL, else at `http://localhost:<port>`.
fn passkey_rules(config: &Config, port: u16) -> Result<PasskeyRules, StartError> {
    let origin = match &config.public_url {
        Some(url) => url.clone(),
        None => format!("http://localhost:{port}"),
    };
    let refused = || StartError::Passkeys {
        rp_id: config.webauthn_rp_id.clone(),
        origin: origin.clone(),
    };
    let url = url::Url::parse(&origin).map_err(|_| refused())?;
    PasskeyRules::new(&config.webauthn_rp_id, &url, &config.mfa_issuer).map_err(|_| refused())
}

fn session_rules(config: &Config, signing_key: &[u8]) -> SessionRules {
    let rules = SessionRules::new(
        secret::chain_key(signing_key),
        config.refresh_ttl,
        config.session_max_age,
        config.reuse_grace,
    );
    // Only the API tests' build has the hook (see `Config::panic_on_user_agent`).
    #[cfg(feature = "test-hooks")]
    let rules = rules.panicking_for(config.panic_on_user_agent.clone());
    rules
}

/// Binds `bind`; a refusal names the flag that picks another address.
fn listen(bind: SocketAddr, flag: &'static str) -> Result<(TcpListener, u16), StartError> {
    let listener =
        TcpListener::bind(bind).map_err(|cause| StartError::Listen { bind, flag, cause })?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::TooLarge
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Content-Type must be application/json".into())
        }
        other => ApiError::Invalid(format!("Invalid JSON body: {other}")),
    }
    .into()
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
