//! The file sinks' safety: deliveries from many writers into one file all stay, links and
//! files another user could have planted or owns are refused, a stricter mode is kept; the
//! exec sink's timeout stops what the command started without a `kill` on `PATH`.

use std::{
    path::{Path, PathBuf},
    sync::Barrier,
    time::Duration,
};

use chrono::Utc;
use secrecy::SecretString;

use super::{Delivery, DotenvFile, JsonFile, SecretSink, files};
use crate::{ApiKey, Environment, EnvironmentId, KeyId, KeyType, Permissions};

/// A key, its environment and a secret, to deliver.
struct Fixture {
    key: ApiKey,
    environment: Environment,
    secret: SecretString,
}

impl Fixture {
    fn new(secret: &str) -> Self {
        let key = ApiKey {
            id: KeyId::parse("hcxik_01j1824es7n4evcmv81cn392jb").unwrap(),
            name: "checkout".into(),
            key_type: KeyType::Ingest,
            disabled: false,
            permissions: Permissions::none(),
            environment_id: Some(EnvironmentId::parse("hcxen_01hznmeqrcq8rz533xrvtc6mk0").unwrap()),
            creator_id: None,
            editor_id: None,
            created: Utc::now(),
            updated: Utc::now(),
        };
        let environment = Environment {
            id: EnvironmentId::parse("hcxen_01hznmeqrcq8rz533xrvtc6mk0").unwrap(),
            name: "Production".into(),
            slug: "production".into(),
            description: None,
            color: None,
            delete_protected: None,
        };
        Fixture { key, environment, secret: SecretString::from(secret.to_string()) }
    }

    fn to<'a>(&'a self, secret_name: &'a str) -> Delivery<'a> {
        Delivery { key: &self.key, environment: &self.environment, secret_name, secret: &self.secret }
    }
}

/// A fresh directory under the system's temporary one.
pub(super) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hny-keys-unit-{name}-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The file sinks, on `path`.
fn file_sinks(path: &Path) -> [(&'static str, Box<dyn SecretSink>); 2] {
    [("dotenv", Box::new(DotenvFile::new(path))), ("json", Box::new(JsonFile::new(path)))]
}

#[test]
fn deliveries_of_ten_threads_into_one_file_all_stay() {
    let dir = scratch("ten");
    for (kind, _) in file_sinks(&dir) {
        let path = dir.join(format!("shared.{kind}"));
        let barrier = Barrier::new(10);
        std::thread::scope(|s| {
            for i in 0..10 {
                let (path, barrier) = (&path, &barrier);
                s.spawn(move || {
                    // A sink of its own each (a lock file opened of its own, as in another
                    // process).
                    let sink: Box<dyn SecretSink> =
                        if kind == "json" { Box::new(JsonFile::new(path)) } else { Box::new(DotenvFile::new(path)) };
                    let fixture = Fixture::new(&format!("secret{i}"));
                    let name = format!("NAME_{i}");
                    barrier.wait();
                    sink.deliver(&fixture.to(&name)).unwrap();
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        for i in 0..10 {
            assert!(text.contains(&format!("NAME_{i}")) && text.contains(&format!("secret{i}")), "{kind}: {i} lost");
        }
    }
    // The lock files stay (0600); no temporary file is left.
    let mut left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    left.sort();
    assert_eq!(left, [".shared.dotenv.lock", ".shared.json.lock", "shared.dotenv", "shared.json"]);
    #[cfg(unix)]
    assert_eq!(mode(&dir.join(".shared.json.lock")), 0o600);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_lock_held_elsewhere_is_waited_for_and_then_named() {
    let dir = scratch("lock");
    let path = dir.join("keys.json");
    let held = files::lock(&path, Duration::ZERO).unwrap();
    let err = files::lock(&path, Duration::from_millis(100)).unwrap_err();
    assert!(err.contains(".keys.json.lock stayed locked by another writer for 0.1 s; nothing was written"), "{err}");
    // A delivery waits for the lock, and then writes.
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            drop(held);
        });
        let fixture = Fixture::new("s3cr3t");
        JsonFile::new(&path).deliver(&fixture.to("WAITED")).unwrap();
    });
    assert!(std::fs::read_to_string(&path).unwrap().contains("WAITED"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_stricter_mode_is_kept_and_a_looser_one_made_0600() {
    let dir = scratch("mode");
    let fixture = Fixture::new("s3cr3t");
    for (kind, sink) in file_sinks(&dir.join("keys")) {
        for (before, after) in [(0o400, 0o400), (0o600, 0o600), (0o640, 0o600), (0o644, 0o600)] {
            let path = dir.join("keys");
            std::fs::write(&path, "").unwrap();
            set_mode(&path, before);
            sink.deliver(&fixture.to("NAME")).unwrap();
            assert_eq!(mode(&path), after, "{kind}: {before:o}");
            std::fs::remove_file(&path).unwrap();
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Whether this process can give files away (root): otherwise the test says why it is
/// skipped.
#[cfg(unix)]
fn can_chown(test: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    // Who this process is: the owner of what it makes.
    let probe = scratch("whoami");
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_dir_all(probe).unwrap();
    if uid != 0 {
        eprintln!("SKIPPED {test}: it needs root (user id 0) to give files to another user; running as user id {uid}");
        return false;
    }
    true
}

/// Asserts that every file sink refuses `path`, in `check` and in `deliver`, with an
/// error containing `why`; returns nothing written (checked by the caller).
#[cfg(unix)]
fn refused(path: &Path, why: &str) {
    let fixture = Fixture::new("s3cr3t-never-written");
    for (kind, sink) in file_sinks(path) {
        let err = sink.check().unwrap_err();
        assert!(err.contains(why), "{kind} check: {err}");
        let err = sink.deliver(&fixture.to("HONEYCOMB_PRODUCTION_D1")).unwrap_err();
        assert!(err.contains(why), "{kind} deliver: {err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}

/// A directory like `/tmp`: anyone writes, only owners remove.
#[cfg(unix)]
fn sticky_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    set_mode(&dir, 0o1777);
    dir
}

#[cfg(unix)]
#[test]
fn a_link_another_user_planted_in_a_shared_directory_is_not_followed() {
    if !can_chown("a_link_another_user_planted_in_a_shared_directory_is_not_followed") {
        return;
    }
    let shared = sticky_dir("planted");
    let private = scratch("victim");
    let victim = private.join("app.conf");
    std::fs::write(&victim, "{\"setting\": 1}\n").unwrap();
    let link = shared.join(".env.honeycomb");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(65534), Some(65534)).unwrap();
    refused(
        &link,
        &format!("{} is a symbolic link of user id 65534, not yours (user id 0); it was not followed", link.display()),
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{\"setting\": 1}\n", "the target is untouched");
    assert!(link.is_symlink(), "the link is left as it is");

    // A link of the user's own, but where anyone could have put it, neither.
    let ours = shared.join("ours.env");
    std::os::unix::fs::symlink(&victim, &ours).unwrap();
    refused(&ours, "is a symbolic link in");
    refused(&ours, "a directory anyone can write; it was not followed");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{\"setting\": 1}\n");
    // Nor a chain of the user's links that passes through such a directory.
    let first = private.join("first.env");
    std::os::unix::fs::symlink(&ours, &first).unwrap();
    refused(&first, "a directory anyone can write");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{\"setting\": 1}\n");
    std::fs::remove_dir_all(shared).unwrap();
    std::fs::remove_dir_all(private).unwrap();
}

#[cfg(unix)]
#[test]
fn a_file_of_another_user_is_neither_written_nor_replaced() {
    use std::os::unix::fs::MetadataExt;
    if !can_chown("a_file_of_another_user_is_neither_written_nor_replaced") {
        return;
    }
    for dir in [sticky_dir("theirs-shared"), scratch("theirs")] {
        let path = dir.join(".env.honeycomb");
        std::fs::write(&path, "{}").unwrap();
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        refused(
            &path,
            &format!("{} belongs to user id 65534, not to you (user id 0); it was left as it is", path.display()),
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        assert_eq!(std::fs::metadata(&path).unwrap().uid(), 65534, "not replaced");
        // A lock file of theirs, or a link in its place, is refused too.
        std::fs::remove_file(&path).unwrap();
        let lock = dir.join("..env.honeycomb.lock");
        std::fs::write(&lock, "").unwrap();
        std::os::unix::fs::chown(&lock, Some(65534), Some(65534)).unwrap();
        refused(&path, "..env.honeycomb.lock belongs to user id 65534");
        std::fs::remove_file(&lock).unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere"), &lock).unwrap();
        refused(&path, "..env.honeycomb.lock is a symbolic link; nothing was written");
        assert!(!path.exists() && !dir.join("elsewhere").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_link_of_the_users_own_in_a_private_directory_is_followed() {
    let dir = scratch("own-link");
    set_mode(&dir, 0o700);
    std::os::unix::fs::symlink("real.json", dir.join("keys.json")).unwrap();
    let fixture = Fixture::new("s3cr3t");
    JsonFile::new(dir.join("keys.json")).deliver(&fixture.to("NAME")).unwrap();
    assert!(dir.join("keys.json").is_symlink());
    assert!(std::fs::read_to_string(dir.join("real.json")).unwrap().contains("s3cr3t"));
    assert!(dir.join(".real.json.lock").exists(), "the lock is the target's");
    // A loop is refused after 40 hops.
    std::os::unix::fs::symlink("loop-b", dir.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.join("loop-b")).unwrap();
    let err = JsonFile::new(dir.join("loop-a")).check().unwrap_err();
    assert!(err.contains("goes through more than 40 symbolic links"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
