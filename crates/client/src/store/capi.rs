//! SQLite's C API, through the connection sqlx opened (`lock_handle`), where going
//! through sqlx row by row costs more than the work itself:
//!
//! - [`Stmt`]: a statement prepared once and run for many rows (the snapshot's bulk
//!   load); the caller holds the locked handle, so nothing else uses the connection
//!   meanwhile.
//! - [`register_rowid_set`]: the aggregate `rowid_set(x)`, which folds the rowids a
//!   search finds into a bit set inside SQLite (a search's matches, `search.rs`).

use std::ffi::{c_int, c_void, CString};
use std::ptr;

use libsqlite3_sys as ffi;

use crate::error::{EngineError, Result};

/// A value to bind.
pub(super) enum Val<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

impl<'a> From<Option<&'a str>> for Val<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Val::Null, Val::Text)
    }
}

/// An SQLite error of the C API as the engine's: a full disk is [`EngineError::DiskFull`].
pub(super) fn sqlite_error(db: *mut libsqlite3_sys::sqlite3, rc: c_int, what: &str) -> EngineError {
    // SAFETY: `db` is an open connection; the message is a NUL-terminated string it owns,
    // copied before any other call on it.
    let msg = unsafe { std::ffi::CStr::from_ptr(libsqlite3_sys::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    let text = format!("{what}: SQLite error {rc}: {msg}");
    if rc & 0xff == libsqlite3_sys::SQLITE_FULL {
        EngineError::DiskFull(text)
    } else {
        EngineError::Storage(text)
    }
}

/// A statement prepared once and run for many rows; finalized when dropped.
pub(super) struct Stmt {
    db: *mut libsqlite3_sys::sqlite3,
    stmt: *mut libsqlite3_sys::sqlite3_stmt,
    sql: &'static str,
}

impl Stmt {
    pub(super) fn prepare(db: *mut libsqlite3_sys::sqlite3, sql: &'static str) -> Result<Self> {
        let c = CString::new(sql).map_err(|e| EngineError::Storage(e.to_string()))?;
        let mut stmt = ptr::null_mut();
        // SAFETY: `db` is open (the locked handle of the transaction's connection); `stmt`
        // receives a statement that `Drop` finalizes.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_prepare_v2(db, c.as_ptr(), -1, &mut stmt, ptr::null_mut())
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            return Err(sqlite_error(db, rc, sql));
        }
        Ok(Self { db, stmt, sql })
    }

    /// Binds `vals` and steps once (an insert or update); answers the rows it changed.
    pub(super) fn run(&mut self, vals: &[Val<'_>]) -> Result<c_int> {
        for (i, v) in vals.iter().enumerate() {
            let at = i as c_int + 1;
            // SAFETY: `stmt` is live with `vals.len()` parameters; SQLITE_TRANSIENT has
            // SQLite copy the text before this returns.
            let rc = unsafe {
                match v {
                    Val::Int(n) => ffi::sqlite3_bind_int64(self.stmt, at, *n),
                    Val::Null => ffi::sqlite3_bind_null(self.stmt, at),
                    Val::Text(s) => ffi::sqlite3_bind_text(
                        self.stmt,
                        at,
                        s.as_ptr().cast(),
                        s.len() as c_int,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(sqlite_error(self.db, rc, self.sql));
            }
        }
        // SAFETY: as above; reset readies the statement for the next row.
        let rc = unsafe { ffi::sqlite3_step(self.stmt) };
        let changed = unsafe { ffi::sqlite3_changes(self.db) };
        unsafe { ffi::sqlite3_reset(self.stmt) };
        if rc != ffi::SQLITE_DONE {
            return Err(sqlite_error(self.db, rc, self.sql));
        }
        Ok(changed)
    }

    pub(super) fn last_rowid(&self) -> i64 {
        // SAFETY: `db` is open.
        unsafe { libsqlite3_sys::sqlite3_last_insert_rowid(self.db) }
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: `stmt` came from prepare and is not used after this.
        unsafe { libsqlite3_sys::sqlite3_finalize(self.stmt) };
    }
}

/// The largest value `rowid_set` takes: 2^32 (a set of 512 MiB at worst; a store's
/// rowids stay far below).
const MAX_ROWID: i64 = 1 << 32;

/// Registers on `db` the aggregate `rowid_set(x)`: the integers `x` (NULLs skipped) as
/// a BLOB of little-endian 64-bit words, bit `x % 64` of word `x / 64` set for each;
/// NULL when there were none. A negative `x`, or one past [`MAX_ROWID`], is an error.
///
/// Why: a word found in every ticket finds 100,000 rowids. Returned as rows, each is a
/// step out of SQLite and back (~4 ms at 100k, as much again as the index's own
/// work); as a `group_concat` text, SQLite prints them and Rust parses them again. Here
/// each costs a call and a bit.
pub(super) fn register_rowid_set(db: *mut ffi::sqlite3) -> Result<()> {
    let name = c"rowid_set";
    // SAFETY: `db` is an open connection; the callbacks below only touch their own
    // aggregate context and arguments; no user data, so no destructor.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            name.as_ptr(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC | ffi::SQLITE_DIRECTONLY,
            ptr::null_mut(),
            None,
            Some(rowid_set_step),
            Some(rowid_set_final),
            None,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(sqlite_error(db, rc, "registering rowid_set"));
    }
    Ok(())
}

/// The words of one `rowid_set` while it runs, behind the pointer its aggregate
/// context holds (SQLite zeroes the context: a null pointer is an empty set).
type Words = Vec<u64>;

/// Adds one value to the set, or reports an error on `ctx`.
unsafe extern "C" fn rowid_set_step(
    ctx: *mut ffi::sqlite3_context,
    n: c_int,
    args: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `n` (= 1) valid argument values.
    let value = unsafe { *args };
    if n != 1 || unsafe { ffi::sqlite3_value_type(value) } == ffi::SQLITE_NULL {
        return;
    }
    let x = unsafe { ffi::sqlite3_value_int64(value) };
    if !(0..=MAX_ROWID).contains(&x) {
        let msg = c"rowid_set: a rowid out of range";
        // SAFETY: a NUL-terminated message; -1 has SQLite read to the NUL.
        unsafe { ffi::sqlite3_result_error(ctx, msg.as_ptr(), -1) };
        return;
    }
    // SAFETY: the context is this aggregate's, pointer-sized and zeroed at first;
    // the box it points to is freed by `rowid_set_final`, which SQLite calls once for
    // every aggregate context it allocated.
    let slot =
        unsafe { ffi::sqlite3_aggregate_context(ctx, std::mem::size_of::<*mut Words>() as c_int) }
            .cast::<*mut Words>();
    if slot.is_null() {
        unsafe { ffi::sqlite3_result_error_nomem(ctx) };
        return;
    }
    let words = unsafe {
        if (*slot).is_null() {
            *slot = Box::into_raw(Box::default());
        }
        &mut **slot
    };
    let (word, bit) = ((x / 64) as usize, x % 64);
    if words.len() <= word {
        words.resize(word + 1, 0);
    }
    words[word] |= 1 << bit;
}

/// Answers the set as a BLOB (NULL when empty) and frees it.
unsafe extern "C" fn rowid_set_final(ctx: *mut ffi::sqlite3_context) {
    // SAFETY: size 0 answers the context `rowid_set_step` allocated, or null when no
    // row came; the box is taken out and the slot cleared, so it is freed once.
    let slot = unsafe { ffi::sqlite3_aggregate_context(ctx, 0) }.cast::<*mut Words>();
    let words = match slot.is_null() || unsafe { (*slot).is_null() } {
        true => None,
        false => Some(unsafe { Box::from_raw(std::mem::replace(&mut *slot, ptr::null_mut())) }),
    };
    let Some(words) = words else {
        unsafe { ffi::sqlite3_result_null(ctx) };
        return;
    };
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    // SAFETY: SQLITE_TRANSIENT has SQLite copy the bytes before this returns.
    unsafe {
        ffi::sqlite3_result_blob(
            ctx,
            bytes.as_ptr().cast::<c_void>(),
            bytes.len() as c_int,
            ffi::SQLITE_TRANSIENT(),
        )
    };
}

#[cfg(test)]
mod tests {
    use super::super::Store;

    /// `rowid_set` on a store's own connection: the bits of the integers given, NULLs
    /// skipped, NULL for none, and an error (not a huge allocation) out of range.
    #[tokio::test]
    async fn rowid_set_folds_integers_into_bits_and_refuses_out_of_range() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("local.db")).await.unwrap();
        let set: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT rowid_set(x) FROM (SELECT 1 AS x UNION ALL SELECT 64 UNION ALL SELECT NULL
                                      UNION ALL SELECT 1 UNION ALL SELECT 130)",
        )
        .fetch_one(&s.pool)
        .await
        .unwrap();
        let mut want = vec![0u8; 24];
        want[0] = 0b10;
        want[8] = 1;
        want[16] = 0b100;
        assert_eq!(set, Some(want));
        let none: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT rowid_set(x) FROM (SELECT NULL AS x) WHERE x IS NOT NULL")
                .fetch_one(&s.pool)
                .await
                .unwrap();
        assert_eq!(none, None);
        for bad in ["-1", "4294967297"] {
            let err = sqlx::query_scalar::<_, Option<Vec<u8>>>(&format!("SELECT rowid_set({bad})"))
                .fetch_one(&s.pool)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("out of range"), "{bad}: {err}");
        }
        s.close().await;
    }
}
