//! Preparation: derive the run's accounts from its seed, fund each one from the funding key
//! (its initial balance plus a reserve for fees), wait until the funding is mined, record each
//! account's balance and nonce as the starting point of the measured run, sign the run's load
//! ahead (`presign.rs`), and start observing every endpoint from its current head.

use crate::adapter::EthereumAdapter;
use crate::chain::ChainView;
use crate::config::ReceiptMode;
use crate::errors::{protocol_error, rpc_error};
use crate::keys::{Address, Key};
use crate::names::NAME;
use crate::presign::{PresignedLoad, SignSpec};
use crate::rpc::{hex_quantity, quantity, RpcClient, RpcError};
use crate::shared::lock;
use crate::submit::SendAccount;
use crate::tx::Transfer;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use touchstone_core::adapter::{Adapter as _, AdapterError, Setup};

impl EthereumAdapter {
    pub(crate) fn fund(&mut self, setup: &Setup) -> Result<(), AdapterError> {
        if let Some(a) = setup.assets.iter().find(|a| a.id != self.cfg.asset) {
            return Err(AdapterError::Unsupported {
                adapter: NAME.into(),
                message: format!(
                    "asset {:?}: this adapter moves the chain's native coin, named {:?} (`asset` in {}); write assets = [\"{}\"] in the scenario",
                    a.id, self.cfg.asset, self.cfg.source, self.cfg.asset
                ),
            });
        }
        if setup.genesis.has_policies() {
            return Err(AdapterError::Unsupported { adapter: NAME.into(), message: "asset policies and identity (KYC) in the genesis: a plain chain cannot enforce them".into() });
        }
        let n = setup.accounts.len();
        // Starting balances: the genesis's when it lists them, else the asset's for everyone.
        let initial: Vec<u128> = if setup.genesis.balances.is_empty() {
            vec![setup.assets.first().map_or(0, |a| a.initial_balance); n]
        } else {
            let mut v = vec![0u128; n];
            for (acct, asset, amount) in &setup.genesis.balances {
                match setup.accounts.iter().position(|a| a == acct) {
                    Some(i) if asset == &self.cfg.asset => v[i] += amount,
                    _ => return Err(AdapterError::Unsupported { adapter: NAME.into(), message: format!("genesis balance of {acct} in {asset}: only the native coin {:?} of the accounts a0..", self.cfg.asset) }),
                }
            }
            v
        };
        let keys = Key::derive_all(setup.seed, n);
        self.addresses = keys.iter().map(|k| k.address).collect::<Vec<_>>().into();
        self.index = setup.accounts.iter().enumerate().map(|(i, a)| (a.clone(), i)).collect();
        self.names = setup.accounts.clone();
        let fee = self.fee_per_tx();
        let expected = self.expected_txs;
        let mut reserve_txs = self.cfg.gas_reserve_txs.unwrap_or(if self.skewed || n <= 1 {
            expected + 100
        } else {
            (2 * expected / n as u64 + 100).min(expected + 100)
        });

        let balances = self.read_quantities("eth_getBalance", &self.addresses.clone(), "latest")?;
        let nonces =
            self.read_quantities("eth_getTransactionCount", &self.addresses.clone(), "pending")?;
        let funder = self.cfg.funding_key.clone();
        let have = self.read_quantities("eth_getBalance", &[funder.address], "latest")?[0];
        let need = |reserve: u64| {
            (0..n)
                .map(|i| (initial[i] + reserve as u128 * fee).saturating_sub(balances[i]))
                .sum::<u128>()
                + n as u128 * fee
        };
        if need(reserve_txs) > have {
            // Shrink the reserve to what the funder can give, if that still leaves a useful one.
            let spare = have.saturating_sub(need(0));
            let affordable = (spare / (fee * n.max(1) as u128).max(1)) as u64;
            if affordable < 10 {
                return Err(AdapterError::Other {
                    adapter: NAME.into(),
                    message: format!(
                        "funding account {} at {} holds {have} wei; funding {n} accounts with their initial balances plus fees needs at least {} wei (set `funding_key` to a funded account)",
                        funder.address,
                        self.rpc.url(),
                        need(10)
                    ),
                });
            }
            reserve_txs = affordable.min(reserve_txs) * 9 / 10;
        }
        self.reserve_txs = reserve_txs;
        let target: Vec<u128> = initial.iter().map(|b| b + reserve_txs as u128 * fee).collect();
        self.initial = initial;

        // Fund, in nonce order, in batches.
        let mut nonce =
            self.read_quantities("eth_getTransactionCount", &[funder.address], "pending")?[0]
                as u64;
        let transfers: Vec<Transfer> = (0..n)
            .filter(|&i| balances[i] < target[i])
            .map(|i| {
                let t = Transfer {
                    chain_id: self.chain_id,
                    nonce,
                    to: self.addresses[i],
                    value: target[i] - balances[i],
                    fees: self.fees,
                };
                nonce += 1;
                t
            })
            .collect();
        self.funding = transfers.iter().map(|t| (t.nonce, t.sign(&funder).raw_hex())).collect();
        for (chunk, signed) in
            transfers.chunks(self.cfg.max_batch).zip(self.funding.chunks(self.cfg.max_batch))
        {
            let hexes: Vec<&str> = signed.iter().map(|(_, h)| h.as_str()).collect();
            let res = self
                .rpc
                .send_raw_batch(&hexes)
                .map_err(|e| rpc_error("eth_sendRawTransaction (funding)", e))?;
            if let Some((t, Err(e))) = chunk.iter().zip(&res).find(|(_, r)| r.is_err()) {
                return Err(rpc_error(
                    &format!("eth_sendRawTransaction (funding {} from {})", t.to, funder.address),
                    RpcError::Node(e.clone()),
                ));
            }
        }
        self.wait_mined(funder.address, nonce)?;

        // The measured run starts from a head whose state holds every funding (a node may
        // count a nonce as used a moment before the block that uses it can be read).
        let deadline = self.now() + self.cfg.prepare_timeout.as_nanos() as u64;
        let base = loop {
            let v = self
                .rpc
                .call("eth_blockNumber", json!([]))
                .map_err(|e| rpc_error("eth_blockNumber", e))?;
            let start = quantity(&v)
                .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
                as u64;
            let base = self.read_quantities(
                "eth_getBalance",
                &self.addresses.clone(),
                &hex_quantity(start as u128),
            )?;
            match (0..n).find(|&i| base[i] < target[i]) {
                None => break base,
                Some(i) if self.now() > deadline => {
                    return Err(AdapterError::Other {
                        adapter: NAME.into(),
                        message: format!(
                            "account {} ({}) holds {} wei after funding, expected at least {}: a funding transaction failed",
                            setup.accounts[i], self.addresses[i], base[i], target[i]
                        ),
                    })
                }
                Some(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        if self.cfg.receipts == ReceiptMode::Verify {
            self.check_no_code(&setup.accounts)?;
        }
        let shards = self.cfg.send_workers.max(1);
        let eps = self.nodes.len();
        let keys: Arc<[Key]> = keys.into();
        let accounts = keys
            .iter()
            .enumerate()
            .map(|(i, key)| SendAccount {
                key: key.clone(),
                next_nonce: nonces[i] as u64,
                resync: false,
                ep: (i / shards) % eps,
            })
            .collect();
        self.base_balance = base;
        self.presign(setup, keys, nonces.iter().map(|&n| n as u64).collect());
        lock(&self.shared).fees_paid = vec![0; n];
        self.start_senders(accounts)?;
        Ok(())
    }

    /// Signs the run's transfers ahead, when the scenario's program is known and foreseeable.
    fn presign(&mut self, setup: &Setup, keys: Arc<[Key]>, nonces: Vec<u64>) {
        let Some((workload, validators)) = self.workload.clone().filter(|_| self.cfg.presign)
        else {
            return;
        };
        let spec = SignSpec {
            workload,
            validators,
            seed: setup.seed,
            asset: self.cfg.asset.clone(),
            chain_id: self.chain_id,
            fees: self.fees,
            index: Arc::new(self.index.clone()),
            keys,
            addresses: self.addresses.clone(),
            nonces,
        };
        self.presigned = PresignedLoad::prepare(spec, self.expected_txs, self.cfg.presign_max);
    }

    /// Each endpoint's chain, to be observed from its head now.
    pub(crate) fn start_views(&self) -> Result<Vec<ChainView>, AdapterError> {
        let mut views = Vec::with_capacity(self.urls.len());
        for url in self.urls.iter() {
            let rpc = RpcClient::new(url, self.cfg.connect_timeout, self.cfg.http_timeout);
            let v = rpc
                .call("eth_blockNumber", json!([]))
                .map_err(|e| rpc_error("eth_blockNumber", e))?;
            let height = quantity(&v)
                .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
                as u64;
            let b = rpc
                .call("eth_getBlockByNumber", json!([hex_quantity(height as u128), false]))
                .map_err(|e| rpc_error("eth_getBlockByNumber", e))?;
            let hash = b.get("hash").and_then(Value::as_str).map(String::from);
            let mut v = ChainView::default();
            v.start_at(height, hash);
            views.push(v);
        }
        Ok(views)
    }

    /// The status of a transfer is taken from its block only if its recipient runs no code:
    /// the harness's accounts are fresh keys, and nobody else can give them code.
    fn check_no_code(&self, names: &[String]) -> Result<(), AdapterError> {
        for (chunk, who) in self.addresses.chunks(500).zip(names.chunks(500)) {
            let calls: Vec<(&str, Value)> =
                chunk.iter().map(|a| ("eth_getCode", json!([a.to_string(), "latest"]))).collect();
            let res = self.rpc.batch(&calls).map_err(|e| rpc_error("eth_getCode", e))?;
            for ((a, name), r) in chunk.iter().zip(who).zip(res) {
                let code = r.map_err(|e| rpc_error("eth_getCode", RpcError::Node(e)))?;
                if code.as_str().is_some_and(|c| c != "0x" && !c.is_empty()) {
                    return Err(AdapterError::Other {
                        adapter: NAME.into(),
                        message: format!("account {name} ({a}) has code on this chain: a transfer to it may run it, so its status cannot be taken from the block (set receipts = \"every\")"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Waits until `who`'s mined nonce reaches `nonce` (all its transactions are in blocks).
    pub(crate) fn wait_mined(&mut self, who: Address, nonce: u64) -> Result<(), AdapterError> {
        let deadline = self.now() + self.cfg.prepare_timeout.as_nanos() as u64;
        loop {
            let mined =
                self.read_quantities("eth_getTransactionCount", &[who], "latest")?[0] as u64;
            if mined >= nonce {
                return Ok(());
            }
            if self.now() > deadline {
                return Err(AdapterError::Other {
                    adapter: NAME.into(),
                    message: format!(
                        "funding transactions from {who} not mined within {:?} ({mined} of {nonce} nonces used) at {}: is the node mining?",
                        self.cfg.prepare_timeout,
                        self.rpc.url()
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `method(address, tag)` for every address, batched, parsed as quantities.
    pub(crate) fn read_quantities(
        &self,
        method: &str,
        who: &[Address],
        tag: &str,
    ) -> Result<Vec<u128>, AdapterError> {
        let mut out = Vec::with_capacity(who.len());
        for chunk in who.chunks(500) {
            let calls: Vec<(&str, Value)> =
                chunk.iter().map(|a| (method, json!([a.to_string(), tag]))).collect();
            for (a, r) in
                chunk.iter().zip(self.rpc.batch(&calls).map_err(|e| rpc_error(method, e))?)
            {
                let v = r.map_err(|e| rpc_error(method, RpcError::Node(e)))?;
                out.push(quantity(&v).ok_or_else(|| {
                    protocol_error(method, format!("for {a}: not a quantity: {v}"))
                })?);
            }
        }
        Ok(out)
    }
}
