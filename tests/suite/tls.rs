//! TLS as the default feature sets it up (rustls with ring and the platform's verifier):
//! certificates are checked, so a server whose certificate no trusted root signed is
//! refused before any request is written, and the error says why. (`benches/construction.rs`
//! measures what building a client costs, with a store and without.)
#![cfg(all(feature = "rustls", not(feature = "native-tls")))]

use std::{io::Read, sync::Arc};

use crate::common::{CANARY, INGEST_ID, MGMT_ID, TEAM};
use honeycomb_api_keys::{Client, Error, ManualClock, RetryConfig};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

/// A server certificate for `localhost` and 127.0.0.1 (valid until 2126), and its key,
/// issued by a throwaway CA that no system trusts.
const CERT: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBsjCCAVigAwIBAgIUUl0JKsCjONizmobFFrEZVzhviLAwCgYIKoZIzj0EAwIw\n\
HDEaMBgGA1UEAwwRdW50cnVzdGVkIHRlc3QgQ0EwIBcNMjYxMTMwMDc0OTU3WhgP\n\
MjEyNjExMDYwNzQ5NTdaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49\n\
AgEGCCqGSM49AwEHA0IABFm3hjZXO9kmWEHpAPuf3QnKr26Pc3kkClANb27mX5iX\n\
0t0BSgJuiABMNvGp2MmNexb4PYzTj0FiqU91ngvz0CujfjB8MBoGA1UdEQQTMBGC\n\
CWxvY2FsaG9zdIcEfwAAATAJBgNVHRMEAjAAMBMGA1UdJQQMMAoGCCsGAQUFBwMB\n\
MB0GA1UdDgQWBBRIpb9KsmsG2GjgFXR77ePMaRnWKDAfBgNVHSMEGDAWgBTAXyY2\n\
l8OB5kBnYLYY/QIcQEhQxjAKBggqhkjOPQQDAgNIADBFAiBZ4+451JCmrjw9uhY4\n\
HfXYcjTbQVKS5/8LwtrH3HZusQIhAJ9kbG4GlFLH7wTiue2RrjheVVlZ7N9vK2NF\n\
/EQ6qIv2\n\
-----END CERTIFICATE-----";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgENMJzQIup8rFVzFK\n\
18TMWFoqUjAusV7/RtzIqmr6CkShRANCAARZt4Y2VzvZJlhB6QD7n90Jyq9uj3N5\n\
JApQDW9u5l+Yl9LdAUoCbogATDbxqdjJjXsW+D2M049BYqlPdZ4L89Ar\n\
-----END PRIVATE KEY-----";

#[tokio::test]
async fn a_server_whose_certificate_no_trusted_root_signed_is_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // A TLS server on a thread: it answers the handshake with its certificate, and reports
    // what its read then saw (the client's alert, or a request if one ever came).
    let server = std::thread::spawn(move || {
        let certs = vec![CertificateDer::from_pem_slice(CERT.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).unwrap();
        // Deprecated since rustls 0.23.48 (ring has no post-quantum key exchange), with no
        // replacement for ring in 0.23: src/client/tls.rs.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let (tcp, _) = listener.accept().unwrap();
        let mut stream = rustls::StreamOwned::new(rustls::ServerConnection::new(Arc::new(config)).unwrap(), tcp);
        let mut request = Vec::new();
        match stream.read_to_end(&mut request) {
            Ok(_) => format!("read {} bytes of a request", request.len()),
            Err(e) => e.to_string(),
        }
    });
    let client = Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(format!("https://localhost:{port}"))
        .team(TEAM)
        .retry(RetryConfig::disabled())
        .clock(ManualClock::new())
        .build()
        .unwrap();
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(chain.contains("certificate") && chain.contains("UnknownIssuer"), "{chain}");
    assert!(!chain.contains(CANARY), "the secret is not in the error");
    let seen = server.join().unwrap();
    assert!(seen.contains("alert") && !seen.contains("request"), "the server saw: {seen}");
}
