#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Writes the seed corpus of fuzz_dns (selftests/fuzz/corpus_dns).

Real queries and dnsmasq's real answers to them (A, AAAA, a CNAME chain,
many records, NXDOMAIN, EDNS), asked in a private network namespace, plus
a few hand-made edge cases. Each file is one selector byte (the
sub-target of fuzz_dns.c) followed by the message.

    sudo selftests/fuzz/gen_corpus_dns.py selftests/fuzz/corpus_dns

Needs root (unshare), dnsmasq. The files are checked in; rerun only to
refresh them.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

PORT = 5399
SEL_DEFAULT, SEL_TIGHT, SEL_NAME = 0, 1, 2


def name_wire(name):
    out = b""
    for label in name.split(".") if name else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(name, qtype, qid, edns=None):
    msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    msg += name_wire(name) + struct.pack("!HH", qtype, 1)
    if edns:
        msg += b"\0" + struct.pack("!HHIH", 41, edns, 0, 0)
    return msg


def ask(msg, tcp=False):
    if tcp:
        with socket.create_connection(("127.0.0.1", PORT), timeout=3) as s:
            s.sendall(struct.pack("!H", len(msg)) + msg)
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data[2:]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(msg, ("127.0.0.1", PORT))
        return s.recv(65536)


def live(outdir):
    hosts = tempfile.NamedTemporaryFile("w", delete=False)
    hosts.write("192.0.2.10 www.example.test\n2001:db8::10 www.example.test\n")
    hosts.write("192.0.2.81 target.cdn.test\n")
    for i in range(40):
        hosts.write("198.51.100.%d many.example.test\n" % (i + 1))
    hosts.close()
    dnsmasq = subprocess.Popen([
        "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon",
        "--port=%d" % PORT, "--listen-address=127.0.0.1", "--bind-interfaces",
        "--local=/test/", "--addn-hosts=" + hosts.name, "--local-ttl=30",
        "--cname=alias.example.test,mid.example.test,7",
        "--cname=mid.example.test,target.cdn.test,60", "--log-facility=/dev/null"])
    try:
        time.sleep(0.5)
        cases = [
            ("a", "www.example.test", 1, None, False),
            ("aaaa-edns", "www.example.test", 28, 1232, False),
            ("cname-chain", "alias.example.test", 1, None, False),
            ("many-edns", "many.example.test", 1, 4096, False),
            ("many-tcp", "many.example.test", 1, None, True),
            ("nxdomain", "nothing.example.test", 1, None, False),
            ("nodata", "target.cdn.test", 28, 1232, False),
        ]
        for i, (tag, name, qtype, edns, tcp) in enumerate(cases):
            q = query(name, qtype, 0x1000 + i, edns)
            a = ask(q, tcp)
            write(outdir, "query-" + tag, SEL_DEFAULT, q)
            write(outdir, "answer-" + tag, SEL_DEFAULT, a)
            write(outdir, "tight-" + tag, SEL_TIGHT, a)
    finally:
        dnsmasq.terminate()
        dnsmasq.wait()
        os.unlink(hosts.name)


def handmade(outdir):
    hdr = struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0)
    # a first label with \001 and 60 'a', then blob.test.evil.test
    q = b"\x3d\x01" + b"a" * 60 + name_wire("blob.test.evil.test")
    a = hdr + q + struct.pack("!HH", 1, 1) + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4)
    write(outdir, "answer-long-label", SEL_DEFAULT, a + bytes([203, 0, 113, 66]))
    # an answer owner that loops on itself
    a = hdr + name_wire("a.test") + struct.pack("!HH", 1, 1)
    loop = len(a)
    a += b"\x01x" + struct.pack("!H", 0xc000 | loop) + struct.pack("!HHIH", 1, 1, 60, 4)
    write(outdir, "answer-pointer-loop", SEL_DEFAULT, a + bytes([192, 0, 2, 1]))
    # read-name: offset 2 then a compressed name
    write(outdir, "name-compressed", SEL_NAME,
          b"\x00\x0e" + b"\0" * 12 + name_wire("example.test") + b"\x03www\xc0\x0c")


def write(outdir, tag, selector, msg):
    with open(os.path.join(outdir, tag), "wb") as f:
        f.write(bytes([selector]) + msg)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "selftests/fuzz/corpus_dns"
    if os.environ.get("TS_GEN_IN_NETNS") != "1":
        env = dict(os.environ, TS_GEN_IN_NETNS="1")
        os.makedirs(outdir, exist_ok=True)
        sys.exit(subprocess.call(["unshare", "--net", "--", sys.executable, __file__, outdir],
                                 env=env))
    subprocess.check_call(["ip", "link", "set", "lo", "up"])
    live(outdir)
    handmade(outdir)


if __name__ == "__main__":
    main()
