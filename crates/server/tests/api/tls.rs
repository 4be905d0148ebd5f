//! HTTPS: a round trip with a certificate from a test CA the client trusts, ALPN
//! offering HTTP/2, and a renewed certificate served to new connections without a
//! restart (a broken renewal keeps the one in use).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use reqwest::StatusCode;
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use crate::helpers::{test_settings, Db, TestApp};

/// The name the test certificates are for (the client resolves it to the server).
const HOST: &str = "helpdesk.tadhkira.test";

/// A test certificate authority.
struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl TestCa {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Tadhkira test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Self { cert, key }
    }

    /// A server certificate for [`HOST`] named `label`: (cert PEM, key PEM, cert DER).
    fn server_cert(&self, label: &str) -> (String, String, Vec<u8>) {
        let mut params = CertificateParams::new(vec![HOST.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, label);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

fn write(dir: &Path, cert: &str, key: &str) {
    // Replaced the way a renewal tool does: write beside, then rename over.
    for (name, text) in [("cert.pem", cert), ("key.pem", key)] {
        let tmp = dir.join(format!("{name}.new"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, dir.join(name)).unwrap();
    }
}

/// Opens a TLS connection trusting only `ca`, offering h2 and http/1.1; answers the
/// server's certificate and the protocol it chose.
async fn handshake(addr: SocketAddr, ca: &TestCa) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.cert.der().clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from(HOST).unwrap();
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let (_, session) = tls.get_ref();
    let cert = session.peer_certificates().unwrap()[0].to_vec();
    (cert, session.alpn_protocol().map(<[u8]>::to_vec))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn https_round_trip_with_a_test_ca_and_a_certificate_renewed_without_a_restart() {
    let ca = TestCa::new();
    let files = tempfile::tempdir().unwrap();
    let (cert1, key1, der1) = ca.server_cert("first");
    write(files.path(), &cert1, &key1);
    let mut settings = test_settings();
    settings.transport.tls_cert = Some(files.path().join("cert.pem"));
    settings.transport.tls_key = Some(files.path().join("key.pem"));
    settings.transport.tls_reload_check_ms = 100;
    let app = TestApp::spawn_with(Db::Sqlite, settings).await;
    let addr = app.server.address;
    assert!(app.server.url().starts_with("https://"));

    // A client that trusts the test CA: an HTTPS round trip.
    let client = crate::contract::Http::from(
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.cert.pem().as_bytes()).unwrap())
            .resolve(HOST, addr)
            .build()
            .unwrap(),
    );
    let url = format!("https://{HOST}:{}/api/v1/health", addr.port());
    let resp = client.get(&url).send().await.expect("HTTPS request");
    assert_eq!(resp.status(), StatusCode::OK);
    let health: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(health["database_reachable"], true, "{health}");
    // One that does not trust it refuses the server; plain HTTP gets no answer.
    let untrusting = reqwest::Client::builder()
        .resolve(HOST, addr)
        .build()
        .unwrap();
    assert!(untrusting.get(&url).send().await.is_err());
    let plain = format!("http://{addr}/api/v1/health");
    assert!(
        reqwest::get(&plain).await.is_err(),
        "no plain HTTP on the TLS port"
    );

    // HTTP/2 is offered by ALPN, and the certificate is the first one.
    let (seen, alpn) = handshake(addr, &ca).await;
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(seen, der1);

    // Renewed: new connections get the new certificate, without a restart.
    let (cert2, key2, der2) = ca.server_cert("second");
    write(files.path(), &cert2, &key2);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (seen, _) = handshake(addr, &ca).await;
        if seen == der2 {
            break;
        }
        assert_eq!(seen, der1);
        assert!(
            Instant::now() < deadline,
            "the renewed certificate is never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A broken renewal (a key that does not fit, then not PEM at all) keeps the second.
    let (_, other_key, _) = ca.server_cert("unrelated");
    write(files.path(), &cert2, &other_key);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        handshake(addr, &ca).await.0,
        der2,
        "a key that does not fit"
    );
    write(files.path(), "not a certificate", "nor a key");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(handshake(addr, &ca).await.0, der2, "garbage files");
    let resp = client.get(&url).send().await.expect("still serving");
    assert_eq!(resp.status(), StatusCode::OK);
    app.finish().await;
}

#[tokio::test]
async fn a_certificate_that_does_not_load_stops_the_start() {
    let files = tempfile::tempdir().unwrap();
    write(files.path(), "nonsense", "nonsense");
    let mut settings = test_settings();
    settings.transport.tls_cert = Some(files.path().join("cert.pem"));
    settings.transport.tls_key = Some(files.path().join("key.pem"));
    let dir = tempfile::tempdir().unwrap();
    let mut config = tadhkira_server::Config::new(dir.path());
    config.settings = settings;
    let Err(e) = tadhkira_server::spawn(config).await else {
        panic!("a server started with a certificate that does not load");
    };
    assert!(
        format!("{e:#}").contains("not PEM") || format!("{e:#}").contains("no certificate"),
        "{e:#}"
    );
}
