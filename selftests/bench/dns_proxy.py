#!/usr/bin/env python3
"""dns_proxy.py PROXY UPSTREAM NAME... - the latency the DNS proxy adds.

Latency: N rounds; each round asks the same name (the names in turn) once
straight to UPSTREAM and once through PROXY, which of the two goes first
alternating, one query outstanding: both series see the same load, cache
state and machine noise. Throughput: a burst with WINDOW queries
outstanding for SECONDS, through the proxy, then straight to the upstream
(the baseline, which also bounds what this one-threaded client can send).
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "loader"))
import dnsprobe  # noqa: E402


def pct(sorted_us, p):
    return sorted_us[min(len(sorted_us) - 1, int(len(sorted_us) * p / 100))]


def one(sock, q):
    t0 = time.perf_counter_ns()
    sock.send(q)
    while True:
        a = sock.recv(4096)
        if a[:2] == q[:2]:
            return (time.perf_counter_ns() - t0) / 1000


def latency(proxy, upstream, names, rounds):
    socks = {}
    for key, server in (("proxy", proxy), ("direct", upstream)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.connect((server, 53))
        socks[key] = s
    qs = [dnsprobe.query(i % 65536, n) for i, n in enumerate(names)]
    for q in qs * 20:  # warm: caches, learned names, neighbours
        for s in socks.values():
            one(s, q)
    res = {"proxy": [], "direct": [], "lost": 0}
    for i in range(rounds):
        q = qs[i % len(qs)]
        order = ("proxy", "direct") if i % 2 else ("direct", "proxy")
        for key in order:
            try:
                res[key].append(one(socks[key], q))
            except socket.timeout:
                res["lost"] += 1
    return res


def burst(server, names, window, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((server, 53))
    s.setblocking(False)
    qs = [bytearray(dnsprobe.query(0, n)) for n in names]
    outstanding, lost, answered, qid = {}, 0, 0, 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        while len(outstanding) < window:
            q = qs[qid % len(qs)]
            q[0:2] = struct.pack(">H", qid & 0xFFFF)
            try:
                s.send(q)
            except BlockingIOError:
                break
            outstanding[qid & 0xFFFF] = time.monotonic()
            qid += 1
        r, _, _ = select.select([s], [], [], 0.01)
        while r:
            try:
                a = s.recv(4096)
            except BlockingIOError:
                break
            if outstanding.pop(struct.unpack(">H", a[:2])[0], None) is not None:
                answered += 1
        now = time.monotonic()
        for k in [k for k, t in outstanding.items() if now - t > 0.5]:
            del outstanding[k]  # lost: the window moves on
            lost += 1
    return answered / (time.monotonic() - start), lost


def main():
    p = argparse.ArgumentParser()
    p.add_argument("proxy")
    p.add_argument("upstream")
    p.add_argument("names", nargs="+")
    p.add_argument("--rounds", type=int, default=2000)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--seconds", type=float, default=3)
    a = p.parse_args()

    r = latency(a.proxy, a.upstream, a.names, a.rounds)
    d, x = sorted(r["direct"]), sorted(r["proxy"])
    dm, d99, xm, x99 = pct(d, 50), pct(d, 99), pct(x, 50), pct(x, 99)
    print("latency, %d queries each way, interleaved, one outstanding (%d lost):" %
          (len(x), r["lost"]))
    print("  direct to the upstream: median %6.0f us  p99 %6.0f us" % (dm, d99))
    print("  through the proxy:      median %6.0f us  p99 %6.0f us" % (xm, x99))
    print("  added median latency %.0f us (target <= 50 us); p99 ratio %.2fx (target <= 2x)" %
          (xm - dm, x99 / d99))
    pq, plost = burst(a.proxy, a.names, a.window, a.seconds)
    dq, dlost = burst(a.upstream, a.names, a.window, a.seconds)
    print("throughput, %d outstanding, %.0f s each: proxy %.0f q/s (%d lost), "
          "direct %.0f q/s (%d lost): %.2fx of direct" %
          (a.window, a.seconds, pq, plost, dq, dlost, pq / dq if dq else 0))


if __name__ == "__main__":
    main()
