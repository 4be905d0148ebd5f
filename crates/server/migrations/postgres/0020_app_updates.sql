-- Releases of the desktop app that admins publish for the apps to update themselves
-- (issue 23; src/db/updates.rs). One row per package: which installed copies it is for
-- (target: os-arch-kind), its version (semver, compared in Rust, not SQL), the notes the
-- app shows, its minisign signature (base64 of the .sig text) and its bytes in the blob
-- store by SHA-256. The same file serves SQLite and PostgreSQL.
CREATE TABLE app_updates (
    id                 TEXT PRIMARY KEY NOT NULL,
    target             TEXT NOT NULL,
    version            TEXT NOT NULL,
    notes              TEXT NOT NULL,
    signature          TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    size               BIGINT NOT NULL,
    signature_checked  BIGINT NOT NULL,
    published_by       TEXT NOT NULL,
    published_at       BIGINT NOT NULL,
    UNIQUE (target, version)
);
