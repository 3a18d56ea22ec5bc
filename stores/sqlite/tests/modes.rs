//! The store's files hold app passwords: a new store file and its `-wal` and `-shm` files are
//! created owner-only (0600) whatever the process's umask. A file that exists keeps the mode its
//! operator gave it, and its `-wal` and `-shm` files take that mode.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use appmarket::store::{Commit, Store};
use appmarket_sqlite::SqliteStore;

fn fresh(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-modes").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Opens the store at `path`, commits, and returns the modes of the file, its `-wal` and its
/// `-shm` while the store is open.
fn modes_while_open(path: &Path) -> [u32; 3] {
    let store = SqliteStore::open(path).unwrap();
    store.marketplace_id("modes").unwrap();
    store.commit(Commit::default(), appmarket::testing::fixtures::t0()).unwrap();
    ["", "-wal", "-shm"].map(|suffix| mode(Path::new(&format!("{}{suffix}", path.display()))))
}

#[test]
fn a_new_store_file_and_its_wal_and_shm_are_owner_only_whatever_the_umask() {
    let dir = fresh("new");
    let status = Command::new("sh")
        .args(["-c", "umask 000 && exec \"$0\" --exact modes_child --nocapture --test-threads 1"])
        .arg(std::env::current_exe().unwrap())
        .env("APPMARKET_MODES_DIR", &dir)
        .status()
        .unwrap();
    assert!(status.success(), "the child under umask 000 failed");
    assert_eq!(mode(&dir.join("market.db")), 0o600);
}

/// The child: opens a new store under the umask its parent gave it.
#[test]
fn modes_child() {
    let Ok(dir) = std::env::var("APPMARKET_MODES_DIR") else { return };
    assert_eq!(modes_while_open(&Path::new(&dir).join("market.db")), [0o600; 3]);
}

#[test]
fn an_existing_file_keeps_its_mode_and_its_wal_and_shm_take_it() {
    let path = fresh("existing").join("market.db");
    drop(SqliteStore::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(modes_while_open(&path), [0o640; 3]);
    assert_eq!(mode(&path), 0o640);
}
