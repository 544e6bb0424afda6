#!/usr/bin/env python3
"""A small city platform for tests/platform/test_push.sh, on 127.0.0.1.

    receiver.py PORTFILE SCRIPT LOG [CERT KEY]

With CERT and KEY (PEM) it serves HTTPS.

Answers each POST by the next line of SCRIPT (consumed as it goes):
  500     500 with a JSON error
  409     409: this key is already held
  400     400 with a reason: the case is refused
  html    200 with an HTML page (a captive portal)
  hang    no answer for 5 s, then the connection is closed
  302     a redirect to a login page (a captive portal)
  400esc  400 whose reason carries a terminal escape sequence
  (none)  201 with {"caseId": ...}
Every request is logged to LOG as one JSON line: key, body, answer.
"""
import hashlib, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, script, log = sys.argv[1:4]
lock = threading.Lock()


def next_mode():
    with lock:
        with open(script) as f:
            lines = f.read().split()
        mode = lines[0] if lines else "201"
        with open(script, "w") as f:
            f.write("\n".join(lines[1:]))
        return mode


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key", "")
        mode = next_mode()
        try:
            case = json.loads(body)
        except ValueError:
            case = None
        with lock, open(log, "a") as f:
            f.write(json.dumps({"key": key, "mode": mode, "ctype": self.headers.get("Content-Type"),
                                "sha": hashlib.sha256(body).hexdigest(), "case": case},
                               ensure_ascii=False) + "\n")
        if mode == "hang":
            time.sleep(5)
            self.close_connection = True
            return
        if mode == "500":
            self.answer(500, "application/json", b'{"error":"database down"}')
        elif mode == "409":
            self.answer(409, "application/json", b'{"error":"duplicate idempotency key"}')
        elif mode == "400":
            self.answer(400, "application/json", b'{"error":"cellId unknown"}')
        elif mode == "302":
            self.send_response(302)
            self.send_header("Location", "http://login.example/portal")
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "400esc":
            self.answer(400, "application/json", b'{"error":"\x1b]0;owned\x07\x1b[2Jbad"}')
        elif mode == "html":
            self.answer(200, "text/html", b"<html><body>Wi-Fi login</body></html>")
        else:
            out = json.dumps({"caseId": case.get("caseId") if case else None}).encode()
            self.answer(201, "application/json", out)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
if len(sys.argv) > 5:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
