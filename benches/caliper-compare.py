#!/usr/bin/env python3
"""Touchstone and Hyperledger Caliper against one anvil, at the same offered rates.

For each rate, each tool gets a fresh anvil 1.7.1 (--block-time 1 --gas-limit 300000000; Caliper
hangs against an automining anvil) and the same load: a 2-s warm-up, then DURATION seconds at
the rate. Afterwards the script counts on chain, itself, what each tool got included, and prints
one table: sent, reported committed, counted on chain, and harness CPU per transaction.

    scripts/install-anvil.sh
    benches/caliper-compare.py                         # rates 500,1000,2000,3000; 20 s each
    benches/caliper-compare.py --rates 1000,3000 --secs 10 --no-caliper

Touchstone: `touchstone run` (release build, built if missing) on a generated payment scenario
(2,000 accounts, native-coin transfers signed ahead), the anvil given as an external endpoint.
Sent = submitted; committed = reported in run.json; on chain = transactions in the chain's
blocks not sent by the funding account. CPU: the measured phases' CPU per committed transaction
(run.json -> adapter -> system -> details -> harness_cpu_per_committed_tx_us) and the whole
process's (harness_cost: preparation, i.e. funding and signing ahead, included).

Caliper: when installed (in tools/caliper, or --caliper PATH to its `caliper` binary):

    mkdir -p tools/caliper && cd tools/caliper
    npm install @hyperledger/caliper-cli@0.6.0
    npx caliper bind --caliper-bind-sut ethereum:1.3
    # npm >= 11 skips install scripts: without its native secp256k1/keccak, web3 signs in pure
    # JavaScript, ~3x slower (measured: 143 instead of ~410 sent/s at 500/s offered). Build them:
    npm install-scripts approve secp256k1 keccak bufferutil utf-8-validate @web3-js/websocket
    npm rebuild secp256k1 keccak bufferutil utf-8-validate @web3-js/websocket

then `caliper launch manager` with one worker, a fixed-rate round, and a tiny
contract whose one method does nothing (Caliper's Ethereum connector can only call contract
methods; the contract is hand-assembled EVM, see PING_BYTECODE). Sent = Caliper's
"Succ" + "Fail"; on chain = transactions to the contract; CPU = user + system time of the
Caliper processes (manager and worker, read from /proc before they are ended: Caliper
lingers on its WebSocket after finishing) per transaction on chain. Without
Caliper the script runs Touchstone's half and says Caliper is missing.

Only the Python standard library is used. Everything listens on 127.0.0.1.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANVIL_DEFAULT = os.path.join(
    ROOT, "tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
CALIPER_DEFAULT = os.path.join(ROOT, "tools/caliper/node_modules/.bin/caliper")
# anvil's first dev account: a published test key, funded on every fresh anvil.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDR = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
# Init code that returns a one-byte runtime: STOP. Any call succeeds and changes nothing.
#   PUSH1 1, PUSH1 12, PUSH1 0, CODECOPY   (copy the runtime byte at offset 12 to memory 0)
#   PUSH1 1, PUSH1 0, RETURN               (return it as the contract's code)
#   STOP                                   (the runtime)
PING_BYTECODE = "0x6001600c60003960016000f300"
PING_ABI = [{"inputs": [], "name": "ping", "outputs": [],
             "stateMutability": "nonpayable", "type": "function"}]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rpc(url, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.loads(r.read())
    if "error" in out:
        raise RuntimeError(f"{method}: {out['error']}")
    return out["result"]


class Anvil:
    """A fresh anvil on a free port, killed on exit."""

    def __init__(self, binary):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--block-time", "1",
             "--gas-limit", "300000000", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                rpc(self.url, "eth_chainId", [])
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("anvil did not start")

    def count(self, keep):
        """Transactions in the chain's blocks for which keep(tx) holds."""
        head = int(rpc(self.url, "eth_blockNumber", []), 16)
        n = 0
        for h in range(1, head + 1):
            block = rpc(self.url, "eth_getBlockByNumber", [hex(h), True])
            n += sum(1 for tx in block["transactions"] if keep(tx))
        return n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def touchstone_binary():
    path = os.path.join(ROOT, "target/release/touchstone")
    if not os.path.exists(path):
        print("building touchstone (release) ...", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "-p", "touchstone"], cwd=ROOT, check=True)
    return path


def scenario(rate, secs):
    return f"""name = "compare-{rate}"
kind = "payment"
description = "Constant-rate native-coin transfers for the Caliper comparison."
[network]
validators = 1
[workload]
accounts = 2000
assets = ["ETH"]
initial_balance = 1_000_000_000_000_000
amount_min = 1
amount_max = 1_000_000
timeout = "30s"
drain = "30s"
[[workload.phases]]
name = "warmup"
duration = "2s"
warmup = true
rate = {{ type = "constant", tps = {rate} }}
[[workload.phases]]
name = "load"
duration = "{secs}s"
rate = {{ type = "constant", tps = {rate} }}
"""


def run_touchstone(binary, anvil_bin, rate, secs, work):
    d = os.path.join(work, f"touchstone-{rate}")
    os.makedirs(d)
    with Anvil(anvil_bin) as anvil:
        with open(os.path.join(d, "scenario.toml"), "w") as f:
            f.write(scenario(rate, secs))
        with open(os.path.join(d, "adapter.toml"), "w") as f:
            f.write(f'endpoint = "{anvil.url}"\nfunding_key = "{DEV_KEY}"\n')
        subprocess.run([binary, "run", os.path.join(d, "scenario.toml"), "--adapter", "ethereum",
                        "--adapter-config", os.path.join(d, "adapter.toml"),
                        "--out", os.path.join(d, "out"), "--quiet"],
                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(d, "out", "run.json")) as f:
            record = json.load(f)
        on_chain = anvil.count(lambda tx: tx["from"].lower() != DEV_ADDR)
    phases = record["metrics"]["phases"]
    details = record["adapter"]["system"]["details"]
    cost = record.get("harness_cost") or {}
    whole = cost.get("cpu_per_committed_tx_ns")
    return {
        "sent": sum(p["submitted"] for p in phases),
        "committed": sum(p["committed"] for p in phases),
        "on_chain": on_chain,
        "cpu": details.get("harness_cpu_per_committed_tx_us", "-"),
        "cpu_whole": f"{whole / 1000:.0f}" if whole else "-",
        "p99": record["metrics"]["measured"]["latency"]["p99_ns"] / 1e9,
    }


def caliper_workspace(d, url, rate, secs, workers):
    ws_url = url.replace("http://", "ws://")
    with open(os.path.join(d, "ping.json"), "w") as f:
        json.dump({"name": "ping", "abi": PING_ABI, "bytecode": PING_BYTECODE,
                   "gas": 100000}, f)
    network = {
        "caliper": {"blockchain": "ethereum", "command": {}},
        "ethereum": {
            "url": ws_url,
            "contractDeployerAddress": DEV_ADDR,
            "contractDeployerAddressPrivateKey": DEV_KEY,
            "fromAddress": DEV_ADDR,
            "fromAddressPrivateKey": DEV_KEY,
            "transactionConfirmationBlocks": 1,
            "contracts": {"ping": {"path": os.path.join(d, "ping.json"),
                                   "gas": {"ping": 50000}}},
        },
    }
    with open(os.path.join(d, "network.json"), "w") as f:
        json.dump(network, f, indent=1)
    with open(os.path.join(d, "workload.js"), "w") as f:
        f.write("""'use strict';
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');
class Ping extends WorkloadModuleBase {
    async submitTransaction() {
        return this.sutAdapter.sendRequests({ contract: 'ping', verb: 'ping', args: [], readOnly: false });
    }
}
module.exports.createWorkloadModule = () => new Ping();
""")
    with open(os.path.join(d, "benchmark.yaml"), "w") as f:
        f.write(f"""test:
  name: compare
  workers:
    number: {workers}
  rounds:
    - label: warmup
      txDuration: 2
      rateControl: {{ type: fixed-rate, opts: {{ tps: {rate} }} }}
      workload: {{ module: {os.path.join(d, 'workload.js')} }}
    - label: load
      txDuration: {secs}
      rateControl: {{ type: fixed-rate, opts: {{ tps: {rate} }} }}
      workload: {{ module: {os.path.join(d, 'workload.js')} }}
""")


def run_caliper(caliper, anvil_bin, rate, secs, workers, work, timeout):
    d = os.path.join(work, f"caliper-{rate}")
    os.makedirs(d)
    # The workload module needs @hyperledger/caliper-core from Caliper's own install.
    node_modules = os.path.dirname(os.path.dirname(os.path.realpath(caliper)))
    while os.path.basename(node_modules) != "node_modules" and node_modules != "/":
        node_modules = os.path.dirname(node_modules)
    with Anvil(anvil_bin) as anvil:
        caliper_workspace(d, anvil.url, rate, secs, workers)
        log_path = os.path.join(d, "caliper.log")
        cpu, finished = run_until_finished(
            [caliper, "launch", "manager", "--caliper-workspace", d,
             "--caliper-networkconfig", os.path.join(d, "network.json"),
             "--caliper-benchconfig", os.path.join(d, "benchmark.yaml")],
            d, dict(os.environ, NODE_PATH=node_modules), log_path, timeout)
        with open(log_path, errors="replace") as f:
            log = f.read()
        on_chain = sum(1 for _ in anvil_receipts_of_contract(anvil))
    sent = 0
    # The last summary table ("All test results"): | Name | Succ | Fail | Send Rate (TPS) | ...
    summary = log[log.rfind("All test results"):] if "All test results" in log else ""
    for m in re.finditer(r"\|\s*(warmup|load)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", summary):
        sent += int(m.group(2)) + int(m.group(3))
    if not finished:
        sent = f"{sent} (did not finish)"
    return {
        "sent": sent if sent else "?",
        "committed": "-",
        "on_chain": on_chain,
        "cpu": "-",
        "cpu_whole": f"{cpu * 1e6 / on_chain:.0f}" if on_chain else "-",
        "log": log_path,
    }


def session_cpu(sid):
    """User + system CPU seconds of the live processes of session `sid` (and what they reaped)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6, session id
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / tick


def run_until_finished(cmd, cwd, env, log_path, timeout):
    """Runs Caliper until its manager says the benchmark finished (it may then linger on its
    WebSocket), reads the CPU of its processes, and ends them. Returns (cpu s, finished)."""
    with open(log_path, "w") as log:
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    deadline = time.time() + timeout
    finished = False
    cpu = 0.0
    while time.time() < deadline:
        with open(log_path, errors="replace") as f:
            text = f.read()
        cpu = max(cpu, session_cpu(p.pid))
        if "Benchmark finished" in text or "Benchmark successfully finished" in text:
            finished = True
            time.sleep(0.5)
            cpu = max(cpu, session_cpu(p.pid))
            break
        if p.poll() is not None:
            break
        time.sleep(0.2)
    try:
        os.killpg(p.pid, 9)
    except ProcessLookupError:
        pass
    p.wait()
    return cpu, finished


def anvil_receipts_of_contract(anvil):
    """The transactions calling a contract (to set, with calldata): Caliper's pings."""
    head = int(rpc(anvil.url, "eth_blockNumber", []), 16)
    for h in range(1, head + 1):
        block = rpc(anvil.url, "eth_getBlockByNumber", [hex(h), True])
        for tx in block["transactions"]:
            if tx.get("to") and tx.get("input", "0x") not in ("0x", ""):
                yield tx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rates", default="500,1000,2000,3000")
    ap.add_argument("--secs", type=int, default=20)
    ap.add_argument("--anvil", default=os.environ.get("TOUCHSTONE_ANVIL", ANVIL_DEFAULT))
    ap.add_argument("--caliper", default=CALIPER_DEFAULT)
    ap.add_argument("--caliper-workers", type=int, default=1)
    ap.add_argument("--no-caliper", action="store_true")
    ap.add_argument("--no-touchstone", action="store_true", help="Caliper's half only")
    args = ap.parse_args()
    if not os.path.exists(args.anvil):
        sys.exit(f"anvil not found at {args.anvil}: run scripts/install-anvil.sh")
    rates = [int(r) for r in args.rates.split(",")]
    binary = None if args.no_touchstone else touchstone_binary()
    caliper = None if args.no_caliper else (
        args.caliper if os.path.exists(args.caliper) else shutil.which("caliper"))
    work = tempfile.mkdtemp(prefix="touchstone-vs-caliper-")
    rows = []
    for rate in rates:
        if binary:
            print(f"touchstone at {rate}/s ...", file=sys.stderr)
            rows.append(
                ("Touchstone", rate, run_touchstone(binary, args.anvil, rate, args.secs, work)))
        if caliper:
            print(f"caliper at {rate}/s ...", file=sys.stderr)
            rows.append(("Caliper 0.6", rate, run_caliper(
                caliper, args.anvil, rate, args.secs, args.caliper_workers, work,
                timeout=args.secs * 6 + 180)))
    print(f"\nanvil --block-time 1 --gas-limit 300000000, fresh per run; {args.secs} s at each "
          f"rate after a 2-s warm-up; this machine: {os.cpu_count()} cores")
    print("| tool | offered | sent | reported committed | on chain | harness CPU µs/tx "
          "(measured phases) | whole process µs/tx |")
    print("|---|---|---|---|---|---|---|")
    for tool, rate, r in rows:
        print(f"| {tool} | {rate}/s | {r['sent']} | {r['committed']} | {r['on_chain']} | "
              f"{r['cpu']} | {r['cpu_whole']} |")
    if not caliper and not args.no_caliper:
        print("\nCaliper is missing: install it (see the top of this script) or pass --caliper PATH.")
    print(f"\nrun directories and logs: {work}")


if __name__ == "__main__":
    main()
