//! `appmarket backup`: a copy of a SQLite store made with SQLite's online backup API, while
//! hosts go on writing. All pages are copied in one step, inside one read transaction of the
//! source, so the copy is the store as it was at one commit (with WAL, writers are not
//! blocked meanwhile). The copy is created owner-only (it holds app passwords, sealed or not)
//! and checked with `PRAGMA quick_check`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::failure::{Failure, Outcome};

/// What a backup copied.
pub struct Copied {
    /// Pages of the copy.
    pub pages: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A path SQLite reads as a file path, never a URI (`./` before a relative one).
fn file_path(path: &Path) -> PathBuf {
    if path.is_relative() { Path::new(".").join(path) } else { path.to_path_buf() }
}

/// Copies the store in `source` to the new file `dest`.
pub fn backup(source: &Path, dest: &Path) -> Outcome<Copied> {
    let shown = |p: &Path| p.display().to_string();
    if !source.is_file() {
        return Err(Failure::new(format!("there is no store at sqlite:{}: check the path", shown(source))));
    }
    if dest.exists() {
        return Err(Failure::new(format!(
            "{} exists already: back up to a new file (the backup never overwrites one)",
            shown(dest)
        )));
    }
    let fail = |doing: &str, e: rusqlite::Error| Failure::new(format!("backing up {} {doing}: {e}", shown(source)));
    let src = Connection::open_with_flags(file_path(source), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| fail("(opening it)", e))?;
    src.busy_timeout(Duration::from_secs(30)).map_err(|e| fail("(opening it)", e))?;
    let copied = (|| {
        let mut dst = Connection::open_with_flags(
            file_path(dest),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(|e| fail(&format!("to {}", shown(dest)), e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Failure::new(format!("cannot make {} owner-only: {e}", shown(dest))))?;
        }
        {
            let backup = Backup::new(&src, &mut dst).map_err(|e| fail("(starting the copy)", e))?;
            loop {
                match backup.step(-1).map_err(|e| fail("(copying)", e))? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked => std::thread::sleep(Duration::from_millis(50)),
                    _ => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        }
        let check: String =
            dst.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| fail("(checking the copy)", e))?;
        if check != "ok" {
            return Err(Failure::new(format!("the copy {} does not check: {check}", shown(dest))));
        }
        let pages: i64 =
            dst.query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(|e| fail("(checking the copy)", e))?;
        // The copy is self-contained: no -wal file beside it.
        dst.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(|e| fail("(checking the copy)", e))?;
        drop(dst);
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(Copied { pages: pages as u64, bytes })
    })();
    if copied.is_err() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", dest.display()));
        }
    }
    copied
}
