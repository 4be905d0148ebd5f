//! The schema: the migrations embedded per engine, run at connect, and the health
//! check that the database answers and holds exactly those migrations.
//!
//! Why two migration folders (`migrations/sqlite`, `migrations/postgres`) for one
//! schema: their SQL is the same, but the first files' header comments name their
//! engine, and sqlx records each applied migration's checksum over the whole file. One
//! folder would change one engine's checksum, and every existing database of that
//! engine would refuse to start. So both stay, and `schema_tests` below pins exactly
//! where they differ: a migration added to one folder only, or SQL that drifts apart,
//! fails it. A few migrations are engine-specific on purpose (an index only one engine
//! has a way to build); they are listed there with why.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::AnyConnection;

use super::{Backend, Store};

impl Store {
    /// Checks, now, that the database answers a query and holds exactly the migrations
    /// this server embeds. Never fails: a failed check is part of the answer, and its
    /// reason goes to the log (operators read it there; the answer is public).
    pub async fn check(&self) -> Checks {
        // A database that does not answer at all would otherwise hold the caller for
        // the pool's whole acquire timeout.
        match tokio::time::timeout(CHECK_TIMEOUT, self.check_now()).await {
            Ok(checks) => checks,
            Err(_) => {
                tracing::warn!(after = ?CHECK_TIMEOUT, "health check: the database did not answer");
                Checks::default()
            }
        }
    }

    async fn check_now(&self) -> Checks {
        let mut conn = match self.pool.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "health check: no database connection");
                return Checks::default();
            }
        };
        if let Err(e) = sqlx::query("SELECT 1").fetch_one(&mut *conn).await {
            tracing::warn!(error = %e, "health check: the database failed a query");
            return Checks::default();
        }
        let migrations_current = match migration_drift(&mut conn, migrator(self.backend)).await {
            Ok(None) => true,
            Ok(Some(drift)) => {
                tracing::warn!(%drift, "health check: migrations are not current");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "health check: applied migrations unreadable");
                false
            }
        };
        Checks {
            database_reachable: true,
            migrations_current,
        }
    }
}

/// How long a health check waits for the database.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// What [`Store::check`] found; everything `false` when the database did not answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checks {
    /// The database answered a query.
    pub database_reachable: bool,
    /// The migrations recorded in the database are exactly the embedded ones.
    pub migrations_current: bool,
}

/// The migrations embedded for an engine.
pub(super) fn migrator(backend: Backend) -> &'static Migrator {
    static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
    static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

/// How the migrations recorded in the database differ from the embedded ones, if they
/// do: one unfinished, one not applied, one changed after it was applied, or one this
/// server does not know (a newer server migrated the database).
async fn migration_drift(
    conn: &mut AnyConnection,
    embedded: &Migrator,
) -> Result<Option<String>, MigrateError> {
    if let Some(version) = conn.dirty_version().await? {
        return Ok(Some(format!("migration {version} did not finish")));
    }
    let applied: BTreeMap<i64, Vec<u8>> = conn
        .list_applied_migrations()
        .await?
        .into_iter()
        .map(|m| (m.version, m.checksum.into_owned()))
        .collect();
    for m in embedded
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
    {
        match applied.get(&m.version) {
            None => return Ok(Some(format!("migration {} is not applied", m.version))),
            Some(sum) if sum[..] != m.checksum[..] => {
                return Ok(Some(format!(
                    "migration {} was changed after it was applied",
                    m.version
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(version) = applied.keys().find(|v| !embedded.version_exists(**v)) {
        return Ok(Some(format!(
            "the database has migration {version}, which this server does not know"
        )));
    }
    Ok(None)
}

/// [`migration_drift`] on a real SQLite database migrated by this server, against
/// embedded lists that differ from it in each way the health check reports.
#[cfg(test)]
mod drift_tests {
    use std::borrow::Cow;

    use sqlx::migrate::{Migration, MigrationType};
    use sqlx::{Connection, Executor};

    use super::*;

    /// The SQLite migrations with `f` applied to a copy of their list.
    fn embedded_but(f: impl FnOnce(&mut Vec<Migration>)) -> Migrator {
        let mut list = migrator(Backend::Sqlite).migrations.to_vec();
        f(&mut list);
        Migrator {
            migrations: Cow::Owned(list),
            ..Migrator::DEFAULT
        }
    }

    #[tokio::test]
    async fn each_way_the_applied_migrations_can_differ_is_reported() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        migrator(Backend::Sqlite)
            .run_direct(&mut conn)
            .await
            .unwrap();
        let current = migration_drift(&mut conn, migrator(Backend::Sqlite))
            .await
            .unwrap();
        assert_eq!(current, None);

        let newer_server = embedded_but(|l| {
            l.push(Migration::new(
                99,
                "next".into(),
                MigrationType::Simple,
                "SELECT 1".into(),
                false,
            ))
        });
        let found = migration_drift(&mut conn, &newer_server).await.unwrap();
        assert_eq!(found.as_deref(), Some("migration 99 is not applied"));

        let edited = embedded_but(|l| {
            let first = &l[0];
            l[0] = Migration::new(
                first.version,
                first.description.clone(),
                first.migration_type,
                Cow::Owned(format!("{}\n-- edited", first.sql)),
                first.no_tx,
            );
        });
        let found = migration_drift(&mut conn, &edited).await.unwrap();
        assert_eq!(
            found.as_deref(),
            Some("migration 1 was changed after it was applied")
        );

        let older_server = embedded_but(|l| l.clear());
        let found = migration_drift(&mut conn, &older_server).await.unwrap();
        assert_eq!(
            found.as_deref(),
            Some("the database has migration 1, which this server does not know")
        );

        conn.execute("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 1")
            .await
            .unwrap();
        let found = migration_drift(&mut conn, migrator(Backend::Sqlite))
            .await
            .unwrap();
        assert_eq!(found.as_deref(), Some("migration 1 did not finish"));
    }
}

/// The two engines' migration folders hold one schema (see the module comment): same
/// files, same SQL, differing only on the lines pinned here.
#[cfg(test)]
mod schema_tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Per migration file, the 1-based lines on which the SQLite and PostgreSQL copies
    /// differ. Only comments may differ; a file not listed must be byte-identical.
    const DIFFERENCES: &[(&str, &[usize])] = &[
        // The header names its engine and points at the other copy.
        ("0001_init.sql", &[1, 3]),
    ];

    /// Migrations that are engine-specific as a whole, with why. Both folders still hold
    /// each (one numbering for both), and both copies must say in their first line
    /// which engine they are for.
    const ENGINE_SPECIFIC: &[(&str, &str)] = &[
        (
            "0009_ticket_search_index.sql",
            "a substring index: FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL",
        ),
        (
            "0021_ticket_search_update_when_changed.sql",
            "narrows SQLite's trigger of 0009; PostgreSQL's indexes need no trigger",
        ),
    ];

    fn files(engine: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(engine);
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    fn read(engine: &str, file: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(engine)
            .join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn both_engines_have_the_same_migrations_differing_only_in_pinned_comments() {
        let sqlite = files("sqlite");
        assert_eq!(
            sqlite,
            files("postgres"),
            "a migration is in one folder only"
        );
        assert!(!sqlite.is_empty());
        for file in &sqlite {
            let (a, b) = (read("sqlite", file), read("postgres", file));
            if ENGINE_SPECIFIC.iter().any(|(f, _)| f == file) {
                assert!(
                    a.starts_with("-- SQLite copy"),
                    "{file}: SQLite copy unnamed"
                );
                assert!(
                    b.starts_with("-- PostgreSQL copy"),
                    "{file}: PostgreSQL copy unnamed"
                );
                continue;
            }
            let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
            assert_eq!(a.len(), b.len(), "{file}: line counts differ");
            let differing: Vec<usize> = (0..a.len())
                .filter(|i| a[*i] != b[*i])
                .map(|i| i + 1)
                .collect();
            let pinned = DIFFERENCES
                .iter()
                .find(|(f, _)| f == file)
                .map_or(&[][..], |(_, lines)| *lines);
            assert_eq!(
                differing, pinned,
                "{file}: the engines' copies differ on other lines than pinned"
            );
            for n in differing {
                for line in [a[n - 1], b[n - 1]] {
                    assert!(
                        line.trim_start().starts_with("--"),
                        "{file}:{n} differs and is SQL: {line}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_pinned_difference_names_a_migration() {
        let sqlite = files("sqlite");
        for file in DIFFERENCES
            .iter()
            .map(|d| d.0)
            .chain(ENGINE_SPECIFIC.iter().map(|e| e.0))
        {
            assert!(
                sqlite.contains(file),
                "{file} is pinned but not a migration"
            );
        }
    }
}
