//! The rustls crypto provider of a process that uses the crate (feature `rustls`, not
//! `native-tls`). reqwest is built without a provider of its own (no aws-lc-rs to
//! compile), so building the crate's first client makes ring the process's default when it
//! has none: the process's other reqwest clients then work. A provider installed before is
//! kept. The default is process-wide, so each case runs in a fresh process: this target
//! has no test harness; `main` runs itself once per case.

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn client() -> honeycomb_api_keys::Client {
    honeycomb_api_keys::Client::builder()
        .management_key("hcxmk_01j1824es7n4evcmv81cn392jb", "tlsprovidersecret0123456789abcdef")
        .endpoint("http://127.0.0.1:9")
        .team("t")
        .build()
        .unwrap()
}

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn case(name: &str) {
    use rustls::crypto::{CryptoProvider, ring};
    match name {
        "none-before" => {
            assert!(CryptoProvider::get_default().is_none(), "a fresh process has no default");
            let _client = client();
            let installed = CryptoProvider::get_default().expect("the first client installs one");
            assert_eq!(installed.cipher_suites, ring::DEFAULT_CIPHER_SUITES);
            // A reqwest client of the process's own, without TLS settings: it would panic
            // without a default provider.
            let _theirs = reqwest::Client::new();
        }
        "one-before" => {
            // Deprecated since rustls 0.23.48 (ring has no post-quantum key exchange), with
            // no replacement for ring in 0.23: src/client/tls.rs.
            #[allow(deprecated)]
            let mut mine = ring::default_provider();
            mine.cipher_suites.truncate(1);
            mine.install_default().expect("nothing installed yet");
            let before = CryptoProvider::get_default().unwrap().clone();
            let _client = client();
            let after = CryptoProvider::get_default().unwrap();
            assert!(std::sync::Arc::ptr_eq(&before, after), "the provider installed before is kept");
            assert_eq!(after.cipher_suites.len(), 1);
        }
        other => panic!("no case {other}"),
    }
}

fn main() {
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    {
        if let Some(name) = std::env::args().nth(1).filter(|a| !a.starts_with('-')) {
            case(&name);
            println!("ok: {name}");
            return;
        }
        for name in ["none-before", "one-before"] {
            let out = std::process::Command::new(std::env::current_exe().unwrap()).arg(name).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "case {name} failed: {stderr}");
            println!("test tls_provider::{name} ... ok");
        }
    }
    #[cfg(not(all(feature = "rustls", not(feature = "native-tls"))))]
    println!("tls_provider: skipped (the rustls feature alone is not on)");
}
