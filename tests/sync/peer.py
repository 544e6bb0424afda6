#!/usr/bin/env python3
"""Hostile peers of the depot, for tests/sync/test_trust.sh and test_flood.sh.

A token may begin with "-": pass "--" before the arguments that hold one.

  peer.py craft TEMPLATE OUT [--uuid U] [--device D] [--record-device D]
                [--inspector NAME] [--replaces UUID] [--fresh-records]
      Writes OUT: the bundle TEMPLATE (a frozen bundle) changed as asked
      (--fresh-records gives every record a new UUID); prints its UUID.
  peer.py early PORT TOKEN LENGTH WAIT
      Sends only the head of a PUT of LENGTH bytes, and prints the status
      the depot answered within WAIT seconds ("none" when it did not).
  peer.py uploads PORT N TOKEN
      N concurrent PUTs of 1 MiB each with TOKEN; prints how many were
      answered (with any status) or cut.
  peer.py rawpath PORT PATH
      One PUT with PATH sent byte for byte (percent escapes included) and a
      wrong token; prints the status.
  peer.py slow PORT head|body TOKEN LIMIT
      One request that never completes: its head one line a second (head),
      or a head with TOKEN and then 10 bytes of body a second (body).
      Prints how many seconds passed until the depot ended the connection,
      or "never" after LIMIT seconds.
  peer.py flood PORT SOURCES PER_SOURCE SECONDS [--every S] [--stop-file F] [--ready-file R]
      From each source address (comma separated, e.g. 127.0.0.2,127.0.0.3),
      PER_SOURCE connections that send a request head one line every S
      seconds (default 2) and never finish it; each reconnects when the
      depot ends it.  Runs SECONDS (or until F exists); creates R once every
      connection has sent its first line, and writes "opened N ended M" to it twice
      a second from then on; prints the same at the end.
"""
import argparse
import gzip
import json
import os
import selectors
import socket
import sys
import threading
import time
import uuid as uuidlib


def craft(a):
    lines = gzip.decompress(open(a.template, "rb").read()).decode().splitlines()
    head = json.loads(lines[0])
    if a.uuid:
        head["uuid"] = a.uuid
    if a.device:
        head["device"] = a.device
    out = []
    for line in lines[1:]:
        r = json.loads(line)
        if a.record_device:
            r["device"] = a.record_device
        if a.inspector:
            r["inspector"] = a.inspector
        if a.replaces:
            r["replaces"] = a.replaces
        if a.fresh_records:
            r["uuid"] = str(uuidlib.uuid4())
        out.append(json.dumps(r, ensure_ascii=False))
    text = "\n".join([json.dumps(head)] + out) + "\n"
    open(a.out, "wb").write(gzip.compress(text.encode()))
    print(head["uuid"])


def status_of(data):
    try:
        return data.split(b" ", 2)[1].decode()
    except IndexError:
        return "none"


def early(a):
    s = socket.create_connection(("127.0.0.1", a.port))
    s.sendall(("PUT /v1/bundles/%s HTTP/1.1\r\nHost: depot\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/gzip\r\nContent-Length: %d\r\n\r\n"
               % (uuidlib.uuid4(), a.token, a.length)).encode())
    s.settimeout(a.wait)
    try:
        print(status_of(s.recv(4096)))
    except socket.timeout:
        print("none")


def uploads(a):
    body = os.urandom(1 << 20)
    done = []

    def one():
        s = socket.create_connection(("127.0.0.1", a.port))
        s.settimeout(30)
        try:
            s.sendall(("PUT /v1/bundles/%s HTTP/1.1\r\nHost: depot\r\nAuthorization: Bearer %s\r\n"
                       "Content-Type: application/gzip\r\nContent-Length: %d\r\n\r\n"
                       % (uuidlib.uuid4(), a.token, len(body))).encode())
            s.sendall(body)
            s.recv(4096)
        except OSError:
            pass
        done.append(1)
        s.close()

    threads = [threading.Thread(target=one) for _ in range(a.n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(done))


def rawpath(a):
    s = socket.create_connection(("127.0.0.1", a.port))
    s.settimeout(10)
    s.sendall(b"PUT " + a.path.encode() + b" HTTP/1.1\r\nHost: depot\r\n"
              b"Authorization: Bearer not-a-token\r\nContent-Length: 0\r\n\r\n")
    try:
        print(status_of(s.recv(4096)))
    except socket.timeout:
        print("none")


def slow(a):
    s = socket.create_connection(("127.0.0.1", a.port))
    s.settimeout(0.05)
    start = time.monotonic()
    if a.mode == "body":
        s.sendall(("PUT /v1/bundles/%s HTTP/1.1\r\nHost: depot\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/gzip\r\nContent-Length: 100000\r\n\r\n"
                   % (uuidlib.uuid4(), a.token)).encode())
    else:
        s.sendall(b"GET /v1/health HTTP/1.1\r\n")
    n = 0
    while time.monotonic() - start < a.limit:
        try:
            s.sendall(b"x" * 10 if a.mode == "body" else b"X-Slow-%d: 1\r\n" % n)
            n += 1
            if s.recv(4096) == b"":
                break
        except socket.timeout:
            time.sleep(0.95)
            continue
        except OSError:
            break
    else:
        print("never")
        return
    print("%.0f" % (time.monotonic() - start))


def flood(a):
    sel = selectors.DefaultSelector()
    sources = a.sources.split(",")
    conns = {}
    opened = ended = 0
    lines = [b"PUT /v1/bundles/%s HTTP/1.1\r\n" % str(uuidlib.uuid4()).encode()] + \
        [b"X-Slow-%d: %s\r\n" % (i, b"a" * 20) for i in range(1000)]
    end = time.monotonic() + a.seconds
    retry_at = {}

    def connect(slot):
        nonlocal opened
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((slot[0], 0))
            s.connect_ex(("127.0.0.1", a.port))
        except OSError:
            s.close()
            retry_at[slot] = time.monotonic() + 0.5
            return
        conns[slot] = [s, 0, time.monotonic()]
        sel.register(s, selectors.EVENT_READ, slot)
        opened += 1

    for src in sources:
        for i in range(a.per_source):
            connect((src, i))
    ready = False
    while time.monotonic() < end and not (a.stop_file and os.path.exists(a.stop_file)):
        now = time.monotonic()
        if not ready and a.ready_file and all(c[1] > 0 for c in conns.values()):
            ready = True
        if ready and a.ready_file and int(now * 2) != int((now - 0.05) * 2):
            with open(a.ready_file + ".tmp", "w") as f:
                f.write("opened %d ended %d\n" % (opened, ended))
            os.rename(a.ready_file + ".tmp", a.ready_file)
        for slot, c in list(conns.items()):
            if now >= c[2]:
                try:
                    c[0].send(lines[min(c[1], len(lines) - 1)])
                    c[1] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    pass
                c[2] = now + a.every
        for slot, t in list(retry_at.items()):
            if now >= t:
                del retry_at[slot]
                connect(slot)
        for key, _ in sel.select(timeout=0.05):
            slot = key.data
            s = conns[slot][0]
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data and not data.startswith(b"HTTP/"):
                continue
            # Ended or answered: the attacker comes straight back (at most twice a second).
            sel.unregister(s)
            s.close()
            del conns[slot]
            ended += 1
            retry_at[slot] = now + 0.5
    print("opened %d ended %d" % (opened, ended))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("craft")
    c.add_argument("template")
    c.add_argument("out")
    c.add_argument("--uuid")
    c.add_argument("--device")
    c.add_argument("--record-device")
    c.add_argument("--inspector")
    c.add_argument("--replaces")
    c.add_argument("--fresh-records", action="store_true")
    e = sub.add_parser("early")
    e.add_argument("port", type=int)
    e.add_argument("token")
    e.add_argument("length", type=int)
    e.add_argument("wait", type=float)
    u = sub.add_parser("uploads")
    u.add_argument("port", type=int)
    u.add_argument("n", type=int)
    u.add_argument("token")
    r = sub.add_parser("rawpath")
    r.add_argument("port", type=int)
    r.add_argument("path")
    w = sub.add_parser("slow")
    w.add_argument("port", type=int)
    w.add_argument("mode", choices=["head", "body"])
    w.add_argument("token")
    w.add_argument("limit", type=float)
    f = sub.add_parser("flood")
    f.add_argument("port", type=int)
    f.add_argument("sources")
    f.add_argument("per_source", type=int)
    f.add_argument("seconds", type=float)
    f.add_argument("--every", type=float, default=2.0)
    f.add_argument("--stop-file")
    f.add_argument("--ready-file")
    a = p.parse_args()
    {"craft": craft, "early": early, "uploads": uploads, "rawpath": rawpath, "slow": slow,
     "flood": flood}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
