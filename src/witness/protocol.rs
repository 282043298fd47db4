//! The C2SP `tlog-witness` `add-checkpoint` rules, as pure code: parsing a request and
//! deciding, against the checkpoint the witness holds for the log, whether to cosign.

use signed_note::{Note, NoteError, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, Hash};

/// At most this many consistency proof lines (the specification's limit).
pub const MAX_PROOF_LINES: usize = 63;

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone)]
pub struct Request {
    pub old: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as sent.
    pub note: Vec<u8>,
}

/// Why a checkpoint is not cosigned, with the status the specification gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// 403
    #[error("no valid signature by the log's key: {0}")]
    Forbidden(String),
    /// 404
    #[error("this witness does not follow the log `{0}`")]
    UnknownOrigin(String),
    /// 409, with the size of the checkpoint held.
    #[error("the old size is not the size of the checkpoint held ({held})")]
    Conflict { held: u64 },
    /// 422: the checkpoint contradicts the one held. The request is evidence when the log
    /// signed it.
    #[error("inconsistent with the checkpoint held: {0}")]
    Inconsistent(String),
    /// 503: the witness could not keep what it would have cosigned.
    #[error("the witness cannot save its state; try again later")]
    Unavailable,
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::UnknownOrigin(_) => 404,
            Refusal::Conflict { .. } => 409,
            Refusal::Inconsistent(_) => 422,
            Refusal::Unavailable => 503,
        }
    }
}

fn bad(what: impl Into<String>) -> Refusal {
    Refusal::BadRequest(what.into())
}

/// Splits `old N`, the proof lines, an empty line and the checkpoint note.
pub fn parse_request(body: &[u8]) -> Result<Request, Refusal> {
    let mut rest = body;
    let mut line = || -> Result<&[u8], Refusal> {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("a line does not end in a newline"))?;
        let (l, tail) = rest.split_at(end);
        rest = &tail[1..];
        Ok(l)
    };
    let old = line()?
        .strip_prefix(b"old ")
        .and_then(|d| std::str::from_utf8(d).ok())
        .filter(|d| *d == "0" || (!d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit())))
        .and_then(|d| d.parse::<u64>().ok())
        .ok_or_else(|| bad("the first line must be `old <size>`"))?;
    let mut proof = Vec::new();
    loop {
        let l = line()?;
        if l.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF_LINES {
            return Err(bad("more than 63 consistency proof lines"));
        }
        let h = data_encoding::BASE64
            .decode(l)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| bad("a proof line is not a base64 hash"))?;
        proof.push(Hash(h));
    }
    Ok(Request {
        old,
        proof,
        note: rest.to_vec(),
    })
}

/// A checkpoint whose log signature verified.
#[derive(Debug, Clone)]
pub struct Signed {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The note body (origin, size, root and any extension lines), which cosignatures sign.
    pub body: Vec<u8>,
    /// The log's signatures that verified.
    pub log_signatures: Vec<signed_note::Signature>,
}

/// Parses the note, finds the log by its origin and verifies the log's signature.
pub fn open(note: &[u8], log_key: impl Fn(&str) -> Option<String>) -> Result<Signed, Refusal> {
    let parsed = Note::from_bytes(note).map_err(|e| bad(format!("not a signed note: {e}")))?;
    let checkpoint =
        Checkpoint::from_bytes(parsed.text()).map_err(|_| bad("the note is not a checkpoint"))?;
    let origin = checkpoint.origin().to_owned();
    let vkey = log_key(&origin).ok_or_else(|| Refusal::UnknownOrigin(origin.clone()))?;
    let verifier = StandardVerifier::new(&vkey)
        .map_err(|e| Refusal::Forbidden(format!("the configured log key is unusable: {e}")))?;
    match parsed.verify(&VerifierList::new(vec![Box::new(verifier)])) {
        Ok((verified, _)) => Ok(Signed {
            origin,
            size: checkpoint.size(),
            root: *checkpoint.hash(),
            body: parsed.text().to_vec(),
            log_signatures: verified,
        }),
        Err(NoteError::UnverifiedNote) => Err(Refusal::Forbidden("no signature by the log".into())),
        Err(e) => Err(Refusal::Forbidden(e.to_string())),
    }
}

/// The checkpoint a witness holds for a log: the latest it cosigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub size: u64,
    pub root: Hash,
}

/// Whether `signed`, submitted with `old` and `proof`, extends `held` (none: never cosigned).
pub fn check(
    held: Option<&Held>,
    old: u64,
    proof: &[Hash],
    signed: &Signed,
) -> Result<(), Refusal> {
    if old > signed.size {
        return Err(bad(format!(
            "old size {old} is larger than the checkpoint's {}",
            signed.size
        )));
    }
    let held_size = held.map_or(0, |h| h.size);
    if old != held_size {
        return Err(Refusal::Conflict { held: held_size });
    }
    if signed.size == 0 && signed.root != tlog_tiles::EMPTY_HASH {
        return Err(Refusal::Inconsistent(
            "a tree of size 0 must have the empty tree's root".into(),
        ));
    }
    let Some(held) = held.filter(|h| h.size > 0) else {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Inconsistent(
                "a proof from the empty tree must be empty".into(),
            ))
        };
    };
    if held.size == signed.size {
        return if held.root == signed.root {
            Ok(())
        } else {
            Err(Refusal::Inconsistent(format!(
                "two trees of {} entries with different roots",
                held.size
            )))
        };
    }
    tlog_tiles::check_tree(
        &proof.to_vec(),
        signed.size,
        signed.root,
        held.size,
        held.root,
    )
    .map_err(|e| {
        Refusal::Inconsistent(format!(
            "the tree of {} entries does not extend the one of {} held: {e}",
            signed.size, held.size
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_as_the_specification_writes_them() {
        let h = data_encoding::BASE64.encode(&[9; 32]);
        let body = format!("old 20852014\n{h}\n{h}\n\nexample.com/x\n3\nAA==\n\n— sig\n");
        let r = parse_request(body.as_bytes()).unwrap();
        assert_eq!(r.old, 20852014);
        assert_eq!(r.proof, vec![Hash([9; 32]); 2]);
        assert!(r.note.starts_with(b"example.com/x\n"));
        assert_eq!(parse_request(b"old 0\n\nx").unwrap().proof.len(), 0);
        for bad in [
            "",
            "old 1",
            "old 01\n\n",
            "old -1\n\n",
            "old 1\nnot base64\n\n",
            "old 1\nAAAA\n\n",
            "new 1\n\n",
        ] {
            assert!(
                matches!(parse_request(bad.as_bytes()), Err(Refusal::BadRequest(_))),
                "{bad:?}"
            );
        }
        let many = format!("old 1\n{}\n", format!("{h}\n").repeat(64));
        assert!(parse_request(many.as_bytes()).is_err());
    }

    fn signed(size: u64, root: Hash) -> Signed {
        Signed {
            origin: "o".into(),
            size,
            root,
            body: vec![],
            log_signatures: vec![],
        }
    }

    #[test]
    fn only_consistent_extensions_of_the_held_tree_pass() {
        use crate::ledger::merkle::{Fetched, Frontier, first_index_of};
        let mut f = Frontier::default();
        let mut stored = std::collections::HashMap::new();
        let mut roots = vec![tlog_tiles::EMPTY_HASH];
        for n in 0..20u64 {
            for (k, h) in f
                .append(tlog_tiles::record_hash(&[n as u8]))
                .into_iter()
                .enumerate()
            {
                stored.insert(first_index_of(n) + k as u64, h);
            }
            roots.push(f.root());
        }
        let stored = Fetched(stored);
        let proof = tlog_tiles::prove_tree(20, 7, &stored).unwrap();
        let held = Held {
            size: 7,
            root: roots[7],
        };
        assert_eq!(
            check(Some(&held), 7, &proof, &signed(20, roots[20])),
            Ok(())
        );
        assert_eq!(check(Some(&held), 7, &[], &signed(7, roots[7])), Ok(()));
        assert!(matches!(
            check(Some(&held), 7, &proof, &signed(20, roots[19])),
            Err(Refusal::Inconsistent(_))
        ));
        assert!(matches!(
            check(Some(&held), 7, &[], &signed(7, roots[6])),
            Err(Refusal::Inconsistent(_))
        ));
        assert_eq!(
            check(Some(&held), 5, &proof, &signed(20, roots[20])),
            Err(Refusal::Conflict { held: 7 })
        );
        assert_eq!(
            check(None, 7, &proof, &signed(20, roots[20])),
            Err(Refusal::Conflict { held: 0 })
        );
        assert!(matches!(
            check(Some(&held), 21, &proof, &signed(20, roots[20])),
            Err(Refusal::BadRequest(_))
        ));
        assert_eq!(check(None, 0, &[], &signed(20, roots[20])), Ok(()));
        assert!(matches!(
            check(None, 0, &proof, &signed(20, roots[20])),
            Err(Refusal::Inconsistent(_))
        ));
        assert!(matches!(
            check(None, 0, &[], &signed(0, roots[1])),
            Err(Refusal::Inconsistent(_))
        ));
    }
}
