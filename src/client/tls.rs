//! TLS for the HTTP clients: what each TLS feature costs at construction, and nothing for
//! an `http://` endpoint where that can be avoided.
//!
//! - `rustls` (the default): rustls with the *ring* crypto provider (it builds in a
//!   fraction of the time of aws-lc-rs, reqwest's own default, and this client makes few
//!   handshakes), TLS 1.2 and 1.3, certificates checked by the platform's verifier
//!   (`rustls-platform-verifier`: the system's roots). The verifier reads the roots when
//!   the first client for an `https` endpoint is built, and is shared by later ones; for
//!   `http`, no roots are read at all.
//! - `native-tls`: the platform's TLS library. Building its connector makes OpenSSL read
//!   the system's store, and reqwest needs a connector even for `http`: one is built per
//!   process and shared by every client (and both HTTP clients of one client).
//! - both: `native-tls` for `https` (as reqwest would choose), rustls without roots for
//!   `http`.
//!
//! With `rustls`, reqwest has no crypto provider of its own: building the first client
//! makes ring the process's default provider if there is none yet (see
//! [`ensure_default_provider`]), so that other reqwest clients in the process work too.
//!
//! Every request goes to the endpoint (redirects are not followed), so over plain HTTP no
//! certificate is ever checked.

/// The TLS backend a client's HTTP clients are built with (its pooled one and the
/// unpooled one for creates share it).
#[derive(Clone)]
pub(crate) enum Tls {
    /// No TLS feature: `http` endpoints only.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    None,
    /// rustls, configured here.
    #[cfg(feature = "rustls")]
    Rustls(Box<rustls::ClientConfig>),
    /// The platform's TLS library, through the connector shared by the process.
    #[cfg(feature = "native-tls")]
    Native(native_tls::TlsConnector),
}

impl Tls {
    /// The backend for an endpoint that is (`https`) or is not served over TLS.
    pub(crate) fn new(https: bool) -> Result<Tls, String> {
        #[cfg(all(feature = "native-tls", feature = "rustls"))]
        let tls = if https { shared_native_connector().map(Tls::Native) } else { rustls(false) };
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let tls = shared_native_connector().map(Tls::Native);
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        let tls = rustls(https);
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        let tls = Ok(Tls::None);
        let _ = https;
        tls
    }

    /// `builder` with this backend.
    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        match self {
            #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
            Tls::None => builder,
            #[cfg(feature = "rustls")]
            Tls::Rustls(config) => builder.tls_backend_preconfigured(rustls::ClientConfig::clone(config)),
            #[cfg(feature = "native-tls")]
            Tls::Native(connector) => builder.tls_backend_preconfigured(connector.clone()),
        }
    }
}

/// Makes ring the process's default rustls provider if it has none yet. reqwest is built
/// with rustls but without a provider of its own (no aws-lc-rs to compile), so a reqwest
/// client built elsewhere in the process, without a TLS configuration of its own, needs a
/// default; the crate's own clients never do. A provider installed before is kept.
#[cfg(feature = "rustls")]
pub(crate) fn ensure_default_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one in between: then theirs stays, and this fails.
        let _ = ring_provider().install_default();
    }
}

/// rustls's *ring* provider: the one place the crate names it.
///
/// rustls 0.23.48 deprecates `rustls::crypto::ring::default_provider` ("no support for
/// post-quantum algorithms": ring has no X25519MLKEM768 key exchange), without a
/// replacement: no 0.23 release offers ring through another function, and rustls's own
/// documentation still gives this call for it. The other provider, aws-lc-rs, costs the
/// build time the `rustls` feature avoids (see the module's documentation), so the crate
/// keeps ring, and allows the deprecation here alone rather than crate-wide (`allow`, not
/// `expect`: before 0.23.48 there is nothing to expect). A dependent that wants
/// post-quantum key exchange installs an aws-lc-rs provider before its first client: the
/// default provider then is theirs; the crate's own clients still use ring.
#[cfg(feature = "rustls")]
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// rustls, configured for an endpoint that is (`https`) or is not served over TLS. The
/// `https` configuration (its verifier holds the system's roots) is built once per process
/// and shared.
#[cfg(feature = "rustls")]
fn rustls(https: bool) -> Result<Tls, String> {
    ensure_default_provider();
    static HTTPS: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    let config = match HTTPS.get() {
        Some(config) if https => config.clone(),
        _ => {
            let config = rustls_config(https).map_err(|e| e.to_string())?;
            if https { HTTPS.get_or_init(|| config).clone() } else { config }
        }
    };
    Ok(Tls::Rustls(Box::new(config)))
}

/// The rustls configuration: the platform's verifier for `https`; for plain HTTP, no
/// roots at all.
#[cfg(feature = "rustls")]
fn rustls_config(https: bool) -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let provider = std::sync::Arc::new(ring_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()?;
    Ok(if https {
        builder.with_platform_verifier()?.with_no_client_auth()
    } else {
        builder.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth()
    })
}

/// The process's native connector, built on first use (OpenSSL reads the system's store
/// then) and shared after.
#[cfg(feature = "native-tls")]
fn shared_native_connector() -> Result<native_tls::TlsConnector, String> {
    static CONNECTOR: std::sync::OnceLock<native_tls::TlsConnector> = std::sync::OnceLock::new();
    if let Some(connector) = CONNECTOR.get() {
        return Ok(connector.clone());
    }
    let connector = native_tls::TlsConnector::new().map_err(|e| e.to_string())?;
    Ok(CONNECTOR.get_or_init(|| connector).clone())
}
