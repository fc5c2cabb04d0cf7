#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Writes the seed corpus of fuzz_learn (selftests/fuzz/corpus_learn).

Each file: one byte naming the client, the query's length (2 bytes, big
endian), the query, then the resolver's answer, as fuzz_learn.c reads
them. The pairs are made here (no network): names under the fuzzer's
wildcards, a CNAME chain, NXDOMAIN, a crafted long first label and a label
with a space (neither may ever be learned).

    selftests/fuzz/gen_corpus_learn.py selftests/fuzz/corpus_learn
"""
import os
import struct
import sys


def name_wire(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def labels(name):
    return [l.encode() for l in name.split(".")]


def query(qid, wire, qtype=1):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack(">HH", qtype, 1)


def answer(qid, wire, rrs, rcode=0, qtype=1):
    msg = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, len(rrs), 0, 0)
    msg += wire + struct.pack(">HH", qtype, 1)
    for owner, rtype, ttl, rdata in rrs:
        msg += owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata
    return msg


def pair(client, q, a):
    return bytes([client]) + struct.pack(">H", len(q)) + q + a


def main(out):
    os.makedirs(out, exist_ok=True)
    ptr = b"\xc0\x0c"  # the question's name
    cases = {}
    w = name_wire(labels("acct.example.test"))
    cases["learn-a"] = pair(1, query(1, w), answer(1, w, [(ptr, 1, 60, bytes([192, 0, 2, 65]))]))
    w6 = name_wire(labels("v6.example.test"))
    cases["learn-aaaa"] = pair(2, query(2, w6, 28), answer(2, w6, [(ptr, 28, 60, bytes(
        [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]))], qtype=28))
    wd = name_wire(labels("a.b.c.cdn.test"))
    cases["learn-deep"] = pair(3, query(3, wd), answer(3, wd, [(ptr, 1, 30, bytes([192, 0, 2, 66]))]))
    wc = name_wire(labels("alias.example.test"))
    target = name_wire(labels("edge.cdn.net"))
    cases["learn-cname"] = pair(4, query(4, wc), answer(4, wc, [
        (ptr, 5, 300, target), (target, 1, 20, bytes([192, 0, 2, 67]))]))
    wn = name_wire(labels("nx.example.test"))
    cases["learn-nxdomain"] = pair(5, query(5, wn), answer(5, wn, [], rcode=3))
    crafted = [b"\x01" * 61 + b"a", b"example", b"test", b"evil", b"test"]
    wa = name_wire(crafted)
    cases["attack-long-label"] = pair(6, query(6, wa), answer(6, wa, [(ptr, 1, 60, bytes([203, 0, 113, 66]))]))
    ws = name_wire([b"a b", b"example", b"test"])
    cases["attack-space"] = pair(7, query(7, ws), answer(7, ws, [(ptr, 1, 60, bytes([203, 0, 113, 67]))]))
    wb = name_wire(labels("acct.blob.core.windows.net"))
    cases["learn-blob"] = pair(8, query(8, wb), answer(8, wb, [(ptr, 1, 60, bytes([192, 0, 2, 68]))]))
    for name, data in cases.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "selftests/fuzz/corpus_learn")
