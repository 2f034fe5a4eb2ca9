#!/usr/bin/env python3
"""Streams a trace at the pace of its own clock: each line is written when its `t_ns` is due
(counted from the first line), so a simulated run can feed `touchstone monitor` as a live network
would. Standard library only.

    touchstone run scenario.toml --out run
    scripts/stream-trace.py run/trace.jsonl | touchstone monitor --trace -
    scripts/stream-trace.py run/trace.jsonl --speed 10   # ten times faster
"""
import argparse
import json
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("trace", help="a trace file (JSON Lines)")
    p.add_argument("--speed", type=float, default=1.0, help="time factor (default 1: real time)")
    a = p.parse_args()
    if a.speed <= 0:
        p.error("--speed must be positive")
    start = time.monotonic()
    out = sys.stdout
    try:
        with open(a.trace, encoding="utf-8") as f:
            for line in f:
                try:
                    t = json.loads(line).get("t_ns", 0) / 1e9 / a.speed
                except (ValueError, AttributeError):
                    t = 0  # a bad line goes out at once: the monitor counts it
                wait = start + t - time.monotonic()
                if wait > 0:
                    out.flush()
                    time.sleep(wait)
                out.write(line)
        out.flush()
    except BrokenPipeError:
        return 0  # the monitor stopped first
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
