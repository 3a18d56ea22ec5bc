//! A path is a file path, never a SQLite URI: `file:m.db` is the file named `file:m.db` in the
//! working directory, and a query string (`?nolock=1`, `?vfs=unix-none`, `?mode=memory`) is a
//! part of the name, not an option that would change how the file is locked or kept; `:memory:`
//! is a file too, and an empty path is refused.
//!
//! The only test of this binary: it sets the process's working directory.

use std::path::Path;

use appmarket::store::Store;
use appmarket_sqlite::SqliteStore;

#[test]
fn a_path_is_a_file_name_never_a_sqlite_uri() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-paths");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_current_dir(&dir).unwrap();
    let names = ["file:m.db", "file:m.db?nolock=1", "file:m.db?vfs=unix-none", "m.db?mode=memory", ":memory:"];
    for name in names {
        let store = SqliteStore::open(name).unwrap();
        assert_eq!(store.path(), Path::new(name));
        assert_eq!(store.marketplace_id(name).unwrap(), name);
        drop(store);
        assert!(dir.join(name).is_file(), "{name} is a file of its own");
        assert_eq!(SqliteStore::open(name).unwrap().marketplace_id("other").unwrap(), name, "{name} kept its state");
    }
    let err = SqliteStore::open("").expect_err("an empty path is refused");
    assert!(matches!(&err, appmarket::Error::Storage { reason } if reason.contains("the path is empty")), "{err:?}");
    let mut files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(files, expected, "one file per name, nothing else");
}
