"""The bank on etcd: balances and nonces as keys, a payment as one transaction.

Keys (all under the run's keyspace, wiped at `prepare`):
    bal/<account>/<asset>   the balance, a decimal integer
    nonce/<account>         the sender's last applied harness nonce, a decimal integer
    tx/<id>                 written by the payment itself: {"from","to","asset","amount","nonce"}

A payment reads the three keys it depends on (one read-only transaction), checks nonce and
balance, then commits a transaction that compares the mod revision of each key it read and
that `tx/<id>` does not exist yet — the textbook bank test — and puts the two balances, the
nonce and `tx/<id>`. A compare that fails means someone else moved first: it reads again and
retries. Because `tx/<id>` is part of the same transaction, a retry after an ambiguous answer
(a member killed mid-request) can never apply a payment twice, and "was it applied?" is one
read: so an outcome is reported `committed` only on proof, at the revision that applied it.
"""

import json
import queue
import random
import threading
import time
import zlib

from etcd_client import (Ambiguous, EtcdError, Unreachable, cmp_absent, cmp_mod, get, kvs_of, put,
                         revision_of)

# Back-off between attempts while no member takes the payment (leader election, partition).
BACKOFF_S = 0.02
MAX_BACKOFF_S = 0.5
# How long a member that failed a request is not used as an entry point.
SUSPECT_S = 3.0


def bal_key(account, asset):
    return "bal/%s/%s" % (account, asset)


def nonce_key(account):
    return "nonce/%s" % account


def tx_key(tx):
    return "tx/%s" % tx


class Bank:
    """Payments on a set of members, by a pool of workers (a sender's payments stay in order)."""

    def __init__(self, adapter, members, workers):
        self.adapter = adapter
        self.members = members  # name -> Member
        self.down = set()  # members the adapter crashed or paused: not used as entry points
        self.suspect = {}  # member -> until when it is not used (it failed a request)
        self.queues = [queue.Queue() for _ in range(workers)]
        self.stopping = threading.Event()
        self.threads = []
        self.retries = 0  # attempts that failed (member unreachable, timed out, errors)
        self.conflicts = 0  # attempts that lost a race (a compare failed)

    def start(self, seed):
        for i, q in enumerate(self.queues):
            t = threading.Thread(target=self._work, args=(q, random.Random(seed + i)),
                                 name="bank-%d" % i, daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self):
        self.stopping.set()
        for q in self.queues:
            q.put(None)
        for t in self.threads:
            t.join(timeout=5)

    def submit(self, tx):
        """Queues a payment on its sender's worker; the outcome is reported when proven."""
        frm = tx["op"]["from"]
        self.queues[zlib.crc32(frm.encode()) % len(self.queues)].put(tx)

    # -- the worker ------------------------------------------------------------------------------

    def _work(self, q, rng):
        while True:
            tx = q.get()
            if tx is None or self.stopping.is_set():
                return
            self._pay(tx, rng)

    def _entry(self, tx, rng):
        """Where to send a payment: `via` if it is usable, else any member neither down (crashed
        or paused by the adapter) nor suspect (it failed a request lately: isolated, slow)."""
        now = time.monotonic()
        names = sorted(self.members)
        usable = [n for n in names if n not in self.down and self.suspect.get(n, 0) <= now]
        if not usable:
            usable = [n for n in names if n not in self.down] or names
        via = tx.get("via")
        return self.members[via if via in usable else rng.choice(usable)]

    def _pay(self, tx, rng):
        backoff = BACKOFF_S
        fresh = False  # read through the leader (after a lost race, a local read may be stale)
        while not self.stopping.is_set():
            m = self._entry(tx, rng)
            try:
                if self._attempt(m, tx, fresh):
                    return
                # Someone moved first: at once again, on fresh data.
                self.conflicts += 1
                fresh = True
                continue
            except (Unreachable, Ambiguous, EtcdError) as e:
                # Nothing proven either way: try again, elsewhere first; the guard on tx/<id>
                # makes a second application impossible.
                self.suspect[m.name] = time.monotonic() + SUSPECT_S
                self.adapter.note("payment %s via %s: %s; retrying" % (tx["tx"], m.name, e))
            self.retries += 1
            time.sleep(backoff * (0.5 + rng.random()))
            backoff = min(MAX_BACKOFF_S, backoff * 2)

    def _read(self, m, keys, linearizable):
        """The keys' values and mod revisions, in one read-only transaction: served by `m`
        alone (serializable) or through the leader (linearizable)."""
        ops = [get(k) for k in keys]
        if not linearizable:
            for op in ops:
                op["request_range"]["serializable"] = True
        got = {}
        for r in m.txn([], ops).get("responses", []):
            got.update(kvs_of(r.get("response_range", {})))
        return got

    def _attempt(self, m, tx, fresh):
        """One read-check-commit round on member `m`; True when the outcome is reported.

        The read is served by `m` alone unless `fresh` (cheap, maybe stale): a stale read only
        makes the commit's compares fail and the round repeat. A refusal (nonce, balance) is
        final, so it is decided on a linearizable read."""
        op, txid, nonce = tx["op"], tx["tx"], tx.get("nonce")
        frm, to, asset, amount = op["from"], op["to"], op["asset"], op["amount"]
        keys = [bal_key(frm, asset), bal_key(to, asset), nonce_key(frm), tx_key(txid)]
        for linearizable in ((True,) if fresh else (False, True)):
            got = self._read(m, keys, linearizable)
            if keys[3] in got:
                # Applied by an earlier attempt whose answer was lost.
                self.adapter.committed(txid, got[keys[3]][1], node=m.name)
                return True
            (b_from, r_from) = got.get(keys[0], ("0", 0))
            (b_to, r_to) = got.get(keys[1], ("0", 0))
            (last, r_nonce) = got.get(keys[2], (None, 0))
            refusal = None
            if nonce is not None and last is not None and nonce <= int(last):
                refusal = "BAD_NONCE"
            elif int(b_from) < amount:
                refusal = "INSUFFICIENT_BALANCE"
            if refusal is None:
                break
            if linearizable:
                self.adapter.rejected(txid, refusal, node=m.name)
                return True
        compares = [cmp_mod(keys[0], r_from), cmp_mod(keys[2], r_nonce), cmp_absent(keys[3])]
        puts = []
        if frm == to:
            puts.append(put(keys[0], b_from))
        else:
            compares.append(cmp_mod(keys[1], r_to))
            puts += [put(keys[0], str(int(b_from) - amount)), put(keys[1], str(int(b_to) + amount))]
        if nonce is not None:
            puts.append(put(keys[2], str(nonce)))
        record = {"from": frm, "to": to, "asset": asset, "amount": amount, "nonce": nonce}
        puts.append(put(keys[3], json.dumps(record, separators=(",", ":"))))
        answer = m.txn(compares, puts, [get(keys[3])])
        if answer.get("succeeded"):
            self.adapter.committed(txid, revision_of(answer), node=m.name)
            return True
        for r in answer.get("responses", []):
            applied = kvs_of(r.get("response_range", {}))
            if keys[3] in applied:
                self.adapter.committed(txid, applied[keys[3]][1], node=m.name)
                return True
        return False  # someone moved first, or the read was stale: read again


def genesis_puts(balances):
    """The puts that set every starting balance, in transactions of at most 100 operations
    (etcd allows 128)."""
    ops = [put(bal_key(account, asset), str(amount)) for account, asset, amount in balances]
    return [ops[i:i + 100] for i in range(0, len(ops), 100)]
