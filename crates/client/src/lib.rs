//! The Tadhkira offline engine (placeholder; see issue 4).
