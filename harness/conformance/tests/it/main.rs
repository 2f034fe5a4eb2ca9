//! Integration tests of touchstone-conformance: an honest toy chain passes every clause, and
//! each deliberately broken one fails the clause it breaks.

mod broken;
mod meta;
mod toy_chain;
