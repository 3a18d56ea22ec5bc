//! The `-wal` file, checked before SQLite opens the store.
//!
//! SQLite reads a WAL whose header does not check as an empty one, and stops reading at the
//! first frame that does not check: a damaged WAL, or one cut short by a copy, would open as a
//! store with part of its commits, or none, and the next write would overwrite what is left.
//! The format (<https://sqlite.org/fileformat2.html#walformat>): a 32-byte header (magic
//! number, format version, page size, checkpoint sequence, two salts, a checksum of the first
//! 24 bytes), then frames of a 24-byte header (page number, the database size in pages for the
//! last frame of a transaction, else 0, the two salts, a checksum running on from the previous
//! frame's) and a page.
//!
//! A process killed while it writes a transaction leaves that transaction's frames without
//! their commit frame, a frame overwritten halfway, or a last frame cut after its header or at
//! a 4 KiB boundary (where the kernel cuts a write); after a checkpoint the WAL starts over and
//! the frames of the previous round stay behind it under the old salts. SQLite recovers all of
//! these, losing nothing that was committed, and so does the store. What none of them leaves,
//! and the store refuses: a header that does not check, a file shorter than a header, a last
//! frame cut anywhere else, and a committed transaction (with the current salts and a checksum
//! that runs on from the frame before it) after a frame that does not check.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;
const MAGIC: u32 = 0x377f_0682;
const VERSION: u32 = 3_007_000;

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// SQLite's WAL checksum of `data` (8-byte pairs of words) running on from `seed`, the words
/// read big-endian or little-endian as the magic number says.
fn checksum(data: &[u8], seed: (u32, u32), big_endian: bool) -> (u32, u32) {
    let word = |b: &[u8]| {
        let b = [b[0], b[1], b[2], b[3]];
        if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
    };
    let (mut s0, mut s1) = seed;
    for pair in data.chunks_exact(8) {
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

/// What a look at the WAL found.
enum Look {
    Fine,
    /// The file changed while it was read (another process wrote or checkpointed it).
    Changed,
    Damaged(String),
}

/// The WAL file of the store file at `path`: `path` + `-wal`.
pub(crate) fn file_of(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Checks the WAL file of the store file at `path`; returns its length (0 when there is none).
/// A refusal says what is wrong and what to do.
pub(crate) fn check(path: &Path) -> Result<u64, String> {
    let wal = &file_of(path);
    // Another process that has the store open may append, or start the WAL over, meanwhile:
    // a file that changed under the look is looked at again.
    for _ in 0..3 {
        let len = match std::fs::metadata(wal) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(format!("cannot read its -wal file {}: {e}", wal.display())),
        };
        if len == 0 {
            return Ok(0);
        }
        match look(wal, len) {
            Ok(Look::Fine) => return Ok(len),
            Ok(Look::Changed) => continue,
            Ok(Look::Damaged(what)) => {
                return Err(format!(
                    "its -wal file {} (the last commits) {what}: it is damaged, was cut short by a copy, \
                     or lost writes in a power loss. Restore the file and its -wal file from a backup, or \
                     copy them again once every store that has them open is closed; or, to keep what \
                     SQLite can still read of it and lose the rest, run \
                     `sqlite3 '{}' 'PRAGMA wal_checkpoint(TRUNCATE)'` once",
                    wal.display(),
                    path.display()
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => continue,
            Err(e) => return Err(format!("cannot read its -wal file {}: {e}", wal.display())),
        }
    }
    Err(format!("its -wal file {} keeps changing while it is checked: try again", wal.display()))
}

fn look(wal: &Path, len: u64) -> std::io::Result<Look> {
    let file = std::fs::File::open(wal)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    if len < HEADER as u64 {
        return Ok(Look::Damaged(format!("has {len} bytes, less than a WAL header")));
    }
    let mut header = [0; HEADER];
    reader.read_exact(&mut header)?;
    let magic = be32(&header, 0);
    if magic & !1 != MAGIC {
        return Ok(Look::Damaged(format!("has a damaged header (magic number {magic:#010x})")));
    }
    let big_endian = magic & 1 == 1;
    let version = be32(&header, 4);
    if version != VERSION {
        return Ok(Look::Damaged(format!("has a damaged header (format version {version})")));
    }
    let page = be32(&header, 8) as usize;
    if !page.is_power_of_two() || !(512..=65_536).contains(&page) {
        return Ok(Look::Damaged(format!("has a damaged header (page size {page})")));
    }
    let sum = checksum(&header[..24], (0, 0), big_endian);
    if sum != (be32(&header, 24), be32(&header, 28)) {
        return Ok(Look::Damaged("has a damaged header (its checksum does not match)".into()));
    }
    let frame_len = FRAME_HEADER + page;
    let frames = (len - HEADER as u64) / frame_len as u64;
    let rest = (len - HEADER as u64) % frame_len as u64;
    let salts = &header[16..24];
    let mut frame = vec![0; frame_len];
    // The checksum SQLite's recovery runs on with, until the first frame that does not check.
    let mut running = Some(sum);
    // The checksum stored in the frame before.
    let mut previous = sum;
    let mut broken = None;
    for n in 0..frames {
        reader.read_exact(&mut frame)?;
        let stored = (be32(&frame, 16), be32(&frame, 20));
        let ours = &frame[8..16] == salts && be32(&frame, 0) != 0;
        let body = |seed| {
            let head = checksum(&frame[..8], seed, big_endian);
            checksum(&frame[FRAME_HEADER..], head, big_endian)
        };
        match running {
            Some(seed) if ours && body(seed) == stored => running = Some(stored),
            Some(_) => {
                running = None;
                broken = Some(n + 1);
            }
            None if ours && be32(&frame, 4) != 0 && body(previous) == stored => {
                if !unchanged(wal, &header)? {
                    return Ok(Look::Changed);
                }
                return Ok(Look::Damaged(format!(
                    "has frame {} that does not check, and committed transactions after it (frame {})",
                    broken.unwrap_or_default(),
                    n + 1
                )));
            }
            None => {}
        }
        previous = stored;
    }
    let cut = rest != 0 && rest != FRAME_HEADER as u64 && !len.is_multiple_of(4096);
    if cut {
        if !unchanged(wal, &header)? || std::fs::metadata(wal)?.len() != len {
            return Ok(Look::Changed);
        }
        return Ok(Look::Damaged(format!(
            "is cut short: its {len} bytes end inside frame {} of {frame_len} bytes",
            frames + 1
        )));
    }
    Ok(Look::Fine)
}

/// Whether the WAL still has `header`: a WAL that starts over gets new salts.
fn unchanged(wal: &Path, header: &[u8; HEADER]) -> std::io::Result<bool> {
    let mut now = [0; HEADER];
    match std::fs::File::open(wal)?.read_exact(&mut now) {
        Ok(()) => Ok(&now == header),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::checksum;

    /// The checksum of SQLite's documentation: pairs of words, each sum running on from both.
    #[test]
    fn the_checksum_runs_on_pairs_of_words() {
        let data = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
        // s0 = 1, s1 = 2 + 1 = 3; s0 = 1 + 3 + 3 = 7, s1 = 3 + 4 + 7 = 14.
        assert_eq!(checksum(&data, (0, 0), true), (7, 14));
        assert_eq!(checksum(&data[..8], checksum(&data[..0], (0, 0), true), true), (1, 3));
        assert_eq!(checksum(&data[8..], (1, 3), true), (7, 14));
        let little: Vec<u8> = data.chunks(4).flat_map(|w| w.iter().rev().copied().collect::<Vec<_>>()).collect();
        assert_eq!(checksum(&little, (0, 0), false), (7, 14));
    }
}
