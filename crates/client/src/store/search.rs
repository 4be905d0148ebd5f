//! A search on its own (no other filter) answered from the search index and the sort
//! order's index, without reading the rows of tickets that are not on the page.
//!
//! Through SQL alone, a word found in every ticket cost a set of 100,000 rowids built
//! twice (once to count, once to test the page's rows against it) in SQLite's
//! temporary b-trees: ~45 ms at 100k tickets. Here the index's rowids come back as one
//! text value and become a bit set in Rust (~9 ms, most of it the index's own work); the
//! count is the set's size, and the page is the first matching entries of the sort
//! order's index, read a thousand rowids at a time.

use sqlx::SqlitePool;

use crate::error::{EngineError, Result};

/// Rowids of the tickets a search found.
#[derive(Debug, Default)]
pub(super) struct Matches {
    words: Vec<u64>,
    len: usize,
}

impl Matches {
    /// How many tickets were found.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn contains(&self, rid: i64) -> bool {
        let Ok(rid) = usize::try_from(rid) else {
            return false;
        };
        self.words
            .get(rid / 64)
            .is_some_and(|w| w & (1 << (rid % 64)) != 0)
    }

    /// The rowids, ascending.
    pub fn rids(&self) -> impl Iterator<Item = i64> + '_ {
        self.words.iter().enumerate().flat_map(|(i, w)| {
            (0..64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| (i * 64 + b) as i64)
        })
    }

    fn insert(&mut self, rid: usize) {
        if self.words.len() <= rid / 64 {
            self.words.resize(rid / 64 + 1, 0);
        }
        let bit = 1 << (rid % 64);
        if self.words[rid / 64] & bit == 0 {
            self.words[rid / 64] |= bit;
            self.len += 1;
        }
    }

    /// Adds the rowids of a `group_concat` (comma-separated integers).
    fn extend_from_list(&mut self, list: Option<&str>) -> Result<()> {
        for rid in parse_list(list)? {
            let rid = usize::try_from(rid)
                .map_err(|_| EngineError::Storage(format!("negative ticket rowid {rid}")))?;
            self.insert(rid);
        }
        Ok(())
    }
}

/// The integers of a `group_concat` of rowids, in its order.
pub(super) fn parse_list(list: Option<&str>) -> Result<Vec<i64>> {
    list.unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| EngineError::Storage(format!("rowid {s:?} in a search result")))
        })
        .collect()
}

/// The tickets a search finds: those an FTS5 expression finds in their title or
/// description, or in one of their messages, and the ticket with `number` (what was
/// typed was a ticket number). A message stored before its ticket has no ticket rowid
/// yet and finds nothing.
pub(super) async fn matches(
    pool: &SqlitePool,
    expr: Option<&str>,
    number: Option<i64>,
) -> Result<Matches> {
    let mut found = Matches::default();
    if let Some(expr) = expr {
        let (tickets, messages): (Option<String>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT group_concat(rowid) FROM ticket_fts WHERE ticket_fts MATCH ?1),
                    (SELECT group_concat(ticket_rid) FROM message_fts
                      WHERE message_fts MATCH ?1 AND ticket_rid IS NOT NULL)",
        )
        .bind(expr)
        .fetch_one(pool)
        .await?;
        found.extend_from_list(tickets.as_deref())?;
        found.extend_from_list(messages.as_deref())?;
    }
    if let Some(number) = number {
        let rid: Option<i64> = sqlx::query_scalar("SELECT rid FROM tickets WHERE number = ?")
            .bind(number)
            .fetch_optional(pool)
            .await?;
        if let Some(rid) = rid {
            found.extend_from_list(Some(&rid.to_string()))?;
        }
    }
    Ok(found)
}

/// Rowids read per step of the walk at least (tests take several steps with a few
/// hundred tickets).
const STEP: i64 = if cfg!(test) { 16 } else { 1_000 };

/// The rowids of the page (`offset`, `limit`) of `found` in the order of `index`
/// (`order_by` is that index's order), or `None` when reading the found tickets and
/// sorting them is cheaper than walking the index to the page's end.
pub(super) async fn page_by_walk(
    pool: &SqlitePool,
    found: &Matches,
    (index, order_by): (&str, &str),
    offset: usize,
    limit: usize,
) -> Result<Option<Vec<i64>>> {
    let tickets: i64 = sqlx::query_scalar("SELECT IFNULL(MAX(rid), 0) FROM tickets")
        .fetch_one(pool)
        .await?;
    let wanted = offset + limit;
    // About wanted × tickets / found index entries precede the page's end; an index
    // entry costs far less than reading a row and sorting it, hence the factor.
    let expected = (wanted as f64) * (tickets as f64) / (found.len().max(1) as f64);
    if expected > 20.0 * found.len() as f64 {
        return Ok(None);
    }
    let sql = format!(
        "SELECT group_concat(rid) FROM (SELECT t.rid FROM tickets t INDEXED BY {index}{order_by} LIMIT ?)"
    );
    let mut step = if cfg!(test) {
        STEP
    } else {
        ((2.0 * expected) as i64).max(STEP)
    };
    loop {
        let list: Option<String> = sqlx::query_scalar(&sql).bind(step).fetch_one(pool).await?;
        let rids = parse_list(list.as_deref())?;
        let read = rids.len() as i64;
        let mut page: Vec<i64> = rids
            .into_iter()
            .filter(|rid| found.contains(*rid))
            .take(wanted)
            .collect();
        if page.len() == wanted || read < step {
            return Ok(Some(page.split_off(offset.min(page.len()))));
        }
        step = step.saturating_mul(4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_set_counts_each_rowid_once() {
        let mut m = Matches::default();
        m.extend_from_list(Some("3,70,3,1000")).unwrap();
        m.extend_from_list(Some("70")).unwrap();
        m.extend_from_list(None).unwrap();
        assert_eq!(m.len(), 3);
        assert!(m.contains(3) && m.contains(70) && m.contains(1000));
        assert_eq!(m.rids().collect::<Vec<_>>(), [3, 70, 1000]);
        assert!(!m.contains(4) && !m.contains(-1) && !m.contains(1_000_000));
        assert!(m.extend_from_list(Some("1,x")).is_err());
    }
}
