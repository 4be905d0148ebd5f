//! The Tadhkira central helpdesk (placeholder; see issue 3).
