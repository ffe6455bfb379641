-- latchkey schema, version 1. Applied on every start; every statement is idempotent.
-- Times are INTEGER milliseconds since the Unix epoch (UTC).

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    email         TEXT,
    full_name     TEXT,
    password_hash TEXT    NOT NULL,
    admin         INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- One row per login: the family of rotating refresh ids. `id` is the JWT's sid.
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
    ip                  TEXT
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);

-- SHA-256 of every refresh id a session has handed out; never the id itself.
-- Rotated ids stay until their session ends: replaying one is how theft shows.
CREATE TABLE IF NOT EXISTS refresh_ids (
    hash       BLOB    PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    rotated_at INTEGER
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS refresh_ids_by_session ON refresh_ids (session_id);
