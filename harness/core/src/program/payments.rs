//! The default program: transfers (and issues / redeems) drawn from the workload's mix.

use super::{Next, Program, ProgramTx};

use crate::ledger::Genesis;
use crate::scenario::WorkloadSpec;
use crate::seed::Seed;
use crate::time::Nanos;
use crate::workload::OpGenerator;

#[derive(Debug)]
pub struct PaymentsProgram {
    gen: OpGenerator,
    genesis: Genesis,
    ops: Vec<crate::ledger::OpKind>,
}

impl PaymentsProgram {
    pub fn new(w: &WorkloadSpec, seed: Seed) -> Self {
        let gen = OpGenerator::new(w, seed);
        let mut genesis = Genesis {
            assets: w.assets.iter().map(|a| (a.id.clone(), None)).collect(),
            ..Default::default()
        };
        for asset in &w.assets {
            if asset.initial_balance > 0 {
                for acct in gen.account_names() {
                    genesis.balances.push((acct.clone(), asset.id.clone(), asset.initial_balance));
                }
            }
        }
        use crate::ledger::OpKind;
        let ops =
            [("transfer", OpKind::Transfer), ("issue", OpKind::Issue), ("redeem", OpKind::Redeem)]
                .into_iter()
                .filter(|(k, _)| w.mix.get(*k).is_some_and(|w| *w > 0.0))
                .map(|(_, o)| o)
                .collect();
        PaymentsProgram { gen, genesis, ops }
    }
}

impl Program for PaymentsProgram {
    fn name(&self) -> &'static str {
        "payments"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn operations(&self) -> Vec<crate::ledger::OpKind> {
        self.ops.clone()
    }

    #[inline]
    fn next(&mut self, _phase: usize, _now: Nanos) -> Next {
        let (op, nonce) = self.gen.draw();
        Next::Send(Box::new(ProgramTx::plain(op, nonce)))
    }
}
