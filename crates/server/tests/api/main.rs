//! The server's API suite: every scenario runs against a real server on a loopback port,
//! once on a fresh SQLite file and once on a fresh PostgreSQL database.

mod access;
mod admin;
mod articles;
mod attachments;
mod bench;
mod channels;
mod concurrency;
mod contact;
mod contract;
mod demo;
mod events;
mod health;
mod helpers;
mod input;
mod lapsed;
mod lifecycle;
mod login;
mod paging;
mod policy;
mod quota;
mod search;
mod sync;
mod terms;
mod text;
mod tickets;
mod tls;
mod transport;
mod updates;
mod visibility;
