#!/usr/bin/env python3
"""Starts and stops a local etcd cluster for Touchstone's etcd adapter, with every member's
peer traffic routed through Touchstone's network fault proxy (`touchstone netproxy`).

    scripts/etcd-cluster.py start [--dir DIR] [--members 3] [--touchstone BIN]
    scripts/etcd-cluster.py stop  [--dir DIR] [--purge]
    scripts/etcd-cluster.py status [--dir DIR]

DIR (default $TOUCHSTONE_ETCD_DIR, else /tmp/touchstone-etcd) receives the members' data
directories and logs, and `cluster.json`, which the adapter reads: every member's name, id,
client URL, pid file and the exact command that restarts it, and the proxy's control address.

Everything listens on 127.0.0.1, on free ports. Each member listens for peers on a port of its
own and advertises the proxy's port for it instead, so every byte between members crosses the
proxy; the proxy tells the sources apart by etcd's `X-Server-From` header (one listener per
member: etcd derives member ids from the advertised peer URLs, so a member cannot be given
per-peer addresses). The processes run in sessions of their own: they outlive this script
until `stop`.

Standard library only. Needs `etcd` (Debian's etcd-server, 3.4: scripts/install-etcd.sh) and a
built `touchstone` binary (--touchstone, $TOUCHSTONE_BIN, target/debug or target/release, PATH).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = os.environ.get("TOUCHSTONE_ETCD_DIR", "/tmp/touchstone-etcd")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_touchstone(given):
    for cand in [given, os.environ.get("TOUCHSTONE_BIN"),
                 os.path.join(ROOT, "target", "debug", "touchstone"),
                 os.path.join(ROOT, "target", "release", "touchstone"),
                 shutil.which("touchstone")]:
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    sys.exit("etcd-cluster: no touchstone binary (build it: cargo build -p touchstone; "
             "or give --touchstone / $TOUCHSTONE_BIN)")


def find_etcd():
    path = shutil.which("etcd")
    if not path:
        sys.exit("etcd-cluster: etcd is not installed (scripts/install-etcd.sh, or "
                 "apt-get install etcd-server etcd-client)")
    return path


def spawn(cmd, log_path):
    """Starts `cmd` in a session of its own (it outlives this script), output to `log_path`."""
    log = open(log_path, "ab")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)


def wait_for(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    sys.exit("etcd-cluster: %s did not happen within %ss" % (what, timeout))


class Proxy:
    """A client of the proxy's JSON control port."""

    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.reader = self.sock.makefile("r")

    def call(self, **request):
        self.sock.sendall((json.dumps(request) + "\n").encode())
        reply = json.loads(self.reader.readline())
        if not reply.get("ok"):
            sys.exit("etcd-cluster: proxy refused %s: %s" % (request, reply.get("error")))
        return reply

    def close(self):
        self.sock.close()


def post(url, body, timeout=2):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def healthy(client_url):
    try:
        with urllib.request.urlopen(client_url + "/health", timeout=1) as r:
            return json.loads(r.read()).get("health") == "true"
    except Exception:
        return False


def start(args):
    d = os.path.abspath(args.dir)
    if os.path.exists(os.path.join(d, "cluster.json")):
        sys.exit("etcd-cluster: %s already holds a cluster (stop it first, or --dir)" % d)
    os.makedirs(d, exist_ok=True)
    touchstone, etcd = find_touchstone(args.touchstone), find_etcd()
    announce = os.path.join(d, "proxy.json")
    proxy_proc = spawn([touchstone, "netproxy", "--control", "127.0.0.1:0", "--announce", announce],
                       os.path.join(d, "proxy.log"))
    wait_for("the proxy's announcement", lambda: os.path.exists(announce), 10)
    with open(announce) as f:
        control = json.load(f)["control"]
    proxy = Proxy(control)
    names = ["n%d" % i for i in range(args.members)]
    members = []
    for name in names:
        peer_port, client_port = free_port(), free_port()
        routed = proxy.call(cmd="route", listen="127.0.0.1:0", target="127.0.0.1:%d" % peer_port,
                            to=name, from_header="X-Server-From")["listen"]
        members.append({"name": name, "client": "http://127.0.0.1:%d" % client_port,
                        "peer_listen": "http://127.0.0.1:%d" % peer_port,
                        "peer_advertise": "http://%s" % routed})
    token = "touchstone-%d" % os.getpid()
    initial = ",".join("%s=%s" % (m["name"], m["peer_advertise"]) for m in members)
    for m in members:
        m["data_dir"] = os.path.join(d, m["name"] + ".etcd")
        m["log"] = os.path.join(d, m["name"] + ".log")
        m["pid_file"] = os.path.join(d, m["name"] + ".pid")
        m["cmd"] = [etcd, "--name", m["name"], "--data-dir", m["data_dir"],
                    "--listen-peer-urls", m["peer_listen"],
                    "--initial-advertise-peer-urls", m["peer_advertise"],
                    "--listen-client-urls", m["client"], "--advertise-client-urls", m["client"],
                    "--initial-cluster", initial, "--initial-cluster-state", "new",
                    "--initial-cluster-token", token]
        p = spawn(m["cmd"], m["log"])
        with open(m["pid_file"], "w") as f:
            f.write(str(p.pid))
    for m in members:
        wait_for("%s healthy" % m["name"], lambda: healthy(m["client"]), 60)
    listed = post(members[0]["client"] + "/v3/cluster/member/list", {})["members"]
    ids = {x["name"]: "%x" % int(x["ID"]) for x in listed}
    for m in members:
        m["id"] = ids[m["name"]]
    proxy.call(cmd="identify", map={m["id"]: m["name"] for m in members})
    proxy.close()
    cluster = {"token": token, "etcd": etcd, "members": members,
               "proxy": {"control": control, "pid": proxy_proc.pid, "log": os.path.join(d, "proxy.log")}}
    with open(os.path.join(d, "cluster.json"), "w") as f:
        json.dump(cluster, f, indent=2)
    print(os.path.join(d, "cluster.json"))


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def stop_pid(pid):
    if pid is None or not alive(pid):
        return
    for sig in (signal.SIGCONT, signal.SIGTERM):
        try:
            os.kill(pid, sig)
        except OSError:
            return
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def stop(args):
    d = os.path.abspath(args.dir)
    path = os.path.join(d, "cluster.json")
    if not os.path.exists(path):
        print("etcd-cluster: no cluster in %s" % d)
        return
    with open(path) as f:
        cluster = json.load(f)
    for m in cluster["members"]:
        stop_pid(read_pid(m["pid_file"]))
    stop_pid(cluster["proxy"]["pid"])
    os.remove(path)
    if args.purge:
        shutil.rmtree(d, ignore_errors=True)
    print("etcd-cluster: stopped")


def status(args):
    with open(os.path.join(os.path.abspath(args.dir), "cluster.json")) as f:
        cluster = json.load(f)
    for m in cluster["members"]:
        pid = read_pid(m["pid_file"])
        print("%s pid %s %s %s" % (m["name"], pid, "running" if pid and alive(pid) else "down",
                                   "healthy" if healthy(m["client"]) else "unhealthy"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["start", "stop", "status"])
    ap.add_argument("--dir", default=DEFAULT_DIR)
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--touchstone")
    ap.add_argument("--purge", action="store_true", help="stop: also remove the directory")
    args = ap.parse_args()
    {"start": start, "stop": stop, "status": status}[args.action](args)


if __name__ == "__main__":
    main()
