//! The process's limit on open files, which bounds how many connections (and so live
//! event streams) it can hold: every connection is a file descriptor.
//!
//! Linux starts most processes with a soft limit of 1,024 (systemd services too) and a
//! much higher hard limit (524,288 under systemd), while the server's default
//! `max_connections` is 2,048: past about a thousand open streams, `accept` would fail
//! with "too many open files" and every new client would wait. Raising the soft limit to
//! the hard one needs no privilege, and is what servers commonly do at start (Go's
//! runtime does it for every program); the hard limit is the administrator's to set
//! (`LimitNOFILE=` in the unit, `ulimit -Hn`).

/// File descriptors the server needs besides its connections: database connections,
/// the log, attached files being written, the listener itself.
pub const RESERVED: u64 = 64;

/// Raises this process's soft limit on open files to its hard limit (on Unix), and
/// answers the limit now in effect; `None` where there is no such limit or it could
/// not be read.
pub fn raise_to_hard_limit() -> Option<u64> {
    imp::raise_to_hard_limit()
}

/// The warning to log when `max_connections` cannot all be open at once under `limit`.
pub fn shortfall(max_connections: usize, limit: u64) -> Option<String> {
    let needed = max_connections as u64 + RESERVED;
    (needed > limit).then(|| {
        format!(
            "transport.max_connections = {max_connections} needs about {needed} open files, \
             but this process may open {limit}: raise the hard limit (LimitNOFILE= under \
             systemd, ulimit -Hn) or lower max_connections"
        )
    })
}

#[cfg(unix)]
mod imp {
    pub fn raise_to_hard_limit() -> Option<u64> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` through a valid pointer.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: setrlimit reads one `rlimit` through a valid pointer.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                limit = raised;
            }
        }
        // RLIM_INFINITY reads as u64::MAX; `rlim_t` is narrower on 32-bit Linux.
        #[allow(clippy::unnecessary_cast)]
        Some(limit.rlim_cur as u64)
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn raise_to_hard_limit() -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let limit = raise_to_hard_limit().expect("a limit on Unix");
        let mut now = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut now) }, 0);
        assert_eq!(now.rlim_cur, now.rlim_max, "soft limit raised");
        #[allow(clippy::unnecessary_cast)]
        let now = now.rlim_cur as u64;
        assert_eq!(limit, now);
    }

    #[test]
    fn a_connection_cap_above_the_limit_is_named() {
        assert!(shortfall(2048, 524_288).is_none());
        let w = shortfall(2048, 1024).expect("2,048 connections do not fit in 1,024 files");
        assert!(w.contains("max_connections = 2048"), "{w}");
        assert!(shortfall(1024 - RESERVED as usize, 1024).is_none());
    }
}
