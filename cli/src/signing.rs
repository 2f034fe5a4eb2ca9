//! Signed run directories: a detached [minisign](https://jedisct1.github.io/minisign/)
//! signature of `manifest.json`, in `manifest.json.minisig` beside it.
//!
//! The manifest holds the SHA-256 of every artefact, so one Ed25519 signature over it covers the
//! whole run; a regulator who holds the public key checks a run handed over without trusting
//! the person who ran it, with Touchstone (`touchstone verify RUN_DIR --pubkey KEY.pub`) or with
//! the `minisign` tool alone (`minisign -Vm RUN_DIR/manifest.json -p KEY.pub`, then the digests).
//!
//! Keys are minisign's own files (`minisign -G` makes them): a public key file (an untrusted
//! comment line and the base64 of `Ed` ‖ key id ‖ public key) and a secret key file, encrypted
//! with a password (scrypt) or not (`minisign -G -W`). Signatures are minisign's prehashed
//! kind (`ED`: Ed25519 over the BLAKE2b-512 of the file), with a trusted comment
//! `timestamp:<unix seconds>\tfile:manifest.json\thashed\tfingerprint:<run fingerprint>`.

use crate::exit::Failure;
use minisign::{PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};
use std::io::Cursor;
use std::path::Path;
use touchstone_core::input::{read_capped, read_text_capped, InputError};
use touchstone_core::input::{MAX_KEY_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES};
use touchstone_core::rundir::{RunDir, MANIFEST, SIGNATURE};

fn input(e: InputError) -> Failure {
    Failure::bad_input(e.to_string())
}

/// The secret key of `path`, decrypted with the first line of `password_file` when the key is
/// encrypted (or, on a terminal, with a password typed at a prompt).
pub fn secret_key(path: &Path, password_file: Option<&Path>) -> Result<SecretKey, Failure> {
    let text = read_text_capped(path, MAX_KEY_BYTES, "minisign secret key").map_err(input)?;
    let bad = |e: minisign::PError| {
        Failure::bad_input(format!("{}: not a usable minisign secret key: {e}", path.display()))
    };
    let sk_box = SecretKeyBox::from_string(&text).map_err(bad)?;
    if let Some(sk) = unencrypted(&text) {
        return Ok(sk);
    }
    let password = match password_file {
        Some(p) => Some(
            read_text_capped(p, MAX_KEY_BYTES, "password file")
                .map_err(input)?
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        ),
        None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => None,
        None => {
            return Err(Failure::bad_input(format!(
                "{}: the key is encrypted: give its password with --password-file FILE",
                path.display()
            )))
        }
    };
    SecretKey::from_box(sk_box, password).map_err(bad)
}

/// An unencrypted secret key (`minisign -G -W`). Read from its bytes: minisign 0.11 writes
/// such keys with a zero checksum, which the `minisign` crate calls corrupted. A corrupted key is
/// still caught: `sign` checks the signature it makes against the key's own public half.
fn unencrypted(text: &str) -> Option<SecretKey> {
    use base64::Engine;
    let line = text.lines().nth(1)?.trim();
    let bytes = base64::engine::general_purpose::STANDARD.decode(line).ok()?;
    // sig_alg "Ed", then kdf_alg: 0x0000 for a key without a password.
    if bytes.len() < 6 || &bytes[..2] != b"Ed" || bytes[2..4] != [0, 0] {
        return None;
    }
    SecretKey::from_bytes(&bytes).ok().filter(|sk| !sk.is_encrypted())
}

/// The public key of `path`: a minisign public key file, or its base64 line alone.
pub fn public_key(path: &Path) -> Result<PublicKey, Failure> {
    let text = read_text_capped(path, MAX_KEY_BYTES, "minisign public key").map_err(input)?;
    PublicKeyBox::from_string(&text)
        .and_then(PublicKeyBox::into_public_key)
        .or_else(|_| PublicKey::from_base64(text.trim()))
        .map_err(|e| {
            Failure::bad_input(format!("{}: not a minisign public key: {e}", path.display()))
        })
}

/// The key id as minisign prints it.
pub fn key_id(pk: &PublicKey) -> String {
    let id = pk.keynum();
    let mut le = [0u8; 8];
    le.copy_from_slice(&id[..8]);
    format!("{:016X}", u64::from_le_bytes(le))
}

/// Signs `dir`'s manifest into `manifest.json.minisig` (atomically); returns the trusted
/// comment.
pub fn sign(dir: &RunDir, sk: &SecretKey, fingerprint: &str) -> Result<String, Failure> {
    let manifest =
        read_capped(&dir.file(MANIFEST), MAX_MANIFEST_BYTES, "manifest").map_err(input)?;
    let trusted =
        format!("timestamp:{}\tfile:{MANIFEST}\thashed\tfingerprint:{fingerprint}", unix_seconds());
    let pk = PublicKey::from_secret_key(sk)
        .map_err(|e| Failure::bad_input(format!("not a usable secret key: {e}")))?;
    let sig = minisign::sign(
        Some(&pk),
        sk,
        Cursor::new(manifest),
        Some(&trusted),
        Some("signature from touchstone (minisign format)"),
    )
    .map_err(|e| Failure::harness(format!("cannot sign: {e}")))?;
    dir.write_bytes(SIGNATURE, sig.to_string().as_bytes())?;
    Ok(trusted)
}

/// What checking a run's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// It verifies; the trusted comment.
    Valid(String),
    /// There is no `manifest.json.minisig`.
    Missing,
    /// It does not verify (or is not a minisign signature); why.
    Invalid(String),
}

/// Checks `manifest.json.minisig` against `manifest.json` with `pk`.
pub fn check(dir: &RunDir, pk: &PublicKey) -> Result<SignatureCheck, Failure> {
    let sig_text = match read_text_capped(&dir.file(SIGNATURE), MAX_SIGNATURE_BYTES, "signature") {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(SignatureCheck::Missing),
        Err(e) => return Ok(SignatureCheck::Invalid(e.to_string())),
    };
    let manifest =
        read_capped(&dir.file(MANIFEST), MAX_MANIFEST_BYTES, "manifest").map_err(input)?;
    let sig = match SignatureBox::from_string(&sig_text) {
        Ok(s) => s,
        Err(e) => return Ok(SignatureCheck::Invalid(format!("not a minisign signature: {e}"))),
    };
    match minisign::verify(pk, &sig, Cursor::new(manifest), true, false, false) {
        Ok(()) => Ok(SignatureCheck::Valid(sig.trusted_comment().unwrap_or_default())),
        Err(e) => Ok(SignatureCheck::Invalid(e.to_string())),
    }
}

#[allow(clippy::disallowed_methods)] // a signature's timestamp is wall time, outside any run
fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
