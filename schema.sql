-- latchkey schema, version 15. Applied on every start; every statement is idempotent,
-- so an older database upgrades by running it (version 2 added audit_events),
-- after the changes CREATE cannot make (version 3 renamed refresh_ids.rotated_at
-- to issued_at, version 4 rebuilt refresh_ids without its foreign key and
-- session index, version 5 added refresh_ids.issued_to, version 7 added
-- signing_keys, version 8 added users.username_key, version 9 added
-- sessions.mfa and the second factor's tables, version 10 added
-- sessions.issue_times, version 11 added users.credentials_version and
-- mfa_tokens.credentials_version, version 12 added sessions.issued_to, version 14
-- added sessions.kind and sessions.portal_hash, version 15 added passkeys (and
-- sessions.mfa 2: a passkey sign-in); see `upgrade` in
-- src/store/sqlite/schema.rs).
-- Times are INTEGER milliseconds since the Unix epoch (UTC).

-- `username` is the name as shown (NFKC); `username_key` is what makes two
-- names one (NFKC, then Unicode full case folding: SQLite's NOCASE folds
-- ASCII only), computed in Rust. A key with a control character is a name
-- that collided with an older one when version 8 was applied: such a key
-- can never be taken by a new name (see src/store/sqlite/name_keys.rs).
-- `credentials_version` moves on with every change that ends the user's
-- sessions; a login starts a session only at the version it read before
-- checking the password.
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    username_key  TEXT    NOT NULL,
    email         TEXT,
    full_name     TEXT,
    password_hash TEXT    NOT NULL,
    admin         INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    credentials_version INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX IF NOT EXISTS users_by_key ON users (username_key);

-- One row per login: the family of rotating refresh ids. `id` is the JWT's sid.
-- A refresh id is the session's id, its `generation` and a MAC of both under a
-- key derived from the signing secret (never stored), so a rotation only moves
-- `generation` on: the row never grows. `issue_times` (the last four rotations)
-- and `issued_to` (a keyed hash of the User-Agent and network, /24 or /64, of
-- the client the live id went to) let a replay of the last few ids within the
-- grace, from that client, be answered with the live id. `issued_to` is NULL
-- while the live id is a chained one from before version 12 (`refresh_ids`).
CREATE TABLE IF NOT EXISTS sessions (
    id                  TEXT    PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    generation          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    last_used_at        INTEGER NOT NULL,
    idle_expires_at     INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    ended_at            INTEGER,
    end_reason          TEXT,
    user_agent          TEXT,
    ip                  TEXT,
    mfa                 INTEGER NOT NULL DEFAULT 0, -- login passed a second factor (amr otp)
    issue_times         BLOB,  -- when the newest ids were issued (see IssueTimes)
    issued_to           BLOB,  -- who the live id went to (NULL: a chained id's row says)
    kind                TEXT    NOT NULL DEFAULT 'app', -- 'app' (refresh cookie) or 'portal'
    portal_hash         BLOB   -- a portal session: SHA-256 of its cookie's value, never the value
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_by_portal_hash ON sessions (portal_hash)
    WHERE portal_hash IS NOT NULL;

-- Refresh ids from before version 12 (random, each the HMAC of the one
-- before), kept until their session ends: only read, never written. Each
-- session's next rotation moves it to counted ids.
-- Every such id a session has handed out, keyed by the time it was issued
-- (8 bytes, big-endian milliseconds) then the SHA-256 of its secret; never the
-- id itself. The time comes first so new ids append to the end of the index
-- rather than land on random pages (ids from before version 10 are keyed by
-- the hash alone).
-- Rotated ids stay until their session ends: replaying one is how theft shows.
-- `issued_at` is when the id was handed out, so an id's successor's
-- `issued_at` is when that id was rotated: a rotation only inserts a row.
-- No foreign key and no index on session_id: each would make every rotation
-- write one more page. The ids of a deleted session are found (they no longer
-- join to a session, so they open nothing) and deleted by the sweeper.
-- `issued_to` is a keyed hash of the User-Agent and network (/24, /64) of the
-- client the id was handed to: only that client's replay gets the reuse grace.
CREATE TABLE IF NOT EXISTS refresh_ids (
    hash       BLOB    PRIMARY KEY,
    session_id TEXT    NOT NULL,
    generation INTEGER NOT NULL,
    issued_at  INTEGER,
    issued_to  BLOB
) WITHOUT ROWID;


-- Security events (logins, logouts, reuse detection, password and user changes).
-- No foreign key: the trail outlives deleted users and records unknown names.
-- Pruned after --audit-retention by the server's sweeper.
CREATE TABLE IF NOT EXISTS audit_events (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    username   TEXT    COLLATE NOCASE,
    actor      TEXT,
    address    TEXT,
    user_agent TEXT,
    reason     TEXT,
    request_id TEXT
);

CREATE INDEX IF NOT EXISTS audit_events_by_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS audit_events_by_username ON audit_events (username, id);

-- A user's second factor (TOTP, schema version 9). Secrets are sealed with
-- ChaCha20-Poly1305 under a key derived from the signing secret (the user id is
-- the associated data), never stored in clear. `secret` is the one login asks
-- for (NULL until confirmed), `pending_secret` an enrolment not yet confirmed,
-- `last_step` the newest time step used: it and earlier steps are refused.
CREATE TABLE IF NOT EXISTS user_mfa (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret         BLOB,
    pending_secret BLOB,
    last_step      INTEGER,
    confirmed_at   INTEGER,
    updated_at     INTEGER NOT NULL
);

-- Recovery codes: an HMAC of each (key derived from the signing secret), so a
-- copy of the database yields none; each works once.
CREATE TABLE IF NOT EXISTS mfa_recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    BLOB    NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;

-- The second step of a login that needs a code: SHA-256 of the `mfa_token`,
-- single use, dead at `expires_at` or after a few wrong codes.
CREATE TABLE IF NOT EXISTS mfa_tokens (
    hash       BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    credentials_version INTEGER NOT NULL DEFAULT 0 -- the user's, as its password check read it
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS mfa_tokens_by_user ON mfa_tokens (user_id);

-- A user's groups (schema version 13): a group exists while a user is in it.
-- Names are checked before they get here (see `domain::GroupName`).
CREATE TABLE IF NOT EXISTS user_groups (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    PRIMARY KEY (user_id, name)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS user_groups_by_name ON user_groups (name, user_id);

-- Passkeys (schema version 15). A user's handle is 16 random bytes the
-- authenticator keeps in place of the name (never the username).
CREATE TABLE IF NOT EXISTS passkey_users (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle  BLOB    NOT NULL UNIQUE
);

-- Each credential's public half: `credential` is the relying party library's
-- record of it (public key, flags, signature counter, as JSON), `counter` the
-- signature counter as of the last use, which the next use must move on from.
-- Public keys only: a copy of this table signs nobody in.
CREATE TABLE IF NOT EXISTS passkeys (
    id            TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BLOB    NOT NULL UNIQUE,
    credential    TEXT    NOT NULL,
    counter       INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);

CREATE INDEX IF NOT EXISTS passkeys_by_user ON passkeys (user_id);

-- A ceremony between its two steps (register, or sign in), found by the
-- SHA-256 of its id: single use, dead at `expires_at` (5 minutes). `state` is
-- the library's record of the challenge it expects back.
CREATE TABLE IF NOT EXISTS passkey_challenges (
    hash       BLOB    PRIMARY KEY,
    ceremony   TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    client     BLOB    -- a sign-in's client address, keyed as the throttle keys it
) WITHOUT ROWID;

-- Live sign-in ceremonies per client address are capped (they need no account).
CREATE INDEX IF NOT EXISTS passkey_challenges_by_client ON passkey_challenges (client, expires_at)
    WHERE client IS NOT NULL;
