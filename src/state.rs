//! What every request can reach: the store, the keys and the rules, built once at start.

use std::path::PathBuf;
use std::sync::Arc;

use crate::access::AccessRules;
use crate::audit::AuditLog;
use crate::auth::hashing::HashSlots;
use crate::auth::jwt::TokenKeys;
use crate::auth::mfa::MfaRules;
use crate::auth::passkeys::PasskeyRules;
use crate::auth::sessions::SessionRules;
use crate::auth::signing::ring::KeySettings;
use crate::auth::throttle::LoginThrottle;
use crate::blocking::Readers;
use crate::http::cookie::CookieSettings;
use crate::http::guard::RequestGuard;
use crate::http::portal_cookie::PortalCookie;
use crate::observe::Metrics;
use crate::portal::redirect::RedirectRule;
use crate::store::Store;

pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Threads for the access check's read (see `blocking::Readers`).
    pub readers: Readers,
    /// Shared with the task that rebuilds the signing ring.
    pub tokens: Arc<TokenKeys>,
    pub sessions: SessionRules,
    pub mfa: MfaRules,
    pub passkeys: PasskeyRules,
    pub hashing: HashSlots,
    /// Shared with the sweeper, which forgets old shared counters.
    pub throttle: Arc<LoginThrottle>,
    pub cookie: CookieSettings,
    pub portal_cookie: PortalCookie,
    /// Where the portal may send a browser after sign-in (`rd`).
    pub redirects: RedirectRule,
    /// `--public-url`: forward auth's `?redirect=true` sends browsers to its `/login`.
    pub public_url: Option<String>,
    pub guard: RequestGuard,
    pub metrics: Metrics,
    pub audit: AuditLog,
    /// Deleted at the admin's first password change (see `bootstrap`).
    pub bootstrap_password_file: PathBuf,
    /// What the signing ring is built with (see `background::key_refresh`).
    pub key_settings: Arc<KeySettings>,
    /// `--access-rules`, when set (swapped whole by a reload).
    pub access: Option<Arc<AccessRules>>,
}
