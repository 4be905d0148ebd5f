//! Starting real server processes for tests (owned by the engine work; see issue 4).
