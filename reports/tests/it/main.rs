//! Integration tests of touchstone-reports (one binary, see STYLE.md).
//!
//! Golden files: `tests/golden/report.json` is the report of the committed fixture run
//! `tests/data/run1/`. Regenerate deliberately with
//! `TOUCHSTONE_UPDATE_GOLDEN=1 cargo test -p touchstone-reports --test it golden`, and review the diff.
//! The fixture itself is regenerated (rarely) with `TOUCHSTONE_UPDATE_FIXTURE=1`.

mod chromium;
mod golden;
mod html;
mod inputs;
mod measures;
mod outputs;
mod scoring;
mod support;
mod tamper;
mod xchain;
