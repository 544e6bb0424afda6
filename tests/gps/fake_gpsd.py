#!/usr/bin/python3
"""A tiny fake gpsd that speaks garbage, for tests/gps/test_gps.sh.

    fake_gpsd.py PORTFILE [--then-fix] [--2d]

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening).
Every connection gets gpsd's VERSION banner; connections that send a
?WATCH get malformed JSON, lines cut in half, binary junk and an
overlong line, then (with --then-fix) one good TPV per second, dated now
(fieldcheck refuses a time far from the clock): 3D at 31.2304 121.4737,
4.5 m above sea level, +-5 m; with --2d, a 2D fix with neither altitude nor
accuracy.  Runs until killed.
"""
import os
import socket
import sys
import threading
import itertools
import time

COUNTER = itertools.count()   # watched connections, across threads

BANNER = b'{"class":"VERSION","release":"3.22","rev":"3.22","proto_major":3,"proto_minor":14}\r\n'
GARBAGE = [
    b'{"class":"TPV","mode":3,"lat":31.2,"lon":',               # cut, then continued below
    b'\r\n',
    b'{"class":"TPV","mode":3,"lat":"31.2","lon":121.4}\r\n',
    b'{"class":"TPV","mode":3,"lat":931.2,"lon":121.4}\r\n',
    b'{"class":"TPV","mode":3,"lat":NaN,"lon":121.4}\r\n',
    b'{"class":"TPV","mode":3}\r\n',
    b'{"class":"TPV","mode":3,"lat":31.2,"lon":121.4\r\n',
    b'{"class":"TPV","mode":3,"lat":31.2,\x00"lon":121.4}\r\n',
    b'\xff\xfe\x00\x01junk\r\n',
    b'{"class":"TPV","mode":3,"lat":31.2,"lon":121.4,"time":"yesterday"}\r\n',
    b'{"class":"SKY","satellites":[{"PRN":"x"}],"hdop":-1}\r\n',
    b'{' * 5000 + b'\r\n',
]


def good(two_d):
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    if two_d:
        rest = '"mode":2,"time":"%s","lat":31.2304,"lon":121.4737' % now
    else:
        rest = '"mode":3,"time":"%s","lat":31.2304,"lon":121.4737,"altMSL":4.5,"eph":5.0' % now
    return ('{"class":"TPV","device":"/dev/fake",%s}\r\n' % rest).encode()


def serve(conn, then_fix, two_d):
    try:
        conn.sendall(BANNER)
        conn.settimeout(5)
        data = b""
        while b"?WATCH" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        first = next(COUNTER) == 0
        # Garbage, then an overlong line that makes the client hang up;
        # when it reconnects, it gets only good lines (with --then-fix).
        for g in (GARBAGE if first or not then_fix else []):
            conn.sendall(g)
            time.sleep(0.02)   # let the client see lines cut at every point
        if first or not then_fix:
            conn.sendall(b'{"class":"TPV","mode":3,"lat":' + b'9' * 30000)   # overlong, no newline
            conn.sendall(b'\r\n')
        while then_fix:
            conn.sendall(good(two_d))
            time.sleep(1)
        time.sleep(30)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    portfile = sys.argv[1]
    then_fix = "--then-fix" in sys.argv[2:]
    two_d = "--2d" in sys.argv[2:]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, then_fix, two_d), daemon=True).start()


if __name__ == "__main__":
    main()
