//! Integration tests of the `simplex` adapter. The `slow_simplex_*` tests start real validator
//! processes on 127.0.0.1 (they need `scripts/build-simplex-node.sh` to have run, and fail saying
//! so otherwise); every process they start is killed when they end.

mod conformance;
mod faults;
mod lifecycle;
mod runs;
mod support;
