//! The server's API suite: every scenario runs against a real server on a loopback port,
//! once on a fresh SQLite file and once on a fresh PostgreSQL database.

mod access;
mod bench;
mod concurrency;
mod demo;
mod events;
mod health;
mod helpers;
mod input;
mod lifecycle;
mod login;
mod sync;
mod tickets;
