//! The client's address behind reverse proxies. `X-Forwarded-For` is written by
//! whoever sends the request, so it is believed only when the peer is a configured
//! trusted proxy; then the list is read from the right (each proxy appends the address
//! it received from), skipping trusted proxies, and the first address that is not one is
//! the client. A client cannot choose its own address by sending the header itself:
//! its made-up entries sit left of the address its proxy appended.
//!
//! Sign-in slowing counts per this address (see `crate::auth::claim_sign_in`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;

/// An address (`10.0.0.5`, `::1`) or a CIDR range (`10.0.0.0/8`) of trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ProxyRange(IpNet);

impl ProxyRange {
    /// Whether `ip` is in the range (an IPv4 address mapped into IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&canonical(ip))
    }
}

impl std::str::FromStr for ProxyRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self(net.trunc()));
        }
        let refused = || format!("{s:?} is not an IP address or CIDR range (trusted_proxies)");
        let ip = canonical(s.parse::<IpAddr>().map_err(|_| refused())?);
        let whole = if ip.is_ipv4() { 32 } else { 128 };
        IpNet::new(ip, whole).map(Self).map_err(|_| refused())
    }
}

impl TryFrom<String> for ProxyRange {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address as `trusted` proxies report it for a request from `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ProxyRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    let peer = canonical(peer);
    if !is_trusted(peer) {
        return peer;
    }
    // Several header lines are one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if is_trusted(ip) => client = ip,
            Some(ip) => return ip,
            // Not an address (`unknown`, garbage): believe nothing further left; the
            // last trusted hop is who we know of.
            None => {
                tracing::debug!(hop, "unreadable X-Forwarded-For entry");
                return client;
            }
        }
    }
    // Every hop is a trusted proxy: the left-most is the closest to a client we know.
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = hop.parse::<SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<IpAddr>().ok())
        .map(canonical)
}

/// Extractor: the client's address (the peer, or what trusted proxies say).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Every connection of the accept loop carries its peer; a router driven some
        // other way (a unit test) counts as loopback.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &state.settings.transport.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ranges(list: &[&str]) -> Vec<ProxyRange> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_of_an_untrusted_peer_is_ignored() {
        let h = headers(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &[]),
            ip("198.51.100.7")
        );
        let trusted = ranges(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = ranges(&["10.0.0.0/8", "192.0.2.1"]);
        // The client made up the first entry; its proxy appended its real address.
        let h = headers(&["1.2.3.4, 203.0.113.9", "192.0.2.1"]);
        assert_eq!(
            client_address(ip("10.1.1.1"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Only trusted hops: the left-most.
        let h = headers(&["10.9.9.9, 192.0.2.1"]);
        assert_eq!(client_address(ip("10.1.1.1"), &h, &trusted), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.1.1.1"), &HeaderMap::new(), &trusted),
            ip("10.1.1.1")
        );
        // Garbage stops the walk at the last trusted hop.
        let h = headers(&["203.0.113.9, nonsense, 192.0.2.1"]);
        assert_eq!(
            client_address(ip("10.1.1.1"), &h, &trusted),
            ip("192.0.2.1")
        );
        // Ports, brackets and IPv4-mapped peers.
        let h = headers(&["[2001:db8::1]:4711"]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2"), &h, &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn ranges_parse_addresses_and_cidrs_and_refuse_garbage() {
        assert!(ranges(&["::1"])[0].contains(ip("::1")));
        assert!(ranges(&["127.0.0.1"])[0].contains(ip("::ffff:127.0.0.1")));
        assert!(ranges(&["10.0.0.0/8"])[0].contains(ip("10.200.0.1")));
        assert!(!ranges(&["10.0.0.0/8"])[0].contains(ip("11.0.0.1")));
        assert!("10.0.0.0/33".parse::<ProxyRange>().is_err());
        assert!("proxy.example".parse::<ProxyRange>().is_err());
    }
}
