#!/usr/bin/env python3
"""dns_fresh_server.py ADDR - a tiny authoritative server for fresh.test.

Every name "<16 hex digits>.fresh.test" has one AAAA record,
2001:db8:f::<those 64 bits>, TTL 60: a never-seen name brings a never-seen
address, so a test can tell that each answer was learned (an address
learned earlier would let its SYN pass anyway). Likewise every name
"<N>.fresh4.test", N from 1 to 254, has one A record, 203.0.113.N. Other
queries get an empty NOERROR answer. Prints "ready" once it listens.
"""
import socket
import struct
import sys


def answer(q):
    qd = struct.unpack(">H", q[4:6])[0]
    if len(q) < 12 or q[2] & 0x80 or qd != 1:
        return None
    off, labels = 12, []
    while q[off]:
        labels.append(q[off + 1:off + 1 + q[off]])
        off += q[off] + 1
    qtype = struct.unpack(">H", q[off + 1:off + 3])[0]
    question = q[12:off + 5]
    hdr = bytearray(q[:12])
    hdr[2] = 0x84 | (q[2] & 0x01)  # QR, AA, RD copied
    hdr[3] = 0x00
    rr = b""
    name = [l.lower() for l in labels]
    if (qtype == 28 and len(name) == 3 and name[1:] == [b"fresh", b"test"] and len(name[0]) == 16
            and all(c in b"0123456789abcdef" for c in name[0])):
        rr = struct.pack(">HHHIH", 0xC00C, 28, 1, 60, 16) + bytes.fromhex("20010db8000f0000") + \
            bytes.fromhex(name[0].decode())
    elif (qtype == 1 and len(name) == 3 and name[1:] == [b"fresh4", b"test"] and
          1 <= len(name[0]) <= 3 and name[0].isdigit() and 1 <= int(name[0]) <= 254):
        rr = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([203, 0, 113, int(name[0])])
    hdr[4:12] = struct.pack(">HHHH", 1, 1 if rr else 0, 0, 0)
    return bytes(hdr) + question + rr


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], 53))
    print("ready", flush=True)
    while True:
        q, peer = s.recvfrom(4096)
        try:
            a = answer(q)
        except (IndexError, struct.error):
            a = None
        if a:
            s.sendto(a, peer)


if __name__ == "__main__":
    main()
