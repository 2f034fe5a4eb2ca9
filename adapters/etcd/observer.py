"""Observed consensus: what each member has applied, read from that member alone.

Every `interval`, per member: its status (revision, raft term, leader) and, when its revision
moved, the payments it applied since (a serializable range over `tx/` at its own revision: a
`tx/<id>` key is written once, by its payment, so its mod revision is the revision that applied
it). Each revision becomes one observed decision (trace format resolution 11):

    cons.decide node=<member> height=<revision> round=<raft term seen> block=<digest>
                parent=<digest of revision-1> txs=[payments applied at that revision]
                [app_hash=<hashkv of the keyspace at that revision>, every `hash_every` revisions]

without a cert (etcd does not expose who acknowledged an entry). The block digest covers the
revision and the payments it applied, so members that applied different payments at one
revision disagree (`agreement`); `app_hash` (etcd's own HashKV, per member, at the same
checkpoint revisions) compares their whole keyspace (`state_agreement`). A change of leader or
term seen by a member is a `cons.step` (`leader` or `follower`, round = term).
"""

import hashlib
import threading

from etcd_client import EtcdError, Ambiguous, Unreachable, hashkv, prefix_end, revision_of, unb64


class Observer:
    def __init__(self, adapter, member, member_id, start, hash_every, etcdctl):
        self.adapter = adapter
        self.member = member
        self.id = member_id  # decimal, as the status answer names members
        self.last = start - 1  # the last revision observed
        self.last_block = None
        self.seen = None  # (leader, term) last seen
        self.hash_every = hash_every
        self.etcdctl = etcdctl
        self.lock = threading.Lock()
        self.decided = 0

    def poll(self):
        """One look at the member; False when it did not answer."""
        with self.lock:
            try:
                status = self.member.status()
            except (Unreachable, Ambiguous, EtcdError):
                return False
            rev = revision_of(status)
            term = int(status.get("raftTerm") or status["header"].get("raft_term", 0))
            leader = status.get("leader", "0")
            if (leader, term) != self.seen:
                self.seen = (leader, term)
                step = "leader" if leader == self.id else "follower"
                self.adapter.trace("cons.step", node=self.member.name, height=rev, round=term, step=step)
                self.adapter.leader_seen(term, leader)
            if rev > self.last:
                try:
                    self._observe(self.last + 1, rev, term)
                except (Unreachable, Ambiguous, EtcdError):
                    return False
            return True

    def _observe(self, lo, hi, term):
        answer = self.member.range("tx/", prefix_end("tx/"), revision=hi, serializable=True,
                                   min_mod_revision=lo)
        by_rev = {}
        for kv in answer.get("kvs", []):
            by_rev.setdefault(int(kv["mod_revision"]), []).append((unb64(kv["key"]), unb64(kv.get("value"))))
        for h in range(lo, hi + 1):
            applied = sorted(by_rev.get(h, []))
            digest = hashlib.sha256(("%d|" % h).encode())
            for key, value in applied:
                digest.update(("%s=%s;" % (key, value)).encode())
            block = digest.hexdigest()[:16]
            fields = {"node": self.member.name, "height": h, "round": term, "block": block,
                      "txs": [key[len("tx/"):] for key, _ in applied]}
            if self.last_block is not None:
                fields["parent"] = self.last_block
            if self.hash_every and h % self.hash_every == 0:
                app_hash = hashkv([self.member.url], h, self.etcdctl).get(self.member.url)
                if app_hash is not None:
                    fields["app_hash"] = app_hash
            self.adapter.trace("cons.decide", **fields)
            self.last_block, self.last = block, h
            self.decided += 1


class Observers:
    """One thread per member, each polling its observer (a paused member stalls only its own)."""

    def __init__(self, observers, interval):
        self.observers = observers
        self.interval = interval
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for o in self.observers:
            t = threading.Thread(target=self._run, args=(o,), name="observe-" + o.member.name,
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def _run(self, o):
        while not self.stopping.wait(self.interval):
            o.poll()

    def catch_up(self, skip=()):
        """A final look at every member not in `skip` (before a snapshot or the end)."""
        for o in self.observers:
            if o.member.name not in skip:
                o.poll()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=10)
