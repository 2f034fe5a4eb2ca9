//! Load generation: rate controllers (when) and the operation generator (what).

mod generator;
mod rate;

pub use generator::OpGenerator;
pub use rate::Schedule;
