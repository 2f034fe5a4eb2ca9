"""The Touchstone adapter protocol (docs/adapter-protocol.md, version 1), the child's side.

Standard library only. Subclass `Adapter`, override the methods you support, and call
`serve(MyAdapter())`. This module reads requests from stdin, calls your methods, writes the
replies and your events to stdout, and keeps stdout clean (log with `log(...)`, which writes to
stderr).
"""

import json
import sys
import threading
import time

PROTOCOL = 1


class Refusal(Exception):
    """Raise from a method to answer with an error object.

    code: "call", "connect", "config", "unsupported"; for `fault` also "not_supported"
    (the fault is not offered) and "failed" (tried and failed).
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def log(*parts):
    """The adapter's log: stderr (the harness forwards it and quotes it in errors)."""
    print(*parts, file=sys.stderr, flush=True)


class Clock:
    """Nanoseconds since `hello`: virtual (moves only when told) or the wall clock."""

    def __init__(self, virtual):
        self.virtual = virtual
        self._t = 0
        self._start = time.monotonic_ns()

    def now(self):
        return self._t if self.virtual else time.monotonic_ns() - self._start

    def advance_to(self, t):
        """Virtual clock: moves forward to `t` (never back)."""
        self._t = max(self._t, t)

    def sleep_until(self, t):
        """Wall clock: sleeps until `t` (returns at once if it has passed)."""
        left = t - self.now()
        if left > 0:
            time.sleep(left / 1e9)


class Adapter:
    """Override what your chain supports. Every handler returns the result object (a dict);
    the protocol layer adds `now` where the protocol wants it."""

    def __init__(self, virtual=True):
        self.clock = Clock(virtual)
        self._out = sys.stdout
        # Events may be gathered by any thread (a chain's observers); only the protocol loop
        # writes them, under this condition, which also wakes an `advance` waiting for one.
        self._events = threading.Condition()
        self._outcomes = []
        self._trace = []

    # -- events ------------------------------------------------------------------------------

    def committed(self, tx, height, at=None, node=None):
        self._outcome({"tx": tx, "status": "committed", "height": height}, at, node)

    def rejected(self, tx, reason, at=None, node=None):
        self._outcome({"tx": tx, "status": "rejected", "reason": reason}, at, node)

    def unknown(self, tx, at=None, node=None):
        self._outcome({"tx": tx, "status": "unknown"}, at, node)

    def _outcome(self, o, at, node):
        o["at"] = self.clock.now() if at is None else at
        if node is not None:
            o["node"] = node
        with self._events:
            self._outcomes.append(o)
            self._events.notify_all()

    def trace(self, kind, t_ns=None, **fields):
        """A trace line (trace format), e.g. trace("cons.decide", node="n0", height=3, ...)."""
        line = {"kind": kind, "t_ns": self.clock.now() if t_ns is None else t_ns}
        line.update(fields)
        with self._events:
            self._trace.append(line)

    def flush_events(self):
        """Writes the events gathered so far, one line each kind (batched)."""
        with self._events:
            trace, self._trace = self._trace, []
            outcomes, self._outcomes = self._outcomes, []
        if trace:
            self._write({"event": "trace", "lines": trace})
        if outcomes:
            self._write({"event": "outcomes", "outcomes": outcomes})

    def pending_outcomes(self):
        with self._events:
            return len(self._outcomes)

    def wait_for_outcome(self, until):
        """Wall clock: waits until an outcome is gathered (by any thread) or `until`."""
        with self._events:
            while not self._outcomes:
                left = until - self.clock.now()
                if left <= 0:
                    return
                self._events.wait(left / 1e9)

    def _write(self, obj):
        self._out.write(json.dumps(obj, separators=(",", ":")))
        self._out.write("\n")

    # -- the contract (override) ---------------------------------------------------------------

    def hello(self, params):
        raise NotImplementedError

    def prepare(self, params):
        return {}

    def submit(self, tx):
        """One transaction: return {"accepted": True} or {"accepted": False, "reason": CODE}."""
        raise Refusal("unsupported", "submit is not implemented")

    def advance(self, until):
        """Let the chain run until `until` or until an outcome was reported."""
        if self.clock.virtual:
            self.clock.advance_to(until)
        else:
            self.wait_for_outcome(until)

    def fault(self, action):
        raise Refusal("not_supported", "no faults")

    def snapshot(self, accounts):
        return []

    def precheck(self, tx):
        raise Refusal("call", "no precheck")

    def shutdown(self):
        """Restore what faults changed and release everything. May return {"system": {...}}
        with what was learnt during the run (shown in the report's disclosure)."""
        return {}


def _reply(adapter, rid, result=None, error=None):
    adapter.flush_events()
    msg = {"id": rid}
    if error is not None:
        msg["error"] = error
    else:
        msg["result"] = result
    adapter._write(msg)
    adapter._out.flush()


def _handle(adapter, method, params):
    now = adapter.clock.now
    if method == "hello":
        if params.get("protocol") != PROTOCOL:
            raise Refusal("config", "this child speaks protocol %d" % PROTOCOL)
        r = adapter.hello(params)
        r.setdefault("protocol", PROTOCOL)
        r["now"] = now()
        return r
    if method == "prepare":
        r = adapter.prepare(params) or {}
        r["now"] = now()
        return r
    if method == "submit":
        acks = []
        for tx in params["txs"]:
            a = dict(adapter.submit(tx))
            a["tx"] = tx["tx"]
            acks.append(a)
        return {"acks": acks, "now": now()}
    if method == "advance":
        adapter.advance(params["until"])
        return {"now": now()}
    if method == "fault":
        r = adapter.fault(params["action"]) or {}
        r["now"] = now()
        return r
    if method == "snapshot":
        return {"snapshots": adapter.snapshot(params["accounts"]), "now": now()}
    if method == "precheck":
        return adapter.precheck(params["tx"])
    if method == "shutdown":
        r = adapter.shutdown() or {}
        r["now"] = now()
        return r
    raise Refusal("call", "unknown method %r" % method)


def serve(adapter, stdin=None):
    """Answers requests until `shutdown` or the end of stdin (the harness is gone)."""
    stdin = stdin or sys.stdin
    for line in stdin:
        msg = json.loads(line)
        rid, method, params = msg.get("id"), msg["method"], msg.get("params") or {}
        if rid is None:
            # A notification: deferred submits. Refusals come later as rejected outcomes.
            for tx in params.get("txs", []):
                ack = adapter.submit(tx)
                if not ack.get("accepted"):
                    adapter.rejected(tx["tx"], ack["reason"])
            continue
        try:
            result = _handle(adapter, method, params)
        except Refusal as r:
            _reply(adapter, rid, error={"code": r.code, "message": r.message})
        else:
            _reply(adapter, rid, result=result)
        if method == "shutdown":
            return
