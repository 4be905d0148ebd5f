-- Administration (see src/db/admin.rs). The same file serves SQLite and PostgreSQL.
--
-- subscription_agreements: an organisation's subscription as a history; each renewal,
-- extension or lapse is a new row. The newest row is the current agreement, and its
-- ends_at is kept in organisations.paid_until in the same transaction, which the filing
-- gate reads. An organisation that had a paid_until before this migration gets one
-- agreement from its creation to that end, by the system user, with the organisation's
-- own id as the agreement's id (unique, as there is one such row per organisation).
CREATE TABLE subscription_agreements (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    action     TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    note       TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX subscription_agreements_org ON subscription_agreements (org_id, created_at);
INSERT INTO subscription_agreements (id, org_id, action, starts_at, ends_at, note, created_by, created_at)
SELECT id, id, 'renew', created_at, paid_until, NULL, '00000000-0000-0000-0000-000000000000', created_at
FROM organisations WHERE paid_until IS NOT NULL;

-- Which customers may file for their organisation; none listed: every customer may.
CREATE TABLE designated_contacts (
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- A disabled user keeps their history but signs in no more and no token of theirs
-- works. must_change_password (0/1): the password is a one-time password set by an
-- admin, to be replaced before the next sign-in.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

-- Append-only: every admin write and every override, who, when, what, before -> after
-- (JSON texts). Nothing updates or deletes these rows.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL REFERENCES users(id),
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);
