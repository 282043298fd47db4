//! The scan journal: a node's local record of the scans it has answered and not yet committed,
//! so that a crash of the process (`kill -9`, an out-of-memory kill, a panic) loses none.
//!
//! Before a scan is answered its line is written to the current segment file with one
//! `write(2)`: once that returns, the bytes are the kernel's, and they survive the death of the
//! process (not of the machine: nothing is `fsync`ed, or a scan would cost a disk flush). The
//! scan writer tells the journal which segments' scans it has committed; a segment whose every
//! scan is committed, and that is no longer written to, is deleted. Segments rotate every
//! [`ROTATE`], so few are open at once. At start the node reads what segments are left, stores
//! the scans among them that the database does not hold (each scan carries its id), and
//! deletes them.
//!
//! A journal belongs to one process: its directory is locked while the server runs, and a
//! second server pointed at it refuses to start (each node needs its own directory).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use data_encoding::HEXLOWER;

use super::scan_rows::ScanJob;
use crate::stamps::serial::Serial;

/// How long a segment is written to before the next one begins.
pub const ROTATE: Duration = Duration::from_millis(250);
const LOCK_FILE: &str = "journal.lock";
const PREFIX: &str = "scans-";
const SUFFIX: &str = ".log";

pub struct Journal {
    dir: PathBuf,
    state: Mutex<State>,
    /// Held (locked) while the journal is open.
    _lock: File,
}

struct State {
    current: Option<Segment>,
    /// Segment number → scans written to it and not yet committed.
    open: BTreeMap<u64, u64>,
    next: u64,
}

struct Segment {
    number: u64,
    file: File,
    began: Instant,
}

/// The segments a previous process left, and the scans in them.
pub struct Leftover {
    pub files: Vec<PathBuf>,
    pub jobs: Vec<ScanJob>,
    /// Lines that could not be read (a line cut short when the machine, not the process, died).
    pub unreadable: usize,
}

impl Journal {
    /// Locks the directory (creating it) and reads the segments a previous process left.
    pub fn open(dir: &Path) -> anyhow::Result<(Self, Leftover)> {
        use anyhow::Context;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the scan journal {}", dir.display()))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .with_context(|| format!("opening the scan journal's lock in {}", dir.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "the scan journal {} is in use by another server; give each node its own \
                 OCOP_SCAN_JOURNAL_DIR",
                dir.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).context(format!("locking the scan journal {}", dir.display()));
            }
        }
        let mut files = Vec::new();
        let mut next = 0;
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if let Some(n) = segment_number(&path) {
                next = Ord::max(next, n + 1);
                files.push((n, path));
            }
        }
        files.sort();
        let (mut jobs, mut unreadable) = (Vec::new(), 0);
        for (_, path) in &files {
            let text = std::fs::read(path)
                .with_context(|| format!("reading the scan journal {}", path.display()))?;
            for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                match std::str::from_utf8(line).ok().and_then(parse) {
                    Some(job) => jobs.push(job),
                    None => unreadable += 1,
                }
            }
        }
        let journal = Self {
            dir: dir.to_owned(),
            state: Mutex::new(State {
                current: None,
                open: BTreeMap::new(),
                next,
            }),
            _lock: lock,
        };
        Ok((
            journal,
            Leftover {
                files: files.into_iter().map(|(_, p)| p).collect(),
                jobs,
                unreadable,
            },
        ))
    }

    /// Writes a scan to the current segment; returns the segment's number, to hand back to
    /// [`committed`](Self::committed) once the scan is committed.
    pub fn append(&self, job: &ScanJob) -> std::io::Result<u64> {
        let line = format_line(job);
        let mut state = self
            .state
            .lock()
            .map_err(|_| std::io::Error::other("the scan journal's lock is poisoned"))?;
        if state
            .current
            .as_ref()
            .is_none_or(|s| s.began.elapsed() >= ROTATE)
        {
            self.rotate(&mut state)?;
        }
        let Some(segment) = state.current.as_mut() else {
            return Err(std::io::Error::other("no scan journal segment"));
        };
        // One write: the line is whole in the kernel or not there at all.
        segment.file.write_all(line.as_bytes())?;
        let number = segment.number;
        *state.open.entry(number).or_default() += 1;
        Ok(number)
    }

    /// The scans written to these segments (one number a scan) are committed.
    pub fn committed(&self, segments: impl IntoIterator<Item = u64>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        for n in segments {
            if let Some(left) = state.open.get_mut(&n) {
                *left = left.saturating_sub(1);
            }
        }
        let current = state.current.as_ref().map(|s| s.number);
        let done: Vec<u64> = state
            .open
            .iter()
            .filter(|(n, _)| Some(**n) != current)
            .map(|(n, _)| *n)
            .collect();
        for n in done {
            self.retire(&mut state, n);
        }
    }

    /// Closes the current segment, and deletes it if every scan in it is committed (at
    /// shutdown, after the last commit).
    pub fn close(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if let Some(segment) = state.current.take() {
            self.retire(&mut state, segment.number);
        }
    }

    /// Scans written and not yet committed.
    #[cfg(test)]
    fn uncommitted(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.open.values().sum())
    }

    fn rotate(&self, state: &mut State) -> std::io::Result<()> {
        if let Some(old) = state.current.take() {
            self.retire(state, old.number);
        }
        let number = state.next;
        state.next += 1;
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(self.path(number))?;
        state.current = Some(Segment {
            number,
            file,
            began: Instant::now(),
        });
        Ok(())
    }

    /// Deletes segment `number`, no longer written to, if every scan in it is committed.
    fn retire(&self, state: &mut State, number: u64) {
        if state.open.get(&number).is_none_or(|left| *left == 0) {
            state.open.remove(&number);
            self.remove(number);
        }
    }

    fn path(&self, number: u64) -> PathBuf {
        self.dir.join(format!("{PREFIX}{number:016}{SUFFIX}"))
    }

    fn remove(&self, number: u64) {
        let path = self.path(number);
        if let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %path.display(), error = %e, "could not delete a scan journal segment");
        }
    }
}

fn segment_number(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(PREFIX)?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

/// `id serial nanoseconds client-hash language`, space-separated, one line.
fn format_line(job: &ScanJob) -> String {
    format!(
        "{} {} {} {} {}\n",
        job.id.simple(),
        job.serial,
        job.at.timestamp_nanos_opt().unwrap_or_default(),
        HEXLOWER.encode(&job.client_hash),
        job.language
    )
}

fn parse(line: &str) -> Option<ScanJob> {
    let mut parts = line.split(' ');
    let id = Uuid::try_parse(parts.next()?).ok()?;
    let serial = Serial::parse(parts.next()?).ok()?;
    let at = DateTime::<Utc>::from_timestamp_nanos(parts.next()?.parse().ok()?);
    let client_hash = HEXLOWER
        .decode(parts.next()?.as_bytes())
        .ok()?
        .try_into()
        .ok()?;
    let language = match parts.next()? {
        "vi" => "vi",
        "en" => "en",
        _ => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(ScanJob {
        id,
        serial: serial.as_str().to_owned(),
        at,
        client_hash,
        language,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(serial: &str) -> ScanJob {
        ScanJob {
            id: Uuid::now_v7(),
            serial: serial.into(),
            at: Utc::now(),
            client_hash: [7; 32],
            language: "en",
        }
    }

    fn segments(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| segment_number(&e.as_ref().unwrap().path()).is_some())
            .count()
    }

    #[test]
    fn a_line_reads_back_as_the_scan() {
        let j = job("ABCD1234EFGH5678");
        let line = format_line(&j);
        let back = parse(line.trim_end()).unwrap();
        assert_eq!(
            (
                back.id,
                &back.serial,
                back.at,
                back.client_hash,
                back.language
            ),
            (j.id, &j.serial, j.at, j.client_hash, j.language)
        );
        assert!(parse(&line[..line.len() / 2]).is_none());
        assert!(parse("not a scan").is_none());
        assert!(parse(&line.trim_end().replace(" en", " fr")).is_none());
    }

    #[test]
    fn scans_not_committed_are_read_again_and_committed_segments_go() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, left) = Journal::open(dir.path()).unwrap();
        assert!(left.jobs.is_empty() && left.files.is_empty());
        // A second server on the same directory is refused.
        assert!(Journal::open(dir.path()).is_err());
        let (a, b) = (job("AAAAAAAAAAAAAAAA"), job("BBBBBBBBBBBBBBBB"));
        let sa = journal.append(&a).unwrap();
        let sb = journal.append(&b).unwrap();
        assert_eq!(sa, sb);
        journal.committed([sa]);
        assert_eq!(journal.uncommitted(), 1);
        drop(journal); // the process dies: b was never committed
        let (journal, left) = Journal::open(dir.path()).unwrap();
        let ids: Vec<_> = left.jobs.iter().map(|j| j.id).collect();
        assert_eq!(ids, [a.id, b.id], "the whole segment is read back");
        assert_eq!(left.unreadable, 0);
        // A new segment, numbered after the old ones.
        let s = journal.append(&job("CCCCCCCCCCCCCCCC")).unwrap();
        assert!(s > sa);
        journal.committed([s]);
        journal.close();
        assert_eq!(segments(dir.path()), 1, "only the old segment is left");
    }

    #[test]
    fn a_rotated_segment_is_deleted_once_its_scans_are_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        let first = journal.append(&job("AAAAAAAAAAAAAAAA")).unwrap();
        std::thread::sleep(ROTATE);
        let second = journal.append(&job("BBBBBBBBBBBBBBBB")).unwrap();
        assert_ne!(first, second);
        assert_eq!(segments(dir.path()), 2);
        journal.committed([first]);
        assert_eq!(segments(dir.path()), 1);
        journal.committed([second]);
        assert_eq!(segments(dir.path()), 1, "the current segment stays open");
        journal.close();
        assert_eq!(segments(dir.path()), 0);
    }
}
