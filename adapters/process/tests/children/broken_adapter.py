#!/usr/bin/env python3
"""The template adapter with one flaw, for the tests of the process adapter and of the
conformance kit: each must be caught, naming what broke.

    broken_adapter.py FLAW [--virtual]

FLAW:
  double      reports every commit twice
  lose        never reports every third commit
  clock-back  every 50th reading of its clock is 1 ms earlier than the truth
  garbage     writes a line that is not JSON before its 3rd advance reply
  hang        stops answering at its 3rd advance
  exit        exits with status 3 at its 3rd advance, saying why on stderr
  wrong-id    answers its 3rd advance with the id of the request before
  bad-trace   sends a tx.result trace line (which only the harness writes) with its first block
  version     speaks protocol 2
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "examples", "process-adapter"))

import touchstone_protocol  # noqa: E402
from template_adapter import TemplateAdapter  # noqa: E402

# Which advance misbehaves (garbage, hang, exit, wrong-id).
NTH = 3


class Broken(TemplateAdapter):
    def __init__(self, flaw, virtual):
        super().__init__(virtual)
        self.flaw = flaw
        self.commits = 0
        self.advances = 0
        self.readings = 0
        if flaw == "clock-back":
            true_now = self.clock.now

            def now():
                self.readings += 1
                t = true_now()
                return max(0, t - 1_000_000) if self.readings % 50 == 0 else t

            self.clock.now = now

    def hello(self, params):
        r = super().hello(params)
        if self.flaw == "version":
            r["protocol"] = 2
        return r

    def committed(self, tx, height, at=None, node=None):
        self.commits += 1
        if self.flaw == "lose" and self.commits % 3 == 0:
            return
        super().committed(tx, height, at, node)
        if self.flaw == "double":
            super().committed(tx, height, at, node)

    def _block(self):
        made = super()._block()
        if made and self.flaw == "bad-trace":
            self.trace("tx.result", tx="t0", status="committed", height=1)
        return made

    def advance(self, until):
        self.advances += 1
        if self.advances == NTH:
            if self.flaw == "garbage":
                sys.stdout.write("this is not json\n")
                sys.stdout.flush()
            elif self.flaw == "hang":
                time.sleep(3600)
            elif self.flaw == "exit":
                print("broken adapter: giving up on purpose", file=sys.stderr, flush=True)
                sys.exit(3)
        super().advance(until)


_real_reply = touchstone_protocol._reply


def _reply(adapter, rid, result=None, error=None):
    if getattr(adapter, "flaw", None) == "wrong-id" and adapter.advances == NTH and result is not None:
        adapter.advances += 1
        rid -= 1
    _real_reply(adapter, rid, result, error)


touchstone_protocol._reply = _reply


def main(argv):
    touchstone_protocol.serve(Broken(argv[0], virtual="--virtual" in argv))


if __name__ == "__main__":
    main(sys.argv[1:])
