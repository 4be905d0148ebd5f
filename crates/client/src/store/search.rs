//! A search on its own (no other filter) answered from the search index and the sort
//! order's index, without reading the rows of tickets that are not on the page.
//!
//! Through SQL alone, a word found in every ticket cost a set of 100,000 rowids built
//! twice (once to count, once to test the page's rows against it) in SQLite's
//! temporary b-trees: ~45 ms at 100k tickets; as one `group_concat` text of rowids
//! parsed in Rust, ~13 ms. Here SQLite folds the index's rowids into a bit set itself
//! (the `rowid_set` aggregate, `capi.rs`) and answers it as one BLOB; the count is the
//! set's size, and the page is the first matching entries of the sort order's index,
//! read a thousand rowids at a time.

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

    /// The largest rowid found.
    pub fn last(&self) -> Option<i64> {
        let (i, w) = self
            .words
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)?;
        Some((i * 64 + 63 - w.leading_zeros() as usize) as i64)
    }

    /// The rowids, ascending.
    pub fn rids(&self) -> impl Iterator<Item = i64> + '_ {
        self.words.iter().enumerate().flat_map(|(i, w)| {
            (0..64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| (i * 64 + b) as i64)
        })
    }

    /// Adds the members of a `rowid_set` (little-endian 64-bit words; see
    /// `capi::register_rowid_set`).
    fn extend_from_set(&mut self, set: Option<&[u8]>) -> Result<()> {
        let set = set.unwrap_or_default();
        if !set.len().is_multiple_of(8) {
            return Err(EngineError::Storage(format!(
                "a search's rowid set of {} bytes",
                set.len()
            )));
        }
        let words = set.len() / 8;
        if self.words.len() < words {
            self.words.resize(words, 0);
        }
        for (mine, theirs) in self.words.iter_mut().zip(set.chunks_exact(8)) {
            let theirs = u64::from_le_bytes(theirs.try_into().unwrap_or_default());
            self.len += (theirs & !*mine).count_ones() as usize;
            *mine |= theirs;
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
    // One statement (each is a round trip to the connection's thread): the words'
    // tickets, their messages' tickets, the ticket with the number.
    let words = match expr {
        Some(_) => {
            "(SELECT rowid_set(rowid) FROM ticket_fts WHERE ticket_fts MATCH ?1),
             (SELECT rowid_set(ticket_rid) FROM message_fts WHERE message_fts MATCH ?1)"
        }
        None => "NULL, NULL",
    };
    type Set = Option<Vec<u8>>;
    let sets: (Set, Set, Set) = sqlx::query_as(&format!(
        "SELECT {words}, (SELECT rowid_set(rid) FROM tickets WHERE number = ?2)"
    ))
    .bind(expr)
    .bind(number)
    .fetch_one(pool)
    .await?;
    let mut found = Matches::default();
    for set in [sets.0, sets.1, sets.2] {
        found.extend_from_set(set.as_deref())?;
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
    let wanted = offset + limit;
    // About wanted × tickets / found index entries precede the page's end; an index
    // entry costs far less than reading a row and sorting it, hence the factor.
    let expected = |tickets: i64| (wanted as f64) * (tickets as f64) / (found.len().max(1) as f64);
    let walk_costs_more = |tickets: i64| expected(tickets) > 20.0 * found.len() as f64;
    // The found set's largest rowid is at most the table's: when even that says
    // "read the rows", the table's is not asked (a rare word's search saves a step).
    if walk_costs_more(found.last().unwrap_or(0)) {
        return Ok(None);
    }
    let tickets: i64 = sqlx::query_scalar("SELECT IFNULL(MAX(rid), 0) FROM tickets")
        .fetch_one(pool)
        .await?;
    if walk_costs_more(tickets) {
        return Ok(None);
    }
    let expected = expected(tickets);
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

    /// A `rowid_set` BLOB of `rids`.
    fn set_of(rids: &[usize]) -> Vec<u8> {
        let mut words = vec![0u64; rids.iter().max().map_or(0, |m| m / 64 + 1)];
        for r in rids {
            words[r / 64] |= 1 << (r % 64);
        }
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn a_match_set_counts_each_rowid_once() {
        let mut m = Matches::default();
        m.extend_from_set(Some(&set_of(&[3, 70, 1000]))).unwrap();
        m.extend_from_set(Some(&set_of(&[70]))).unwrap();
        m.extend_from_set(None).unwrap();
        assert_eq!(m.len(), 3);
        assert!(m.contains(3) && m.contains(70) && m.contains(1000));
        assert_eq!(m.rids().collect::<Vec<_>>(), [3, 70, 1000]);
        assert_eq!(m.last(), Some(1000));
        assert_eq!(Matches::default().last(), None);
        assert!(!m.contains(4) && !m.contains(-1) && !m.contains(1_000_000));
        m.extend_from_set(Some(&set_of(&[0, 1, 64]))).unwrap();
        assert_eq!(m.rids().collect::<Vec<_>>(), [0, 1, 3, 64, 70, 1000]);
        assert_eq!(m.len(), 6);
        // Not whole words: refused, and the set is unchanged.
        assert!(m.extend_from_set(Some(&[1, 2, 3])).is_err());
        assert_eq!(m.len(), 6);
        assert!(parse_list(Some("1,x")).is_err());
    }
}
