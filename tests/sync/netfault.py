#!/usr/bin/env python3
"""Network misbehaviour for the sync suites, on 127.0.0.1.

  netfault.py proxy PORT TARGET_PORT [--cut-after N] [--delay S] [--delay-up S] [--rate-up B]
                    [--faults K]
                    [--count FILE] [--events FILE] [--kill-pid-file FILE [--kill-at F,...]]
      A TCP proxy.  For the first K connections (default: all) it either cuts
      the connection after N bytes from the client (mid-body), or holds the
      server's reply for S seconds (longer than the client waits); --delay-up
      holds each chunk of the request instead (a slow uplink); --rate-up
      passes the client's bytes on at B bytes per second per connection
      (a narrow uplink, with small socket buffers so that the client's
      own count of bytes sent stays near what crossed the link).  With
      --count it appends "up DOWN" byte counts per connection to FILE.
      --kill-pid-file: once FILE holds a PID, the proxy lets one PUT
      through and stops the next in the middle: it forwards the fraction F
      of that request's bytes (headers and body; F cycles through
      --kill-at, default 0.5), lets the server read them, SIGKILLs the PID
      and empties FILE (one kill per PID written).  --events appends one line per fault to FILE, saying where
      the request was: "kill PUT sent=S of=T replied=R" (R=1: the server
      had begun to answer, so that upload was not in flight) or
      "cut METHOD sent=S of=T".
  netfault.py answer PORT TARGET_PORT --status CODE [--faults K] [--events FILE]
      A proxy that answers the first K requests itself (default: all) with
      CODE and a JSON error body, closing the connection after each, and
      passes everything after them to TARGET_PORT.  --events appends
      "answer METHOD status=CODE" per request answered; --error TEXT is the
      body's error (default "netfault answers CODE").
  netfault.py impostor PORT
      A captive portal: every request gets 200 with an HTML login page.
  netfault.py silent PORT
      Accepts connections, reads, never answers.

PORT 0 lets the kernel pick a free port.  Once it accepts connections it
prints one line, "netfault: listening on 127.0.0.1:PORT", with the port bound.
"""
import argparse
import fcntl
import json
import os
import signal
import socket
import struct
import sys
import termios
import threading
import time

LOGIN_PAGE = (b"<!DOCTYPE html><html><head><title>Free City Wi-Fi</title></head>"
              b"<body><form method=post action=/login><input name=user>"
              b"<input type=password name=pw><button>Log in</button></form></body></html>")


def listener(port, rcvbuf=None):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s


def read_request(conn):
    """Reads one HTTP request (headers and a Content-Length body); None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head


def impostor(conn):
    with conn:
        while read_request(conn) is not None:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(LOGIN_PAGE) + LOGIN_PAGE)


class Answer:
    """Answers the first --faults requests with --status; proxies the rest."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.answered = 0
        self.proxy = Proxy(args)

    def handle(self, conn):
        with self.lock:
            take = self.args.faults is None or self.answered < self.args.faults
            if take:
                self.answered += 1
        if not take:
            self.proxy.handle(conn)
            return
        with conn:
            head = read_request(conn)
            if head is None:
                return
            method = head.split(b" ", 1)[0].decode(errors="replace")
            error = self.args.error or "netfault answers %d" % self.args.status
            body = json.dumps({"error": error}).encode()
            conn.sendall(b"HTTP/1.1 %d Fault\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                         % (self.args.status, len(body)) + body)
            self.proxy.event("answer %s status=%d" % (method, self.args.status))


def silent(conn):
    with conn:
        while conn.recv(65536):
            pass


def delivered(sock, limit=2.0):
    """Waits until the peer has acknowledged every byte sent on sock (TIOCOUTQ is 0)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        unsent = struct.unpack("i", fcntl.ioctl(sock, termios.TIOCOUTQ, b"\0\0\0\0"))[0]
        if unsent == 0:
            return
        time.sleep(0.001)


class Request:
    """The client's current request on one connection: method, size, bytes passed on.

    HTTP/1.1 clients that do not pipeline (libcurl, curl) send the next
    request only after the reply, so a chunk read never spans two requests.
    """

    def __init__(self):
        self.head = b""
        self.method = "?"
        self.total = None  # headers + Content-Length, once the headers are in
        self.sent = 0
        self.seen = False  # already weighed for a kill

    def begin(self, chunk):
        if self.total is not None:
            return
        self.head += chunk
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return
        self.method = self.head.split(b" ", 1)[0].decode(errors="replace")
        length = 0
        for line in self.head[:end].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        self.total = end + 4 + length

    def advance(self, n):
        self.sent += n
        if self.total is not None and self.sent >= self.total:
            self.__init__()


class Proxy:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.connections = 0
        self.kills = 0
        self.kill_at = [float(f) for f in args.kill_at.split(",")]
        self.let_through = None  # the PID whose one PUT has gone through

    def event(self, line):
        if self.args.events:
            with self.lock, open(self.args.events, "a") as f:
                f.write(line + "\n")

    def armed(self, take):
        """The PID written to --kill-pid-file, or None; take empties the file."""
        if not self.args.kill_pid_file:
            return None
        with self.lock:
            try:
                with open(self.args.kill_pid_file, "r+") as f:
                    text = f.read().strip()
                    if text and take:
                        f.seek(0)
                        f.truncate()
                        self.kills += 1
            except OSError:
                return None
        return int(text) if text else None

    def kill_fraction(self):
        return self.kill_at[self.kills % len(self.kill_at)]

    def handle(self, client):
        with self.lock:
            self.connections += 1
            faulty = self.args.faults is None or self.connections <= self.args.faults
        try:
            server = socket.create_connection(("127.0.0.1", self.args.target))
        except OSError:
            client.close()
            return
        counts = [0, 0]
        done = threading.Event()
        req = Request()

        def kill_mid_put(chunk, dst):
            """Passes on the PUT up to its kill point, then SIGKILLs the server; True if it did."""
            if req.method != "PUT" or req.total is None:
                return False
            pid = self.armed(False)
            if pid is None:
                return False
            if not req.seen:
                req.seen = True
                with self.lock:
                    if self.let_through != pid:
                        self.let_through = pid  # this PUT goes through: the client progresses
                        return False
            elif self.let_through != pid:
                return False
            point = max(1, min(req.total, int(req.total * self.kill_fraction())))
            if req.sent + len(chunk) < point:
                return False
            if self.armed(True) != pid:
                return False
            part = point - req.sent
            replied_before = counts[1]
            dst.sendall(chunk[:part])
            counts[0] += part
            if point < req.total:
                delivered(dst)  # the partial body is at the server, not in our queue
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            self.event("kill PUT sent=%d of=%d replied=%d" % (point, req.total, counts[1] > replied_before))
            return True

        rate = self.args.rate_up if faulty else None
        paced = [0.0]

        def pace(n):
            """Holds n bytes until the link's rate lets them through."""
            now = time.monotonic()
            paced[0] = max(paced[0], now) + n / rate
            time.sleep(paced[0] - now)

        def pump(src, dst, index):
            try:
                while True:
                    chunk = src.recv(max(1, rate // 20) if index == 0 and rate else 65536)
                    if not chunk:
                        break
                    if index == 0:
                        req.begin(chunk)
                        if kill_mid_put(chunk, dst):
                            break
                    if index == 0 and faulty and self.args.cut_after is not None:
                        room = self.args.cut_after - counts[0]
                        if len(chunk) >= room:
                            dst.sendall(chunk[:max(room, 0)])
                            counts[0] += max(room, 0)
                            self.event("cut %s sent=%d of=%s" % (req.method, req.sent + max(room, 0),
                                                                 req.total))
                            # Cut both ways, as a dropped link does (RST, no FIN dance).
                            for s in (client, server):
                                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                             b"\x01\x00\x00\x00\x00\x00\x00\x00")
                                s.close()
                            break
                    if index == 0 and faulty and self.args.delay_up is not None:
                        time.sleep(self.args.delay_up)
                    if index == 0 and rate:
                        pace(len(chunk))
                    if index == 1 and faulty and self.args.delay is not None:
                        time.sleep(self.args.delay)
                    dst.sendall(chunk)
                    counts[index] += len(chunk)
                    if index == 0:
                        req.advance(len(chunk))
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                done.set()

        up = threading.Thread(target=pump, args=(client, server, 0), daemon=True)
        down = threading.Thread(target=pump, args=(server, client, 1), daemon=True)
        up.start()
        down.start()
        up.join()
        down.join()
        client.close()
        server.close()
        if self.args.count:
            with self.lock, open(self.args.count, "a") as f:
                f.write("%d %d\n" % (counts[0], counts[1]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["proxy", "answer", "impostor", "silent"])
    p.add_argument("port", type=int)
    p.add_argument("target", type=int, nargs="?")
    p.add_argument("--cut-after", type=int)
    p.add_argument("--delay", type=float)
    p.add_argument("--delay-up", type=float)
    p.add_argument("--rate-up", type=int)
    p.add_argument("--faults", type=int)
    p.add_argument("--count")
    p.add_argument("--events")
    p.add_argument("--kill-pid-file")
    p.add_argument("--kill-at", default="0.5")
    p.add_argument("--status", type=int, default=503)
    p.add_argument("--error")
    args = p.parse_args()
    s = listener(args.port, 4096 if args.rate_up else None)
    print("netfault: listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    if args.mode in ("proxy", "answer"):
        if args.target is None:
            sys.exit("%s needs TARGET_PORT" % args.mode)
        handler = Proxy(args).handle if args.mode == "proxy" else Answer(args).handle
    else:
        handler = impostor if args.mode == "impostor" else silent
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
