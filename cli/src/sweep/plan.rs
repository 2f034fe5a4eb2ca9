//! Sweeps beyond one machine: `--plan` writes one self-contained command per cell × seed and
//! the scheduler files that run them (a Kubernetes Indexed Job, a Slurm job array; any runner
//! of command lines — GNU parallel, xargs — takes `commands.txt` as is); `--collect DIR…`
//! finds the run directories wherever they were written and builds the results and the page.
//!
//! A plan directory must be on storage every worker sees (the cells' scripts are there, and the
//! commands write their run directories below it). Line `i + 1` of `plan/commands.txt` is the
//! run of index `i` (`JOB_COMPLETION_INDEX`, `SLURM_ARRAY_TASK_ID`). The commands call
//! `${TOUCHSTONE:-touchstone}`: set `TOUCHSTONE` to the binary's path where it is not on `PATH`.

use super::output::Found;
use super::Prepared;
use crate::exit::Failure;
use std::path::{Path, PathBuf};

/// A path quoted for `sh`.
fn q(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// The command of one run (absolute paths).
pub fn command(p: &Prepared, dir: &Path, cell: usize, seed: u64) -> String {
    let rp = super::run::params(p, dir, &p.cells[cell], seed);
    let mut s = format!(
        "${{TOUCHSTONE:-touchstone}} run {} --adapter {} --seed {seed} --out {} --overwrite --quiet --profile {}",
        q(&rp.scenario),
        rp.adapter,
        q(rp.out.as_deref().expect("a sweep run has its directory")),
        rp.profile
    );
    if let Some(c) = &rp.adapter_config {
        s.push_str(&format!(" --adapter-config {}", q(c)));
    }
    if rp.quick {
        s.push_str(" --quick");
    }
    s
}

/// Writes the plan into `dir` (made absolute): scripts, commands, Job manifest, Slurm script.
/// Returns the number of commands.
pub fn write_plan(p: &Prepared, dir: &Path) -> Result<usize, Failure> {
    let io = |path: &Path, e: std::io::Error| Failure::harness(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let dir = std::fs::canonicalize(dir).map_err(|e| io(dir, e))?;
    super::run::write_scenarios(p, &dir)?;
    let mut lines = Vec::new();
    for ci in 0..p.cells.len() {
        for s in &p.file.seeds {
            lines.push(command(p, &dir, ci, *s));
        }
    }
    let pdir = dir.join("plan");
    std::fs::create_dir_all(pdir.join("logs")).map_err(|e| io(&pdir, e))?;
    let commands = pdir.join("commands.txt");
    let n = lines.len();
    for (name, text) in [
        ("commands.txt", lines.join("\n") + "\n"),
        ("job.yaml", job_yaml(&p.file.name, &dir, &commands, n)),
        ("slurm.sh", slurm(&p.file.name, &pdir, &commands, n)),
    ] {
        let path = pdir.join(name);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    Ok(n)
}

/// The line of `commands.txt` for an index variable, run so that findings (exit 1) do not
/// count as a failed task: only a harness failure or bad input (exit ≥ 2) does.
fn runner(commands: &Path, index_var: &str) -> String {
    format!("sed -n \"$(({index_var} + 1))p\" {} | sh; c=$?; [ \"$c\" -le 1 ]", q(commands))
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    s.trim_matches('-').chars().take(40).collect()
}

fn job_yaml(name: &str, dir: &Path, commands: &Path, n: usize) -> String {
    let cmd = runner(commands, "JOB_COMPLETION_INDEX").replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "# A Kubernetes Indexed Job running the sweep {name}: pod i runs line i+1 of\n\
         # {commands}. Every pod mounts the plan directory at the same path (a shared volume:\n\
         # edit claimName) and needs an image with the touchstone binary (edit image).\n\
         # Then: touchstone sweep SWEEP.toml --collect {dir}/runs --out {dir}\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: touchstone-sweep-{slug}\nspec:\n  \
         completionMode: Indexed\n  completions: {n}\n  parallelism: {par}\n  backoffLimitPerIndex: 1\n  \
         maxFailedIndexes: {n}\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      \
         - name: cell\n        image: touchstone:latest\n        command: [\"sh\", \"-c\", \"{cmd}\"]\n        \
         resources:\n          requests:\n            cpu: \"1\"\n        volumeMounts:\n        \
         - name: shared\n          mountPath: {dir}\n      volumes:\n      - name: shared\n        \
         persistentVolumeClaim:\n          claimName: touchstone-shared\n",
        commands = commands.display(),
        dir = dir.display(),
        slug = slug(name),
        par = n.min(32),
    )
}

fn slurm(name: &str, pdir: &Path, commands: &Path, n: usize) -> String {
    format!(
        "#!/bin/sh\n# A Slurm job array running the sweep {name}: task i runs line i+1 of\n\
         # {commands} (the plan directory must be on a shared file system).\n\
         # Submit: sbatch {slurm}\n#SBATCH --job-name=touchstone-{slug}\n#SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task=1\n#SBATCH --output={logs}/%A_%a.out\n{cmd}\n",
        commands = commands.display(),
        slurm = pdir.join("slurm.sh").display(),
        slug = slug(name),
        last = n.saturating_sub(1),
        logs = pdir.join("logs").display(),
        cmd = runner(commands, "SLURM_ARRAY_TASK_ID")
    )
}

/// Every `run.json` below `dirs` (up to 8 levels deep), in path order.
fn run_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    fn walk(d: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        if d.join("run.json").is_file() {
            out.push(d.to_path_buf());
            return;
        }
        if depth == 0 {
            return;
        }
        let Ok(rd) = std::fs::read_dir(d) else { return };
        let mut subs: Vec<PathBuf> =
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
        subs.sort();
        for s in subs {
            // A run directory still being written (or abandoned) is not a result.
            if !s.file_name().is_some_and(|n| n.to_string_lossy().contains(".incomplete-")) {
                walk(&s, depth - 1, out);
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(Failure::bad_input(format!("{}: not a directory", d.display())));
        }
        walk(d, 8, &mut out);
    }
    Ok(out)
}

/// The run directories below `dirs` that are runs of `p`'s cells (recognised by the SHA-256
/// of the script they ran) and of its seeds; the first found wins for a cell and seed. Also
/// returns how many run directories were not of this sweep.
pub fn collect(p: &Prepared, dirs: &[PathBuf]) -> Result<(Vec<Found>, usize), Failure> {
    let shas: Vec<String> = p
        .cells
        .iter()
        .map(|c| {
            if p.file.quick {
                let t = touchstone_core::scenario::to_toml(&c.scenario.quick());
                touchstone_core::rundir::sha256_hex(t.as_bytes())
            } else {
                c.sha256.clone()
            }
        })
        .collect();
    let mut found: Vec<Found> = Vec::new();
    let mut foreign = 0;
    for d in run_dirs(dirs)? {
        let Ok(r) = touchstone_reports::sweep::read_record(&d) else {
            foreign += 1;
            continue;
        };
        let cell = shas.iter().position(|s| *s == r.scenario.sha256);
        match cell {
            Some(ci) if p.file.seeds.contains(&r.seed) => {
                if !found.iter().any(|f| f.cell == ci && f.seed == r.seed) {
                    found.push(Found { cell: ci, seed: r.seed, dir: d });
                }
            }
            _ => foreign += 1,
        }
    }
    found.sort_by_key(|f| (f.cell, f.seed));
    Ok((found, foreign))
}
