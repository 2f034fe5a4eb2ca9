#!/usr/bin/env python3
"""Touchstone's etcd adapter: a child process speaking the adapter protocol
(docs/adapter-protocol.md), standard library only, driving a real etcd 3.4 Raft cluster.

    scripts/etcd-cluster.py start
    touchstone run scenarios/etcd-payment.toml --adapter process --adapter-config adapters/etcd/adapter.toml
    scripts/etcd-cluster.py stop

Payments are etcd transactions on balance keys (bank.py); faults act on the members' processes
and, through Touchstone's network fault proxy, on their peer links (faults.py); each member's
applied revisions are recorded as observed decisions (observer.py). See README.md.
"""

import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "process-adapter"))

from touchstone_protocol import Adapter, Refusal, log, serve  # noqa: E402

import bank  # noqa: E402
from etcd_client import (Ambiguous, EtcdError, Member, Unreachable, hashkv, kvs_of,  # noqa: E402
                         prefix_end, revision_of)
from faults import Cluster  # noqa: E402
from observer import Observer, Observers  # noqa: E402

VERSION = "0.1.0"
DEFAULT_CLUSTER = os.path.join(os.environ.get("TOUCHSTONE_ETCD_DIR", "/tmp/touchstone-etcd"), "cluster.json")


class EtcdAdapter(Adapter):
    def __init__(self):
        super().__init__(virtual=False)
        self.cluster = None
        self.members = {}
        self.ids = {}
        self.bank = None
        self.observers = None
        self.leaders = set()  # (term, leader id) seen by any member
        self.notes = 0
        self.etcd_version = "?"

    def note(self, text):
        """A line of the log (the first few; then counted)."""
        self.notes += 1
        if self.notes <= 20:
            log("etcd adapter: " + text)

    def leader_seen(self, term, leader):
        if leader not in ("0", ""):
            self.leaders.add((term, leader))

    # -- handshake ----------------------------------------------------------------------------

    def hello(self, params):
        s = params.get("settings", {})
        self.settings = s
        path = os.environ.get("TOUCHSTONE_ETCD_CLUSTER") or s.get("cluster") or DEFAULT_CLUSTER
        try:
            with open(path) as f:
                cluster = json.load(f)
        except OSError as e:
            raise Refusal("connect", "no etcd cluster description at %s (%s): start one with "
                          "scripts/etcd-cluster.py start" % (path, e.strerror))
        timeout = float(s.get("request_timeout_s", 1.0))
        self.members = {m["name"]: Member(m["name"], m["client"], timeout) for m in cluster["members"]}
        self.ids = {m["name"]: str(int(m["id"], 16)) for m in cluster["members"]}
        self.cluster = Cluster(cluster, params["scenario"].get("default_link"),
                               s.get("partition_mode", "hold"), self.note)
        for what in self.cluster.recover():
            log("etcd adapter: found the cluster as an earlier run left it: %s" % what)
        versions = set()
        for m in self.members.values():
            try:
                versions.add(m.status()["version"])
            except (Unreachable, Ambiguous, EtcdError) as e:
                raise Refusal("connect", "member %s does not answer: %s" % (m.name, e))
        self.etcd_version = ",".join(sorted(versions))
        names = sorted(self.members)
        return {
            "identity": {"name": "touchstone-etcd-adapter", "version": VERSION, "vendor": "Touchstone",
                         "system": "etcd %s" % self.etcd_version},
            "capabilities": {
                "operations": ["transfer"],
                "faults": ["crash", "restart", "pause", "resume", "partition", "heal", "link"],
                "consensus_events": True,
                "state_reads": True,
                "finality": {"description": "acknowledged by etcd: in the Raft log of a majority "
                                            "and applied by the member that answered",
                             "required_share": 0.5, "confirmation_depth": 0},
                "virtual_time": False,
                # Submitting only queues the payment; refusals come as outcomes. Deferred acks
                # spare the harness a round trip per payment.
                "acks": "deferred",
            },
            "system": self._system(names),
        }

    def _system(self, names):
        details = {
            "etcd_version": self.etcd_version,
            "topology": "%d etcd members on 127.0.0.1, peer links through the network fault proxy"
                        % len(names),
            "consensus_observed": "per member: applied revisions (serializable reads), status, HashKV",
        }
        if self.leaders:
            details["leader_terms_observed"] = str(len(self.leaders))
            details["raft_terms"] = ",".join(str(t) for t in sorted({t for t, _ in self.leaders}))
        if self.bank is not None:
            details["payment_retries"] = str(self.bank.retries)
            details["payment_conflicts"] = str(self.bank.conflicts)
        return {"protocol": "raft", "validators": [{"id": n, "power": 1} for n in names],
                "quorum": {"num": 1, "den": 2}, "details": details}

    # -- genesis ---------------------------------------------------------------------------------

    def prepare(self, params):
        genesis = params["genesis"]
        for asset, policy in genesis["assets"]:
            if policy is not None:
                raise Refusal("unsupported", "etcd holds plain balances only (asset %s has a policy)" % asset)
        leader = self.settings.get("initial_leader", "n0")
        if leader:
            self._make_leader(leader)
        m = self._any_member()
        try:
            start = revision_of(m.delete_all())
            for ops in bank.genesis_puts(genesis["balances"]):
                m.txn([], ops)
        except (Unreachable, Ambiguous, EtcdError) as e:
            raise Refusal("call", "genesis on %s failed: %s" % (m.name, e))
        s = self.settings
        etcdctl = shutil.which("etcdctl") or "etcdctl"
        hash_every = int(s.get("hash_every", 100))
        self.observers = Observers([Observer(self, m, self.ids[n], start, hash_every, etcdctl)
                                    for n, m in sorted(self.members.items())],
                                   float(s.get("poll_interval_s", 0.1)))
        self.observers.start()
        self.bank = bank.Bank(self, self.members, int(s.get("workers", 32)))
        self.bank.down = self.cluster.unavailable()
        self.bank.start(int(params.get("seed", 0)))
        return {}

    def _make_leader(self, name):
        """Hands leadership to member `name` (so a scenario can aim a fault at the leader by
        name); the trace's cons.step lines show who led when."""
        if name not in self.members:
            raise Refusal("config", "initial_leader %r is not a member (%s)" % (name, ", ".join(sorted(self.members))))
        target = self.ids[name]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                leader = self.members[name].status().get("leader")
                if leader == target:
                    return
                current = next((n for n, i in self.ids.items() if i == leader), None)
                if current is not None:
                    self.members[current].post("/v3/maintenance/transfer-leadership", {"targetID": target})
            except (Unreachable, Ambiguous, EtcdError) as e:
                self.note("moving leadership to %s: %s" % (name, e))
            time.sleep(0.2)
        raise Refusal("call", "could not make %s the leader within 10 s" % name)

    def _any_member(self):
        for n in sorted(self.members):
            if n not in self.cluster.unavailable():
                return self.members[n]
        raise Refusal("call", "no member is up")

    # -- load ------------------------------------------------------------------------------------

    def submit(self, tx):
        if tx["op"]["op"] != "transfer":
            return {"accepted": False, "reason": "MALFORMED"}
        self.bank.submit(tx)
        return {"accepted": True}

    # `advance` is the protocol library's: wait until an outcome is gathered or the deadline.

    # -- faults ------------------------------------------------------------------------------------

    def fault(self, action):
        kind, c = action["action"], self.cluster
        t0 = self.clock.now()
        if kind == "crash":
            c.crash(action["nodes"])
        elif kind == "restart":
            c.restart(action["nodes"])
        elif kind == "pause":
            c.pause(action["nodes"])
        elif kind == "resume":
            c.resume(action["nodes"])
        elif kind == "partition":
            c.partition(action["groups"])
        elif kind == "heal":
            c.heal()
        elif kind == "link":
            c.link(action["nodes"], action.get("to") or [], action["link"])
        else:
            raise Refusal("not_supported", "the etcd adapter cannot inject %s" % kind)
        self.bank.down = c.unavailable()
        self.note("%s %s took %.1f ms" % (kind, action.get("nodes") or action.get("groups") or "",
                                           (self.clock.now() - t0) / 1e6))
        return {"effective_ns": self.clock.now()}

    # -- state -----------------------------------------------------------------------------------

    def snapshot(self, accounts):
        """Every reachable member's balances and HashKV at one revision: the lowest any of them
        has reached (after the load they agree, and each is read alone, serializable)."""
        down = self.cluster.unavailable()
        self.observers.catch_up(skip=down)
        up = {}
        for n, m in sorted(self.members.items()):
            if n in down:
                continue
            try:
                up[n] = revision_of(m.status())
            except (Unreachable, Ambiguous, EtcdError):
                continue
        if not up:
            return []
        rev = min(up.values())
        wanted = set(accounts)
        snaps = []
        for n in sorted(up):
            m = self.members[n]
            try:
                answer = m.range("bal/", prefix_end("bal/"), revision=rev, serializable=True)
            except (Unreachable, Ambiguous, EtcdError):
                continue
            balances = {}
            for key, (value, _) in kvs_of(answer).items():
                _, account, asset = key.split("/", 2)
                if account in wanted:
                    balances.setdefault(account, {})[asset] = int(value)
            snap = {"node": n, "height": rev, "balances": balances}
            h = hashkv([m.url], rev, shutil.which("etcdctl") or "etcdctl").get(m.url)
            if h is not None:
                snap["app_hash"] = h
            snaps.append(snap)
        return snaps

    def shutdown(self):
        if self.bank is not None:
            self.bank.stop()
        if self.cluster is not None:
            self.cluster.restore()
        if self.observers is not None:
            self.observers.catch_up()
            self.observers.stop()
        if self.notes > 20:
            log("etcd adapter: %d more notes" % (self.notes - 20))
        return {"system": self._system(sorted(self.members))}


if __name__ == "__main__":
    # Many threads (payment workers, observers) share one interpreter: hand the lock over
    # often, so the protocol loop answers the harness promptly.
    sys.setswitchinterval(0.0005)
    serve(EtcdAdapter())
