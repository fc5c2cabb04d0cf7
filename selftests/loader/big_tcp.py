#!/usr/bin/env python3
# big_tcp.py DEV SIZE: turn on BIG TCP (GSO packets past 64 KiB) for IPv6
# and IPv4 on DEV, in the caller's network namespace, by rtnetlink: the
# iproute2 of Debian 12 knows gso_max_size but not gso_ipv4_max_size. Reads
# both back; exits 0 when the device now builds packets of SIZE bytes, 3
# when the kernel or the device does not take them, 1 on other errors.
import socket
import struct
import sys

RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
IFLA_GSO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE = 41, 63


def request(sock, msg_type, flags, body):
    sock.send(struct.pack("=IHHII", 16 + len(body), msg_type, flags, 1, 0) + body)
    return sock.recv(65536)


def attrs(payload):
    """The rtattrs of an RTM_NEWLINK answer, by type."""
    out, off = {}, 16 + 16   # nlmsghdr, ifinfomsg
    while off + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, off)
        if length < 4:
            break
        out[kind] = payload[off + 4:off + length]
        off += (length + 3) & ~3
    return out


def main():
    dev, size = sys.argv[1], int(sys.argv[2])
    ifi = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, socket.if_nametoindex(dev), 0, 0)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    body = ifi + b"".join(struct.pack("=HHI", 8, kind, size)
                          for kind in (IFLA_GSO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE))
    answer = request(sock, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, body)
    kind = struct.unpack_from("=H", answer, 4)[0]
    err = struct.unpack_from("=i", answer, 16)[0] if kind == NLMSG_ERROR else 0
    if err:
        print(f"big_tcp: {dev}: {size}: error {-err}", file=sys.stderr)
        return 3
    got = attrs(request(sock, RTM_GETLINK, NLM_F_REQUEST, ifi))
    for kind, name in ((IFLA_GSO_MAX_SIZE, "gso_max_size"), (IFLA_GSO_IPV4_MAX_SIZE, "gso_ipv4_max_size")):
        value = struct.unpack("=I", got[kind])[0] if kind in got else None
        if value != size:
            print(f"big_tcp: {dev}: {name} is {value}, not {size}", file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
