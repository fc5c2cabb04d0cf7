#!/usr/bin/env python3
"""dnsprobe.py - a DNS client for the DNS proxy tests (stdlib only).

Hand-made wire messages, so a test can ask for names no stub resolver
would send (any byte in a label), then connect at once to what came back.
Names are given in presentation form: labels split on '.', '\\DDD' is a
byte, '\\X' is X (so '\\.' is a dot inside a label).

  dnsprobe.py resolve SERVER NAME [--src A] [--tcp] [--type A|AAAA]
                      [--connect PORT] [--timeout S]
      one line: "FAIL dns: WHY" or
      "rcode=R tc=T addrs=A1,A2 [connect=ok|connect=FAIL:WHY]"
      (--connect: TCP to the first address with a 0.9 s timeout, so a
      dropped first SYN, retransmitted after 1 s, fails it)
  dnsprobe.py flood SERVER SUFFIX --count N --seconds S [--src A] [--window W]
      N queries for fresh random names under SUFFIX, at most W outstanding,
      for at most S seconds: "sent N answered M"
  dnsprobe.py storm SERVER SUFFIX --stop-file F [--src A] [--port P] [--type T] [--max N]
                   [--pause S]
      resolves a fresh name under SUFFIX and connects, again and again (S
      seconds apart), until F exists or N names were asked: "queries N
      unanswered U badanswer B connfail C" then the first failures, one a
      line.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

QTYPES = {"A": 1, "AAAA": 28}
CONNECT_TIMEOUT = 0.9


def name_wire(name):
    """Presentation-form NAME -> wire form (no compression)."""
    labels, cur, i = [], bytearray(), 0
    while i < len(name):
        c = name[i]
        if c == "\\" and name[i + 1:i + 4].isdigit() and len(name[i + 1:i + 4]) == 3:
            cur.append(int(name[i + 1:i + 4]))
            i += 4
            continue
        if c == "\\":
            cur += name[i + 1].encode()
            i += 2
            continue
        if c == ".":
            labels.append(bytes(cur))
            cur = bytearray()
        else:
            cur += c.encode()
        i += 1
    if cur:
        labels.append(bytes(cur))
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def query(qid, name, qtype="A"):
    return (struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name_wire(name) +
            struct.pack(">HH", QTYPES[qtype], 1))


def skip_name(m, off):
    while m[off] and m[off] < 0xC0:
        off += m[off] + 1
    return off + (2 if m[off] >= 0xC0 else 1)


def parse(m):
    """(rcode, tc, [addresses]) of an answer message."""
    rcode, tc = m[3] & 0xF, (m[2] >> 1) & 1
    qd, an = struct.unpack(">HH", m[4:8])
    off = 12
    for _ in range(qd):
        off = skip_name(m, off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(m, off)
        t, _, _, rdlen = struct.unpack(">HHIH", m[off:off + 10])
        off += 10
        if t in (1, 28):
            addrs.append(socket.inet_ntop(socket.AF_INET if t == 1 else socket.AF_INET6,
                                          m[off:off + rdlen]))
        off += rdlen
    return rcode, tc, addrs


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def source(src, peer):
    """src to bind for talking to peer: only one of the peer's family."""
    return src if src and family(src) == family(peer) else None


def ask(server, q, src=None, tcp=False, timeout=2.0):
    """The answer to q (bytes), or raise OSError."""
    s = socket.socket(family(server), socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    with s:
        s.settimeout(timeout)
        if source(src, server):
            s.bind((src, 0))
        if tcp:
            s.connect((server, 53))
            s.sendall(struct.pack(">H", len(q)) + q)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
                d = s.recv(65535)
                if not d:
                    raise OSError("connection closed after %d bytes" % len(buf))
                buf += d
            a = buf[2:]
        else:
            s.sendto(q, (server, 53))
            while True:
                a, _ = s.recvfrom(65535)
                if a[:2] == q[:2]:
                    break
    if len(a) < 12 or a[:2] != q[:2]:
        raise OSError("answer with another id")
    return a


def connect(addr, port, src=None):
    """'ok' or 'FAIL:why' for a TCP connection that echoes a line."""
    try:
        c = socket.create_connection((addr, port), timeout=CONNECT_TIMEOUT,
                                     source_address=(src, 0) if source(src, addr) else None)
        with c:
            c.sendall(b"hi\n")
            return "ok" if c.recv(16) == b"hi\n" else "FAIL:bad-echo"
    except OSError as e:
        return "FAIL:" + (str(e) or type(e).__name__).replace(" ", "_")


def cmd_resolve(a):
    q = query(random.randrange(65536), a.name, a.type)
    try:
        ans = ask(a.server, q, a.src, a.tcp, a.timeout)
        rcode, tc, addrs = parse(ans)
    except (OSError, struct.error, IndexError) as e:
        print("FAIL dns:", e or type(e).__name__)
        return
    line = "rcode=%d tc=%d addrs=%s" % (rcode, tc, ",".join(addrs))
    if a.connect:
        line += " connect=" + (connect(addrs[0], a.connect, a.src) if addrs else "FAIL:no-address")
    print(line)


def fresh_label():
    return "%016x" % random.getrandbits(64)


def cmd_flood(a):
    s = socket.socket(family(a.server), socket.SOCK_DGRAM)
    if source(a.src, a.server):
        s.bind((a.src, 0))
    s.setblocking(False)
    sent = answered = 0
    outstanding = {}
    end = time.monotonic() + a.seconds
    while time.monotonic() < end and (sent < a.count or outstanding):
        while sent < a.count and len(outstanding) < a.window:
            qid = sent & 0xFFFF
            try:
                s.sendto(query(qid, fresh_label() + "." + a.suffix), (a.server, 53))
            except BlockingIOError:
                break
            outstanding[qid] = time.monotonic()
            sent += 1
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            while True:
                try:
                    m = s.recv(65535)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                if outstanding.pop(struct.unpack(">H", m[:2])[0], None) is not None:
                    answered += 1
        # a query unanswered for a second is given up (keeps the window moving)
        now = time.monotonic()
        for qid in [k for k, t in outstanding.items() if now - t > 1.0]:
            del outstanding[qid]
    print("sent %d answered %d" % (sent, answered))


def cmd_storm(a):
    n = unanswered = bad = connfail = 0
    failures = []
    while not os.path.exists(a.stop_file) and (a.max is None or n < a.max):
        name = fresh_label() + "." + a.suffix
        n += 1
        try:
            rcode, _, addrs = parse(ask(a.server, query(n & 0xFFFF, name, a.type), a.src))
        except (OSError, struct.error, IndexError) as e:
            unanswered += 1
            failures.append("%.3f %s unanswered: %s" % (time.monotonic(), name, e))
            continue
        if rcode or not addrs:
            bad += 1
            failures.append("%.3f %s rcode %d addrs %s" % (time.monotonic(), name, rcode, addrs))
            continue
        got = connect(addrs[0], a.port, a.src)
        if got != "ok":
            connfail += 1
            failures.append("%.3f %s %s %s" % (time.monotonic(), name, addrs[0], got))
        time.sleep(a.pause)
    print("queries %d unanswered %d badanswer %d connfail %d" % (n, unanswered, bad, connfail))
    for f in failures[:10]:
        print(" ", f)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("resolve")
    r.add_argument("server")
    r.add_argument("name")
    r.add_argument("--src")
    r.add_argument("--tcp", action="store_true")
    r.add_argument("--type", default="A", choices=QTYPES)
    r.add_argument("--connect", type=int)
    r.add_argument("--timeout", type=float, default=2.0)
    f = sub.add_parser("flood")
    f.add_argument("server")
    f.add_argument("suffix")
    f.add_argument("--src")
    f.add_argument("--count", type=int, default=5000)
    f.add_argument("--seconds", type=float, default=10)
    f.add_argument("--window", type=int, default=64)
    s = sub.add_parser("storm")
    s.add_argument("server")
    s.add_argument("suffix")
    s.add_argument("--src")
    s.add_argument("--stop-file", required=True)
    s.add_argument("--port", type=int, default=443)
    s.add_argument("--type", default="A", choices=QTYPES)
    s.add_argument("--max", type=int)
    s.add_argument("--pause", type=float, default=0.0)
    a = p.parse_args()
    {"resolve": cmd_resolve, "flood": cmd_flood, "storm": cmd_storm}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
