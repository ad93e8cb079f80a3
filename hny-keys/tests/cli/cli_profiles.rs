//! `hny-keys` profiles as processes: where a profile's key may go (its own endpoint, never
//! `HONEYCOMB_API_ENDPOINT`; an endpoint checked before it is stored) and the profiles
//! file only its user can write.

use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    sync::mpsc,
};

use honeycomb_api_keys::mock::MockHoneycomb;

use super::{
    cli::{lines_match_schema, stderr, stdout},
    cli_code::{Scratch, hny_profiled},
};

const NO_KEYRING: (&str, &str) = ("HNY_KEYS_KEYRING", "off");
const KEY_ID: &str = "hcxmk_01j1824es7n4evcmv81cn392jb";
const KEY_SECRET: &str = "0123456789abcdef0123456789abcdef";

/// A proxy that refuses every tunnel, reporting each request line it was sent: what the
/// CLI asked for through `HTTPS_PROXY`, with nothing sent past it.
fn refusing_proxy() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut line);
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
            if tx.send(line.trim_end().to_string()).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

/// `--profile NAME auth` with HONEYCOMB_API_ENDPOINT on the fake and https going to a
/// proxy that refuses: the request lines the proxy saw.
fn auth_through_profile(config: &Scratch, fake: &MockHoneycomb, name: &str) -> Vec<String> {
    let (proxy, seen) = refusing_proxy();
    let uri = fake.uri();
    let env = [
        NO_KEYRING,
        ("HONEYCOMB_KEY_SECRET", fake.management_key().1),
        ("HONEYCOMB_API_ENDPOINT", uri.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("https_proxy", proxy.as_str()),
        ("NO_PROXY", ""),
        ("no_proxy", ""),
    ];
    let out = hny_profiled(config, &["--profile", name, "auth"], &env, "");
    assert_eq!(out.status.code(), Some(1), "the proxy refuses: {}", stderr(&out));
    seen.try_iter().collect()
}

#[test]
fn a_profile_added_without_an_endpoint_pins_the_default_region_over_honeycomb_api_endpoint() {
    let fake = MockHoneycomb::start_blocking();
    let (id, secret) = fake.management_key();
    let config = Scratch::new("profile-pinned");
    let out = hny_profiled(&config, &["profile", "add", "plain", "--key-id", id], &[NO_KEYRING], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let file = std::fs::read_to_string(config.0.join("profiles.toml")).unwrap();
    assert_eq!(file, format!("[profile.plain]\nendpoint = \"https://api.honeycomb.io\"\nkey_id = \"{id}\"\n"));
    // A profile file from before, without an endpoint, gets the default region's too.
    std::fs::write(config.0.join("profiles.toml"), format!("{file}\n[profile.old]\nkey_id = \"{id}\"\n")).unwrap();
    let list = hny_profiled(&config, &["profile", "list", "--output", "json"], &[NO_KEYRING], "");
    assert!(list.status.success(), "{}", stderr(&list));
    let rows = lines_match_schema(&fake, &stdout(&list), "profiles").remove(0);
    for row in rows.as_array().unwrap() {
        assert_eq!(row["endpoint"], "https://api.honeycomb.io", "{row}");
    }

    // Used with HONEYCOMB_API_ENDPOINT on the fake: the key goes to the profile's endpoint
    // (here a proxy that refuses the tunnel), never to the variable's.
    for name in ["plain", "old"] {
        let seen = auth_through_profile(&config, &fake, name);
        assert!(!seen.is_empty(), "{name}: nothing reached the proxy");
        for line in &seen {
            assert_eq!(line, "CONNECT api.honeycomb.io:443 HTTP/1.1", "{name}");
            assert!(!line.contains(secret));
        }
        assert!(fake.requests().is_empty(), "{name}: a request reached HONEYCOMB_API_ENDPOINT");
    }
    // A flag still beats the profile.
    let env = [NO_KEYRING, ("HONEYCOMB_KEY_SECRET", secret)];
    let out = hny_profiled(&config, &["--profile", "plain", "--endpoint", &fake.uri(), "auth"], &env, "");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn profile_add_checks_the_endpoint_before_writing_anything() {
    let config = Scratch::new("profile-endpoint");
    let file = config.0.join("profiles.toml");
    let add = |endpoint: &str, extra: &[&str]| {
        let args = [&["profile", "add", "p", "--key-id", KEY_ID, "--endpoint", endpoint][..], extra].concat();
        hny_profiled(&config, &args, &[NO_KEYRING], "")
    };
    for (endpoint, says) in [
        ("ftp://example.com", "only http and https"),
        ("not a url", "is not a URL"),
        ("https://user:pw@example.com", "user name or password"),
        ("http://10.1.2.3", "--allow-insecure-http"),
        ("http://example.com:8080", "use https"),
    ] {
        let out = add(endpoint, &[]);
        assert_eq!(out.status.code(), Some(2), "{endpoint}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("error: --endpoint "), "{endpoint}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{endpoint}: {}", stderr(&out));
        assert!(!file.exists(), "{endpoint}: a profiles file was written");
    }
    let out = add("http://localhost:8080", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read_to_string(&file).unwrap();
    let out = add("http://10.1.2.3", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before, "a refused profile changes nothing");
    // Opted in, with the flag or the variable, it is stored.
    let out = add("http://10.1.2.3", &["--allow-insecure-http"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&file).unwrap().contains("endpoint = \"http://10.1.2.3\""));
    let args = ["profile", "add", "q", "--endpoint", "http://10.1.2.4"];
    let out = hny_profiled(&config, &args, &[NO_KEYRING, ("HNY_KEYS_ALLOW_INSECURE_HTTP", "1")], "");
    assert!(out.status.success(), "{}", stderr(&out));
    // Each use needs the opt-in too; with it, the client is built, and what stops the
    // command is the malformed id (nothing is sent).
    let env = [NO_KEYRING, ("HONEYCOMB_KEY_SECRET", KEY_SECRET)];
    let out = hny_profiled(&config, &["--profile", "p", "--team", "t", "get", "../x"], &env, "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: the endpoint of profile \"p\" is plain http"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-insecure-http"), "{}", stderr(&out));
    let args = ["--profile", "p", "--allow-insecure-http", "--team", "t", "get", "../x"];
    let out = hny_profiled(&config, &args, &env, "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid `id`"), "{}", stderr(&out));
}

#[cfg(unix)]
mod permissions {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use super::*;

    fn chmod(path: &std::path::Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A profile on the fake, saved by hny-keys.
    fn saved(name: &str) -> (MockHoneycomb, Scratch, std::path::PathBuf) {
        let fake = MockHoneycomb::start_blocking();
        let config = Scratch::new(name);
        let args = ["profile", "add", "fake", "--key-id", fake.management_key().0, "--endpoint", &fake.uri()];
        let out = hny_profiled(&config, &args, &[NO_KEYRING], "");
        assert!(out.status.success(), "{}", stderr(&out));
        let file = config.0.join("profiles.toml");
        (fake, config, file)
    }

    /// `profile list` and a use of the profile are both refused, naming `path` and
    /// `fix`; nothing reaches the fake.
    fn refused(fake: &MockHoneycomb, config: &Scratch, path: &std::path::Path, fix: &str) {
        let env = [NO_KEYRING, ("HONEYCOMB_KEY_SECRET", fake.management_key().1)];
        for args in [&["profile", "list"][..], &["--profile", "fake", "auth"]] {
            let out = hny_profiled(config, args, &env, "");
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            let message = stderr(&out);
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains(&format!("`{fix} {}`", path.display())), "{message}");
        }
        assert!(fake.requests().is_empty(), "a request was sent");
    }

    #[test]
    fn profiles_are_written_for_their_user_alone() {
        let config = Scratch::new("profile-modes");
        let dir = config.0.join("new-dir");
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hny-keys"));
        command.env("HNY_KEYS_CONFIG_DIR", &dir).env("HNY_KEYS_KEYRING", "off");
        let out = command.args(["profile", "add", "p", "--key-id", "hcxmk_x"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(dir.join("profiles.toml")).unwrap().mode() & 0o777, 0o600);
        // A file from before, readable by all, is rewritten for its user alone.
        let (_fake, config, file) = saved("profile-rewritten");
        chmod(&file, 0o644);
        let out = hny_profiled(&config, &["profile", "add", "q"], &[NO_KEYRING], "");
        assert!(out.status.success(), "0644 is accepted: {}", stderr(&out));
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_profiles_file_others_can_write_is_refused_with_the_chmod_that_fixes_it() {
        let (fake, config, file) = saved("profile-writable");
        for mode in [0o666, 0o620] {
            chmod(&file, mode);
            refused(&fake, &config, &file, "chmod 600");
        }
        chmod(&file, 0o600);
        chmod(&config.0, 0o777);
        refused(&fake, &config, &config.0, "chmod 700");
        chmod(&config.0, 0o700);
        let out = hny_profiled(&config, &["profile", "list"], &[NO_KEYRING], "");
        assert!(out.status.success(), "fixed as said: {}", stderr(&out));
    }

    #[test]
    fn a_profiles_file_another_user_owns_is_refused_with_the_chown_that_fixes_it() {
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if me != 0 {
            eprintln!("skipped: only root can give a file to another user (running as uid {me})");
            return;
        }
        let (fake, config, file) = saved("profile-owner");
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        refused(&fake, &config, &file, "chown 0");
        std::os::unix::fs::chown(&file, Some(0), None).unwrap();
        std::os::unix::fs::chown(&config.0, Some(65534), None).unwrap();
        refused(&fake, &config, &config.0, "chown 0");
    }
}
