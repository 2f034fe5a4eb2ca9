"""A small client of etcd 3.4's HTTP/JSON gateway (`/v3/...`), standard library only.

Keys and values travel base64-encoded; 64-bit numbers come back as strings. Each thread keeps
one kept-alive connection per member. `hashkv` is not on the gateway: it goes through
`etcdctl endpoint hashkv --rev R` (Debian's etcd-client).
"""

import base64
import http.client
import json
import subprocess
import threading
import urllib.parse


class Unreachable(Exception):
    """The request never reached the member (connection refused): nothing was done."""


class Ambiguous(Exception):
    """The request may have reached the member and had its effect (timeout, reset)."""


class EtcdError(Exception):
    """The member answered with an error (e.g. no leader, request timed out)."""


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def unb64(s):
    return base64.b64decode(s).decode() if s else ""


def prefix_end(prefix):
    """The range end that covers every key starting with `prefix`."""
    b = bytearray(prefix.encode())
    b[-1] += 1
    return base64.b64encode(bytes(b)).decode()


class Member:
    """One member's client endpoint."""

    def __init__(self, name, url, timeout):
        self.name = name
        self.url = url
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self._local = threading.local()

    def _conn(self):
        c = getattr(self._local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = c
        return c

    def _drop(self):
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
        self._local.conn = None

    def post(self, path, body):
        """POSTs `body` to `path`; the decoded answer, or Unreachable / Ambiguous / EtcdError."""
        data = json.dumps(body).encode()
        for attempt in (0, 1):
            conn = self._conn()
            sent = False
            try:
                conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                sent = True
                r = conn.getresponse()
                payload = r.read()
            except ConnectionRefusedError as e:
                self._drop()
                raise Unreachable("%s: %s" % (self.name, e))
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A kept-alive connection the member closed meanwhile: once more on a fresh one,
                # unless the request may have gone through.
                self._drop()
                if attempt == 0 and not sent:
                    continue
                raise Ambiguous("%s: %s" % (self.name, e))
            except OSError as e:  # timeouts and the rest
                self._drop()
                raise (Ambiguous if sent else Unreachable)("%s: %s" % (self.name, e))
            if r.status != 200:
                raise EtcdError("%s: HTTP %d %s" % (self.name, r.status, payload[:200]))
            answer = json.loads(payload)
            if "error" in answer:
                raise EtcdError("%s: %s" % (self.name, answer.get("error")))
            return answer
        raise Ambiguous("%s: no answer" % self.name)

    # -- calls ---------------------------------------------------------------------------------

    def status(self):
        return self.post("/v3/maintenance/status", {})

    def range(self, key, range_end=None, revision=None, serializable=False, min_mod_revision=None,
              limit=None):
        body = {"key": b64(key)}
        if range_end is not None:
            body["range_end"] = range_end
        if revision is not None:
            body["revision"] = str(revision)
        if serializable:
            body["serializable"] = True
        if min_mod_revision is not None:
            body["min_mod_revision"] = str(min_mod_revision)
        if limit is not None:
            body["limit"] = str(limit)
        return self.post("/v3/kv/range", body)

    def txn(self, compare, success, failure=()):
        return self.post("/v3/kv/txn", {"compare": list(compare), "success": list(success),
                                         "failure": list(failure)})

    def delete_all(self):
        return self.post("/v3/kv/deleterange", {"key": b64("\0"), "range_end": b64("\0")})


# -- txn building blocks -------------------------------------------------------------------------

def cmp_mod(key, revision):
    return {"key": b64(key), "target": "MOD", "mod_revision": str(revision), "result": "EQUAL"}


def cmp_absent(key):
    return {"key": b64(key), "target": "CREATE", "create_revision": "0", "result": "EQUAL"}


def put(key, value):
    return {"request_put": {"key": b64(key), "value": b64(value)}}


def get(key):
    return {"request_range": {"key": b64(key)}}


def kvs_of(range_answer):
    """{key: (value, mod_revision)} of a range answer."""
    return {unb64(kv["key"]): (unb64(kv.get("value")), int(kv.get("mod_revision", 0)))
            for kv in range_answer.get("kvs", [])}


def revision_of(answer):
    return int(answer["header"]["revision"])


def hashkv(urls, revision, etcdctl="etcdctl"):
    """{url: hash} of each endpoint's keyspace history up to `revision`, by etcdctl; endpoints
    that do not answer are left out."""
    cmd = [etcdctl, "--endpoints", ",".join(urls), "--dial-timeout=1s", "--command-timeout=2s",
           "endpoint", "hashkv", "--rev", str(revision), "-w", "json"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=10,
                             env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired):
        return {}
    try:
        rows = json.loads(out.stdout or b"[]")
    except ValueError:
        return {}
    return {row["Endpoint"]: "%08x" % row["HashKV"]["hash"] for row in rows if row.get("HashKV")}
