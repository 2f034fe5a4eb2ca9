//! Integration tests of the Ethereum adapter. `slow_anvil_*` tests run against a real anvil that
//! each test starts on 127.0.0.1 on a free port (killed on drop, also on panic). Without anvil
//! they fail and say how to install it: `scripts/install-anvil.sh`.

mod conformance;
mod support;

mod bad_input;
mod chain;
mod engine_run;
mod faults;
mod saturation;
mod scenarios;
