#!/usr/bin/env python3
"""A minimal null adapter over the protocol: the built-in `null` adapter's twin in Python, to
measure what the pipe costs. No chain: every submitted transaction commits at once.

    null_adapter.py [--wall] [--deferred] [--delay-ms N]

--wall       pace on the wall clock (default: virtual clock, as the built-in null adapter)
--deferred   deferred acks: submits are notifications, answered by no reply
--delay-ms   commit this long after submission (default 0)

Deliberately bare (no helper module, one dict per message) so that the figure is the
protocol's cost and not the template's.
"""

import json
import sys
import time
from collections import deque

dumps = json.JSONEncoder(separators=(",", ":")).encode
loads = json.loads


def main(argv):
    wall = "--wall" in argv
    deferred = "--deferred" in argv
    delay = 0
    if "--delay-ms" in argv:
        delay = int(float(argv[argv.index("--delay-ms") + 1]) * 1_000_000)
    start = time.monotonic_ns()
    vnow = 0
    pending = deque()  # (commit time, tx id)
    height = 0
    out = sys.stdout
    write = out.write

    def now():
        return time.monotonic_ns() - start if wall else vnow

    def commit_due(horizon):
        nonlocal height
        done = []
        while pending and pending[0][0] <= horizon:
            at, tx = pending.popleft()
            height += 1
            done.append({"tx": tx, "status": "committed", "height": height, "at": at})
        if done:
            write(dumps({"event": "outcomes", "outcomes": done}) + "\n")
        return bool(done)

    for line in sys.stdin:
        msg = loads(line)
        method = msg["method"]
        params = msg.get("params") or {}
        if method == "submit":
            t = now()
            for tx in params["txs"]:
                pending.append((t + delay, tx["tx"]))
            if "id" not in msg:
                continue
            result = {"acks": [{"tx": tx["tx"], "accepted": True} for tx in params["txs"]], "now": t}
        elif method == "advance":
            until = params["until"]
            if wall:
                while True:
                    t = now()
                    if commit_due(t) or t >= until:
                        break
                    wake = min(until, pending[0][0]) if pending else until
                    time.sleep(max(0, wake - t) / 1e9)
            else:
                # Virtual: jump to the first commit due, or to the deadline.
                if pending and pending[0][0] <= until:
                    vnow = max(vnow, pending[0][0])
                    commit_due(vnow)
                else:
                    vnow = max(vnow, until)
            result = {"now": now()}
        elif method == "hello":
            result = {
                "protocol": 1,
                "identity": {"name": "python-null", "version": "0.1.0", "system": "no chain"},
                "capabilities": {
                    "operations": ["transfer", "issue", "redeem", "batch", "admin"],
                    "faults": [],
                    "finality": {"description": "commits at once (no chain)", "required_share": 1.0,
                                 "confirmation_depth": 0},
                    "virtual_time": not wall,
                    "acks": "deferred" if deferred else "sync",
                },
                "system": {"protocol": "none", "validators": []},
                "now": now(),
            }
        elif method == "snapshot":
            result = {"snapshots": [], "now": now()}
        else:  # prepare, shutdown
            result = {"now": now()}
        write(dumps({"id": msg["id"], "result": result}) + "\n")
        out.flush()
        if method == "shutdown":
            return


if __name__ == "__main__":
    main(sys.argv[1:])
