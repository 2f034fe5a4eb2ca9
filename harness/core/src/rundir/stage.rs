//! A run never destroys an earlier one.
//!
//! A new run is written into a fresh sibling of its target, `<target>.incomplete-<pid>`, and
//! renamed onto the target only at the end, after its manifest is written. Killed at any moment
//! (even `SIGKILL`), it leaves the target as it was and the staging directory labelled
//! `incomplete` by its name and by its `run.json` (status `running`, no manifest).
//!
//! A target that already holds something is handled by the caller's [`Existing`] policy: take
//! the next free numbered name (`<target>.2`, `<target>.3`, …), refuse, or replace it — and a
//! replacement happens only once the new run is complete, by an atomic exchange where the
//! platform has one (Linux `renameat2(RENAME_EXCHANGE)`), so there is no moment without a
//! complete run at the target. A partial run (interrupted, failed) never replaces anything: it
//! takes a numbered name instead.

use super::{io_err, RunDir, RunDirError};
use std::path::{Path, PathBuf};

/// What a staging directory's name holds between the target's name and the process id.
pub const INCOMPLETE_MARK: &str = ".incomplete-";

/// What to do when the target of a new run already holds something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Take the next free numbered name: `<target>.2`, `<target>.3`, …
    Number,
    /// Refuse with [`RunDirError::Exists`] (checked before the run and again at the end).
    Refuse,
    /// Replace it, once the new run is complete.
    Replace,
}

/// A run being written: its staging directory and where it goes when done.
#[derive(Debug)]
pub struct Staging {
    /// The staging directory, where every artefact is written.
    pub dir: RunDir,
    /// Where the run will be published.
    pub target: PathBuf,
    policy: Existing,
}

/// Whether a new run may take `p`: nothing there, or an empty directory.
fn free(p: &Path) -> bool {
    match std::fs::symlink_metadata(p) {
        Err(_) => true,
        Ok(m) => m.is_dir() && std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none()),
    }
}

/// `<target>.2`, `<target>.3`, …: the first free one.
fn next_free(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (2u64..)
        .map(|k| target.with_file_name(format!("{name}.{k}")))
        .find(|p| free(p))
        .expect("some numbered name is free")
}

impl Staging {
    /// `Ok` when a new run may take `target` (nothing there, or an empty directory), else
    /// [`RunDirError::Exists`]: what [`Existing::Refuse`] checks before anything runs.
    pub fn check_free(target: &Path) -> Result<(), RunDirError> {
        if free(target) {
            Ok(())
        } else {
            Err(RunDirError::Exists { path: target.display().to_string() })
        }
    }

    /// Resolves `target` by `policy` and creates a fresh staging directory beside it.
    pub fn begin(target: &Path, policy: Existing) -> Result<Staging, RunDirError> {
        let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Err(RunDirError::Exists { path: target.display().to_string() });
        };
        let target = if free(target) {
            target.to_path_buf()
        } else {
            match policy {
                Existing::Refuse => {
                    return Err(RunDirError::Exists { path: target.display().to_string() })
                }
                Existing::Number => next_free(target),
                Existing::Replace => target.to_path_buf(),
            }
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(name);
        let parent =
            target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        let pid = std::process::id();
        for k in 0u32.. {
            let suffix = if k == 0 { String::new() } else { format!("-{k}") };
            let p = parent.join(format!("{name}{INCOMPLETE_MARK}{pid}{suffix}"));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(Staging { dir: RunDir { path: p }, target, policy }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_err(&p)(e)),
            }
        }
        unreachable!("some staging name is free")
    }

    /// Moves the finished run (`complete`, or partial) onto its target and returns where it is.
    /// If the target was taken meanwhile, the policy applies again; when it refuses, the run
    /// stays in its staging directory, named in the error.
    pub fn publish(self, complete: bool) -> Result<PathBuf, RunDirError> {
        let from = &self.dir.path;
        if self.policy == Existing::Replace && complete && !free(&self.target) {
            replace(from, &self.target)?;
            return Ok(self.target);
        }
        let mut to = self.target.clone();
        for _ in 0..1000 {
            if !free(&to) {
                to = match self.policy {
                    Existing::Refuse => {
                        return Err(RunDirError::Exists {
                            path: format!(
                                "{} (the new run is kept at {})",
                                to.display(),
                                from.display()
                            ),
                        })
                    }
                    Existing::Number | Existing::Replace => next_free(&self.target),
                };
            }
            match std::fs::rename(from, &to) {
                Ok(()) => return Ok(to),
                // Taken between the look and the rename: look again.
                Err(_) if !free(&to) => continue,
                Err(e) => return Err(io_err(&to)(e)),
            }
        }
        Err(RunDirError::Exists { path: to.display().to_string() })
    }
}

/// Puts the run at `from` in place of the one at `to`, then removes the earlier one.
fn replace(from: &Path, to: &Path) -> Result<(), RunDirError> {
    if !exchange(from, to) {
        // No atomic exchange here: move the earlier run aside first, so it is never lost.
        let aside = from.with_extension("replaced");
        std::fs::rename(to, &aside).map_err(io_err(to))?;
        std::fs::rename(from, to).map_err(io_err(to))?;
        let _ = std::fs::remove_file(aside.join("manifest.json"));
        let _ = std::fs::remove_dir_all(&aside);
        return Ok(());
    }
    // `from` now holds the earlier run, under the staging name. Its manifest goes first: a
    // kill while the rest is removed then leaves an incomplete run there, as the staging name
    // says, not a complete one that `verify` would pass.
    let _ = std::fs::remove_file(from.join("manifest.json"));
    let _ = std::fs::remove_dir_all(from);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Staging directories of runs into `target` that never finished (`<target>.incomplete-*`).
pub fn incomplete_siblings(target: &Path) -> Vec<PathBuf> {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = format!("{name}{INCOMPLETE_MARK}");
    let mut found: Vec<PathBuf> = std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Whether `dir` is a staging directory by its name (`<target>.incomplete-<pid>`, or the
/// earlier run set aside under it). Such a directory is never a published run, even with a
/// manifest: a kill between writing the new run's manifest and renaming it onto the target, or
/// between the exchange and removing the earlier run's manifest, leaves one there. No order of
/// renames closes both moments without a moment when the target has no complete run, so the
/// name decides.
pub(super) fn staged(dir: &Path) -> bool {
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else { return false };
    let Some(i) = name.rfind(INCOMPLETE_MARK) else { return false };
    let pid = &name[i + INCOMPLETE_MARK.len()..];
    let pid = pid.strip_suffix(".replaced").unwrap_or(pid);
    !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
}

/// Why a directory without a published manifest is incomplete, from its name and its
/// `run.json` when there is one.
pub(super) fn why_incomplete(dir: &RunDir) -> String {
    let p = dir.file("run.json");
    let regular = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file());
    let status = regular
        .then(|| dir.read_json::<serde_json::Value>("run.json", "run record").ok())
        .flatten()
        .and_then(|v| v.get("status").and_then(|s| s.as_str().map(String::from)));
    let staged = staged(&dir.path);
    if staged && dir.file(super::manifest::MANIFEST).exists() {
        return ": a staging directory, never published: the harness was stopped between \
                finishing a run here and putting it in place (or while removing the run it \
                replaced); the run at the target is the one to use"
            .into();
    }
    match status.as_deref() {
        Some("running") => format!(
            ": run.json says the run was still running — the harness was stopped before it \
             finished (killed?); the trace and record written so far are kept{}",
            if staged {
                ""
            } else {
                " (run directories of this version are published only once complete)"
            }
        ),
        Some(s) => format!(": run.json says {s:?}, but the run's manifest was never written"),
        None => ": not a run directory that was written to the end".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_run(dir: &RunDir, body: &str) {
        dir.write_bytes("run.json", body.as_bytes()).unwrap();
        dir.write_manifest(1, "fp").unwrap();
    }

    #[test]
    fn a_run_is_invisible_until_published_and_numbered_beside_an_earlier_one() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let s = Staging::begin(&target, Existing::Number).unwrap();
        write_run(&s.dir, "{\"a\":1}");
        assert!(!target.exists(), "nothing at the target before the end");
        assert_eq!(s.publish(true).unwrap(), target);
        let s = Staging::begin(&target, Existing::Number).unwrap();
        write_run(&s.dir, "{\"a\":2}");
        assert_eq!(s.publish(true).unwrap(), tmp.path().join("out.2"));
        assert_eq!(std::fs::read_to_string(target.join("run.json")).unwrap(), "{\"a\":1}");
    }

    #[test]
    fn refuse_keeps_the_earlier_run_and_replace_swaps_only_when_complete() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let s = Staging::begin(&target, Existing::Refuse).unwrap();
        write_run(&s.dir, "{\"a\":1}");
        s.publish(true).unwrap();
        assert!(matches!(
            Staging::begin(&target, Existing::Refuse),
            Err(RunDirError::Exists { .. })
        ));
        let s = Staging::begin(&target, Existing::Replace).unwrap();
        write_run(&s.dir, "{\"a\":2}");
        assert_eq!(s.publish(false).unwrap(), tmp.path().join("out.2"), "partial: beside");
        let s = Staging::begin(&target, Existing::Replace).unwrap();
        write_run(&s.dir, "{\"a\":3}");
        assert_eq!(s.publish(true).unwrap(), target);
        assert_eq!(std::fs::read_to_string(target.join("run.json")).unwrap(), "{\"a\":3}");
        assert!(incomplete_siblings(&target).is_empty(), "the earlier run is removed");
    }

    #[test]
    fn an_abandoned_staging_directory_is_found_and_explained() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let s = Staging::begin(&target, Existing::Number).unwrap();
        s.dir.write_bytes("run.json", b"{\"status\":\"running\"}").unwrap();
        let found = incomplete_siblings(&target);
        assert_eq!(found, vec![s.dir.path.clone()]);
        assert!(why_incomplete(&s.dir).contains("still running"));
        let e = super::super::read_manifest(&s.dir).unwrap_err();
        assert!(e.to_string().contains("incomplete run"), "{e}");
        // Killed after its manifest was written, before it was put in place: still staged.
        s.dir.write_manifest(1, "fp").unwrap();
        let e = super::super::read_manifest(&s.dir).unwrap_err();
        assert!(e.to_string().contains("incomplete run"), "{e}");
        assert!(e.to_string().contains("never published"), "{e}");
        assert!(staged(Path::new("/x/out.incomplete-42.replaced")));
        assert!(!staged(Path::new("/x/out.incomplete-fast")));
        assert!(!staged(Path::new("/x/out")));
    }

    #[test]
    fn an_empty_directory_is_a_free_target() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        std::fs::create_dir(&target).unwrap();
        let s = Staging::begin(&target, Existing::Refuse).unwrap();
        write_run(&s.dir, "{}");
        assert_eq!(s.publish(true).unwrap(), target);
    }
}
