//! SVG charts drawn with plotters' SVG backend into strings: L1 radar, L2 bars, throughput,
//! latency over time, latency CDF with reference lines, consensus timeline, and a sweep's
//! curves. Every chart has a title, axis labels with units and a legend; downsampled series say
//! so in the title.

mod draw;
mod run;
mod scores;
pub mod sweep;
mod xchain;

pub use draw::PALETTE;
pub use run::{cdf, consensus, latency_over_time, throughput};
pub use scores::{groups, radar};
pub use xchain::settlement_cdf;
