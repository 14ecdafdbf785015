#!/usr/bin/env python3
"""A threaded HTTP server on 127.0.0.1 that serves a folder the way an object store serves a
Zarr hierarchy (GET and HEAD of keys, byte ranges, no listing), with the faults a remote
reader must survive injected on purpose:

  --latency MS or MIN-MAX   sleep before every answer (uniform in MIN..MAX ms)
  --missing GLOB            answer 404 for keys matching GLOB (repeatable)
  --forbidden GLOB          answer 403 (S3's answer for a missing key without list rights)
  --fail500 GLOB:N          the first N requests of each key matching GLOB answer 500
  --truncate GLOB           send the full Content-Length but only half the body, then close
  --hang GLOB               accept the request and never answer (the socket stays open)
  --redirect-loop GLOB      302 to itself, forever
  --redirect PREFIX         /PREFIX/key answers 302 to /key (a moved bucket)
  --endless GLOB            announce Content-Length: 10000000000000 and send zeros without end
  --endless-unsized GLOB    send zeros without end and no Content-Length (the body ends when
                            the connection does, which it never does)
  --drip GLOB               announce 10 MB, then send 100 bytes every 0.1 s (never finishes,
                            never idle long enough for an idle timeout)
  --no-ranges               ignore Range headers (answer 200 with the whole object)
  --tls CERT KEY            serve HTTPS with this certificate
  --log                     print "<seconds since start> <path> <range>" to stderr for each request

Paths are the request path without the leading "/" (e.g. "img.zarr/0/c/0/0/0"); globs are
fnmatch patterns on it. Prints "PORT <n>" on stdout once listening. GET /__stats answers
{"requests": n, "bytes": n, "paths": {...}} (the stats request itself is not counted);
POST-free control keeps the server a plain GET/HEAD server.

Used by Tests/python/check_remote_zarr.py, the Swift remote-store tests and the bench.
"""
import argparse
import email.utils
import fnmatch
import http.server
import json
import os
import random
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse


STARTED = time.monotonic()


class Faults:
    def __init__(self, args):
        self.latency = (0.0, 0.0)
        if args.latency:
            lo, _, hi = args.latency.partition("-")
            self.latency = (float(lo) / 1000, float(hi or lo) / 1000)
        self.missing = args.missing or []
        self.forbidden = args.forbidden or []
        self.fail500 = []
        for spec in args.fail500 or []:
            glob, _, n = spec.rpartition(":")
            self.fail500.append((glob, int(n)))
        self.truncate = args.truncate or []
        self.hang = args.hang or []
        self.endless = args.endless or []
        self.endless_unsized = args.endless_unsized or []
        self.drip = args.drip or []
        self.redirect_loop = args.redirect_loop or []
        self.redirect = args.redirect
        self.no_ranges = args.no_ranges
        self.log = args.log

    @staticmethod
    def matches(path, globs):
        return any(fnmatch.fnmatchcase(path, g) for g in globs)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0
        self.per_path = {}
        self.in_flight = 0
        self.max_in_flight = 0

    def begin(self, path):
        with self.lock:
            self.requests += 1
            self.per_path[path] = self.per_path.get(path, 0) + 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.per_path[path]

    def end(self, sent):
        with self.lock:
            self.in_flight -= 1
            self.bytes += sent

    def json(self):
        with self.lock:
            return json.dumps({"requests": self.requests, "bytes": self.bytes, "paths": self.per_path,
                               "max_in_flight": self.max_in_flight}).encode()


def make_handler(root, faults, stats):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as object stores and curl expect

        def log_message(self, *args):
            pass

        def do_HEAD(self):
            self.answer(head=True)

        def do_GET(self):
            self.answer(head=False)

        def answer(self, head):
            raw = urllib.parse.urlsplit(self.path).path
            path = urllib.parse.unquote(raw.lstrip("/"))
            if path == "__stats":
                return self.send_bytes(200, stats.json(), head, "application/json")
            nth = stats.begin(path)
            if faults.log:
                print(f"{time.monotonic() - STARTED:8.3f} {path} {self.headers.get('Range') or ''}", file=sys.stderr, flush=True)
            sent = 0
            try:
                lo, hi = faults.latency
                if hi > 0:
                    time.sleep(random.uniform(lo, hi))
                if faults.matches(path, faults.hang):
                    time.sleep(3600)  # the socket stays open; the client must give up
                    return
                if not head and faults.matches(path, faults.endless + faults.endless_unsized + faults.drip):
                    return self.send_forever(path, faults)
                if faults.matches(path, faults.redirect_loop):
                    return self.send_redirect("/" + raw.lstrip("/"))
                if faults.redirect and path.startswith(faults.redirect + "/"):
                    return self.send_redirect("/" + raw.lstrip("/")[len(faults.redirect) + 1:])
                if faults.matches(path, faults.missing):
                    return self.send_bytes(404, b"not found\n", head)
                if faults.matches(path, faults.forbidden):
                    return self.send_bytes(403, b"<Error><Code>AccessDenied</Code></Error>\n", head)
                for glob, n in faults.fail500:
                    if fnmatch.fnmatchcase(path, glob) and nth <= n:
                        return self.send_bytes(500, b"injected failure\n", head)
                full = os.path.realpath(os.path.join(root, path))
                if not full.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(full):
                    return self.send_bytes(404, b"not found\n", head)
                with open(full, "rb") as f:
                    body = f.read()
                status, extra = 200, {}
                rng = None if faults.no_ranges else self.headers.get("Range")
                if rng:
                    part = parse_range(rng, len(body))
                    if part is None:
                        return self.send_bytes(416, b"", head, extra={"Content-Range": f"bytes */{len(body)}"})
                    a, b = part
                    extra["Content-Range"] = f"bytes {a}-{b - 1}/{len(body)}"
                    body, status = body[a:b], 206
                if faults.matches(path, faults.truncate) and not head:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    sent = len(body) // 2
                    return
                sent = self.send_bytes(status, body, head, extra=extra)
            finally:
                stats.end(sent)

        def send_forever(self, path, faults):
            """A body that never ends (until the client hangs up)."""
            drip = faults.matches(path, faults.drip)
            self.send_response(200)
            if faults.matches(path, faults.endless):
                self.send_header("Content-Length", "10000000000000")
            elif drip:
                self.send_header("Content-Length", str(10_000_000))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            block = bytes(100 if drip else 1 << 16)
            try:
                while True:
                    self.wfile.write(block)
                    if drip:
                        self.wfile.flush()
                        time.sleep(0.1)
            except OSError:
                pass  # the client gave up, as it should

        def send_redirect(self, location):
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def send_bytes(self, status, body, head, content_type="application/octet-stream", extra=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", email.utils.formatdate(usegmt=True))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if not head:
                self.wfile.write(body)
                return len(body)
            return 0

    return Handler


def parse_range(header, size):
    """`bytes=a-b`, `bytes=a-` or `bytes=-n` as a half-open (start, end); None when unsatisfiable."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    if first == "":
        n = int(last)
        return (max(0, size - n), size) if n > 0 else None
    a = int(first)
    b = min(int(last) + 1, size) if last else size
    return (a, b) if a < size and a < b else None


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 100 parallel connects must not be refused


def serve(root, argv=()):
    """Starts a server in this process; returns (server, port, stats). For in-process use."""
    args = parser().parse_args(list(argv))
    faults, stats = Faults(args), Stats()
    server = Server(("127.0.0.1", 0), make_handler(root, faults, stats))
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1], stats


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--latency")
    p.add_argument("--missing", action="append")
    p.add_argument("--forbidden", action="append")
    p.add_argument("--fail500", action="append")
    p.add_argument("--truncate", action="append")
    p.add_argument("--hang", action="append")
    p.add_argument("--redirect-loop", action="append")
    p.add_argument("--redirect")
    p.add_argument("--endless", action="append")
    p.add_argument("--endless-unsized", action="append")
    p.add_argument("--drip", action="append")
    p.add_argument("--no-ranges", action="store_true")
    p.add_argument("--log", action="store_true")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    return p


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(f"usage: {os.path.basename(sys.argv[0])} FOLDER [options]\n\n{__doc__}")
        return
    root = sys.argv[1]
    if not os.path.isdir(root):
        raise SystemExit(f"zarr_http_server: {root}: not a folder")
    _, port, _ = serve(root, sys.argv[2:])
    print(f"PORT {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
