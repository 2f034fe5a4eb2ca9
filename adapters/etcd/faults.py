"""Faults on the cluster the scripts started: the members' processes (kill -9, restart,
SIGSTOP, SIGCONT) and their peer links through Touchstone's network fault proxy.

A restarted member runs the exact command it was started with (from cluster.json), in a
session of its own, and its pid file is rewritten, so `scripts/etcd-cluster.py stop` still
finds it. `restore()` undoes everything (resume, restart, heal) so the next run finds a healthy
cluster.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from touchstone_protocol import Refusal

# How long a restarted member may take to answer again.
RESTART_WAIT_S = 20


class ProxyControl:
    """The proxy's JSON control port."""

    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.reader = self.sock.makefile("r")

    def call(self, **request):
        self.sock.sendall((json.dumps(request) + "\n").encode())
        reply = json.loads(self.reader.readline())
        if not reply.get("ok"):
            raise Refusal("failed", "the proxy refused %s: %s" % (request.get("cmd"), reply.get("error")))
        return reply

    def close(self):
        self.sock.close()


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def process_state(pid):
    """The process's state letter from /proc (R, S, T for stopped, Z, …), or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


class Cluster:
    """Process and network control of the members in cluster.json."""

    def __init__(self, cluster, default_link, partition_mode, log):
        self.members = {m["name"]: m for m in cluster["members"]}
        self.proxy = ProxyControl(cluster["proxy"]["control"])
        self.default_link = default_link
        self.partition_mode = partition_mode
        self.log = log
        self.crashed = set()
        self.paused = set()

    def names(self):
        return sorted(self.members)

    def unavailable(self):
        return self.crashed | self.paused

    def _check(self, nodes):
        unknown = [n for n in nodes if n not in self.members]
        if unknown:
            raise Refusal("failed", "no member named %s (members: %s)" % (", ".join(unknown), ", ".join(self.names())))

    def _signal(self, name, sig):
        pid = read_pid(self.members[name]["pid_file"])
        if pid is None:
            raise Refusal("failed", "%s has no pid file" % name)
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            raise Refusal("failed", "%s (pid %d) is not running" % (name, pid))

    def crash(self, nodes):
        self._check(nodes)
        for n in nodes:
            if n not in self.crashed:
                self._signal(n, signal.SIGKILL)
                self.crashed.add(n)
                self.paused.discard(n)

    def restart(self, nodes):
        """Starts the crashed members again and returns at once: the harness's load must not
        wait for them (`restore` waits, at the end)."""
        self._check(nodes)
        for n in nodes:
            if n in self.crashed:
                self._start(n)

    def _start(self, name):
        m = self.members[name]
        pid = read_pid(m["pid_file"])
        if pid is not None:
            try:
                os.waitpid(pid, os.WNOHANG)  # reap it if it was ours
            except ChildProcessError:
                pass
        log = open(m["log"], "ab")
        p = subprocess.Popen(m["cmd"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, close_fds=True)
        with open(m["pid_file"], "w") as f:
            f.write(str(p.pid))
        self.crashed.discard(name)
        self.log("restarted %s as pid %d" % (name, p.pid))

    def _wait_healthy(self, name):
        deadline = time.monotonic() + RESTART_WAIT_S
        url = self.members[name]["client"]
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/version", timeout=1).read()
                return
            except Exception:
                time.sleep(0.05)
        raise Refusal("failed", "%s did not answer within %ds of its restart" % (name, RESTART_WAIT_S))

    def pause(self, nodes):
        self._check(nodes)
        for n in nodes:
            if n not in self.crashed:
                self._signal(n, signal.SIGSTOP)
                self.paused.add(n)

    def resume(self, nodes):
        self._check(nodes)
        for n in nodes:
            if n in self.paused:
                self._signal(n, signal.SIGCONT)
                self.paused.discard(n)

    def partition(self, groups):
        for g in groups:
            self._check(g)
        return self.proxy.call(cmd="partition", groups=groups, mode=self.partition_mode)

    def heal(self):
        return self.proxy.call(cmd="heal")

    def link(self, nodes, to, link):
        """The scenario's link model on the proxy: latency and jitter (a distribution's spread
        counts as jitter), bandwidth. The scenario's default link restores the links."""
        if link.get("loss") or link.get("duplicate") or link.get("reorder"):
            raise Refusal("failed", "the proxy cannot lose, duplicate or reorder bytes of a TCP stream")
        self._check(nodes + to)
        both = not to
        to = to or [n for n in self.names() if n not in nodes]
        if link == self.default_link:
            params = {"delay_ns": 0, "jitter_ns": 0, "bandwidth_bps": None}
        else:
            latency = link.get("latency", {})
            mbps = link.get("bandwidth_mbps")
            params = {"delay_ns": int(latency.get("latency", 0)),
                      "jitter_ns": int(link.get("jitter", 0)) + int(latency.get("spread", 0)),
                      "bandwidth_bps": int(mbps * 1_000_000) if mbps else None}
        return self.proxy.call(cmd="link", **{"from": nodes}, to=to, both_ways=both, **params)

    def recover(self):
        """Undoes what an earlier run may have left behind if its harness died before its
        shutdown: stopped members continued, dead ones restarted, the network healed. Returns
        what it did."""
        done = []
        for n in self.names():
            pid = read_pid(self.members[n]["pid_file"])
            state = process_state(pid) if pid is not None else None
            if state == "T":
                os.kill(pid, signal.SIGCONT)
                done.append("continued %s" % n)
            elif state in (None, "Z", "X"):
                self._start(n)
                done.append("restarted %s" % n)
        self.heal()
        for d in done:
            if d.startswith("restarted"):
                self._wait_healthy(d.split()[-1])
        return done

    def restore(self):
        """Resume, restart and heal everything, and wait for every member to answer."""
        self.resume(sorted(self.paused))
        crashed = sorted(self.crashed)
        for n in crashed:
            self._start(n)
        try:
            self.heal()
        except (Refusal, OSError) as e:
            self.log("heal at the end failed: %s" % e)
        for n in crashed:
            try:
                self._wait_healthy(n)
            except Refusal as e:
                self.log(str(e))
