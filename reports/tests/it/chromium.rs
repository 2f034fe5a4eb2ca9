//! Opens report.html in headless Chromium (slow; CI installs Debian's `chromium`).

use super::support::*;
use std::process::Command;
use touchstone_reports::synth::Synth;

fn chromium() -> String {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return c.to_string();
        }
    }
    panic!("headless Chromium is required for this test: install Debian's `chromium` package (apt-get install -y chromium); the project's test script does");
}

fn run(bin: &str, args: &[String]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.path().display()));
    cmd.args(args);
    cmd.output().expect("chromium runs")
}

#[test]
fn slow_chromium_renders_report_html() {
    let bin = chromium();
    let (_t, dir) = synth_run(&Synth { fork_at: Some(8), ..Synth::small() });
    let r = score_dir(&dir, "regulator");
    touchstone_reports::write_reports(&dir, &r).unwrap();
    let url = format!("file://{}", dir.join("report.html").display());
    let out = run(&bin, &["--dump-dom".into(), url.clone()]);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(
        dom.contains("id=\"gates\"") && dom.contains("<svg"),
        "the DOM has the report: {}",
        &dom[..dom.len().min(500)]
    );
    let shown =
        r.verdict.headline.split_once(' ').map(|x| x.1).unwrap_or_default().replace('&', "&amp;");
    assert!(dom.contains(&shown), "headline rendered");
    let png = dir.join("report.png");
    let out = run(
        &bin,
        &[format!("--screenshot={}", png.display()), "--window-size=1200,2400".into(), url],
    );
    assert!(out.status.success(), "screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a non-trivial PNG");
    if let Some(keep) = std::env::var_os("TOUCHSTONE_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}
