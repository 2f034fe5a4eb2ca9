#!/usr/bin/env python3
"""A template Touchstone adapter in Python (standard library only) that passes the
conformance kit:

    touchstone adapter-test --adapter process --adapter-config examples/process-adapter/template.toml

It drives a toy chain that lives in this process: one validator `n0`, a block every 10 ms,
transfers checked against balances and the harness's nonces, pause/resume and crash/restart.
To adapt it to your chain, keep the shape and replace `ToyChain` with calls to your nodes:
`submit` sends a transaction and returns at once; `advance` waits (on your chain's events or by
polling) until the deadline or a commit; `snapshot` reads balances; `fault` kills, pauses or
isolates your nodes. Everything it writes to stdout is protocol; log to stderr.

Options: --virtual   the chain runs on a virtual clock (time moves only in `advance`), which
                     makes the conformance kit run in a second or two instead of a minute.
"""

import hashlib
import sys

from touchstone_protocol import Adapter, Refusal, log, serve

BLOCK_NS = 10_000_000
NODE = "n0"


class ToyChain:
    """An in-memory ledger standing in for your chain."""

    def __init__(self):
        self.height = 0
        self.balances = {}
        self.last_nonce = {}
        self.pool = []  # (tx id, from, to, asset, amount)
        self.paused = False
        self.crashed = False
        self.last_block = None

    def fund(self, account, asset, amount):
        key = (account, asset)
        self.balances[key] = self.balances.get(key, 0) + amount

    def balance(self, account, asset):
        return self.balances.get((account, asset), 0)

    def app_hash(self):
        h = hashlib.sha256()
        for (account, asset), amount in sorted(self.balances.items()):
            h.update(("%s/%s=%d;" % (account, asset, amount)).encode())
        return h.hexdigest()[:16]


class TemplateAdapter(Adapter):
    def __init__(self, virtual):
        super().__init__(virtual)
        self.chain = ToyChain()

    # -- handshake and genesis -------------------------------------------------------------

    def hello(self, params):
        log("template adapter: scenario %s, %s clock" % (
            params["scenario"]["name"], "virtual" if self.clock.virtual else "wall"))
        return {
            "identity": {"name": "template-adapter", "version": "0.1.0",
                         "vendor": "Touchstone example", "system": "in-process toy chain"},
            "capabilities": {
                "operations": ["transfer"],
                "faults": ["crash", "restart", "pause", "resume"],
                "consensus_events": True,
                "state_reads": True,
                "finality": {"description": "one block of the single validator",
                             "required_share": 1.0, "confirmation_depth": 0},
                "virtual_time": self.clock.virtual,
                "acks": "sync",
            },
            "system": {"protocol": "toy", "validators": [{"id": NODE, "power": 1}],
                       "details": {"toy_chain_version": "1"}},
        }

    def prepare(self, params):
        genesis = params["genesis"]
        for _asset, policy in genesis["assets"]:
            if policy is not None:
                raise Refusal("unsupported", "the toy chain holds plain cash only (no policies)")
        for account, asset, amount in genesis["balances"]:
            self.chain.fund(account, asset, amount)
        return {}

    # -- load --------------------------------------------------------------------------------

    def submit(self, tx):
        chain = self.chain
        if chain.crashed:
            return {"accepted": False, "reason": "OTHER"}
        op = tx["op"]
        if op["op"] != "transfer":
            return {"accepted": False, "reason": "MALFORMED"}
        nonce = tx.get("nonce")
        if nonce is not None:
            last = chain.last_nonce.get(op["from"])
            if last is not None and nonce <= last:
                return {"accepted": False, "reason": "BAD_NONCE"}
            chain.last_nonce[op["from"]] = nonce
        chain.pool.append((tx["tx"], op["from"], op["to"], op["asset"], op["amount"]))
        return {"accepted": True, "via": NODE}

    def advance(self, until):
        if self.clock.virtual:
            self._advance_virtual(until)
        else:
            self._advance_wall(until)

    def _advance_virtual(self, until):
        now = self.clock.now()
        next_block = (now // BLOCK_NS + 1) * BLOCK_NS
        if next_block <= until:
            self.clock.advance_to(next_block)
            if self._block():
                return
        self.clock.advance_to(until)

    def _advance_wall(self, until):
        while True:
            now = self.clock.now()
            if now >= until:
                return
            if self.chain.last_block is None:
                self.chain.last_block = now
            next_block = self.chain.last_block + BLOCK_NS
            if next_block <= now:
                self.chain.last_block = now
                if self._block():
                    return
                continue
            self.clock.sleep_until(min(until, next_block))

    def _block(self):
        """Commits the pool into one block; returns whether it reported outcomes."""
        chain = self.chain
        if chain.paused or chain.crashed or not chain.pool:
            return False
        chain.height += 1
        h = chain.height
        txs = []
        for tx, frm, to, asset, amount in chain.pool:
            if chain.balance(frm, asset) < amount:
                self.rejected(tx, "INSUFFICIENT_BALANCE", node=NODE)
                continue
            chain.fund(frm, asset, -amount)
            chain.fund(to, asset, amount)
            txs.append(tx)
            self.committed(tx, h, node=NODE)
        chain.pool = []
        block, parent = "b%d" % h, ("b%d" % (h - 1) if h > 1 else None)
        self.trace("cons.propose", node=NODE, height=h, round=0, block=block, parent=parent, txs=txs)
        self.trace("cons.vote", node=NODE, height=h, round=0, vtype="precommit", block=block)
        self.trace("cons.decide", node=NODE, height=h, round=0, block=block, parent=parent,
                   app_hash=chain.app_hash(), txs=txs, cert={"signers": [NODE]})
        return True

    # -- faults and state -----------------------------------------------------------------------

    def fault(self, action):
        kind, chain = action["action"], self.chain
        if kind == "pause":
            chain.paused = True
        elif kind == "resume":
            chain.paused = False
        elif kind == "crash":
            # The pool dies with the node: its transactions are refused, not lost.
            chain.crashed = True
            for tx, *_ in chain.pool:
                self.rejected(tx, "OTHER", node=NODE)
            chain.pool = []
        elif kind == "restart":
            chain.crashed = False
        else:
            raise Refusal("not_supported", "the toy chain cannot %s" % kind)
        return {}

    def snapshot(self, accounts):
        chain = self.chain
        assets = sorted({asset for (_, asset) in chain.balances})
        balances = {a: {s: chain.balance(a, s) for s in assets} for a in accounts}
        return [{"node": NODE, "height": chain.height, "app_hash": chain.app_hash(),
                 "balances": balances}]


def main(argv):
    serve(TemplateAdapter(virtual="--virtual" in argv))


if __name__ == "__main__":
    main(sys.argv[1:])
