//! The report's cross-chain section: settlement times and the fate of every transfer and DvP
//! pair, from the checker's `xchain` section of a multi-chain trace (so a report re-made from the
//! trace alone says the same).

use crate::input::RunInput;
use crate::model::{PairRow, XchainView};

/// Rows of pending transfers and unsettled pairs listed by name (the counts cover all).
const LISTED: usize = 20;
/// Pairs in the full table.
const PAIR_ROWS: usize = 2000;

/// The run's cross-chain view, when its trace had bridge transfers or DvP pairs.
pub fn view(r: &RunInput) -> Option<XchainView> {
    let x = r.check.as_ref()?.xchain.as_ref()?;
    let mut latencies_ns = settlement_times(x);
    latencies_ns.sort_unstable();
    let mut pairs: Vec<(String, usize)> =
        ["settled", "refunded", "stuck", "broken"].iter().map(|s| (s.to_string(), 0)).collect();
    for d in &x.dvp {
        match pairs.iter_mut().find(|p| p.0 == d.state) {
            Some(p) => p.1 += 1,
            None => pairs.push((d.state.clone(), 1)),
        }
    }
    let pending = x
        .transfers
        .iter()
        .filter(|t| t.state != "settled")
        .take(LISTED)
        .map(|t| {
            format!(
                "{} {} {} {} from {} to {}",
                t.xfer, t.op, t.amount, t.asset, t.from_chain, t.to_chain
            )
        })
        .collect();
    let unsettled_pairs = x
        .dvp
        .iter()
        .filter(|d| d.state != "settled")
        .take(LISTED)
        .map(|d| format!("{} {}: {}", d.dvp, d.state, d.legs.join(", ")))
        .collect();
    let pair_rows = x
        .dvp
        .iter()
        .take(PAIR_ROWS)
        .map(|d| PairRow {
            dvp: d.dvp.clone(),
            state: d.state.clone(),
            legs: d.legs.join(", "),
            latency_ns: d.latency_ns,
        })
        .collect();
    Some(XchainView {
        run: r.label.clone(),
        bound_ns: x.settlement_bound_ns,
        transfers: x.transfers.len(),
        settled: x.transfers.iter().filter(|t| t.state == "settled").count(),
        latencies_ns,
        pairs,
        pending,
        unsettled_pairs,
        pair_rows,
    })
}

/// Every settlement time the checker measured: settled transfers and settled DvP pairs.
pub fn settlement_times(x: &touchstone_check::XchainInfo) -> Vec<u64> {
    let transfers = x.transfers.iter().filter_map(|t| t.latency_ns);
    transfers.chain(x.dvp.iter().filter_map(|d| d.latency_ns)).collect()
}

/// The `q`-quantile (nearest rank) of sorted values.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&v, 1.0), Some(100));
        assert_eq!(quantile(&[7], 0.99), Some(7));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
