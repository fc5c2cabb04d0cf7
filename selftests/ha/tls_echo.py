#!/usr/bin/env python3
"""TLS echo server and long-lived TLS clients for the HA pair test.

server CERT KEY ADDR PORT...   echo every TLS connection's bytes back (one
                               thread per connection; a port written
                               tcp:PORT echoes plain TCP); prints "ready"
clients N ADDR PORT SECONDS    N TLS connections opened at once ("up I" once
                               each is established); each sends
                               a numbered line every 50 ms and waits for
                               its echo until SECONDS pass or the file
                               named by $HA_STOP exists. Prints per
                               connection "conn I ok N maxgap G" or
                               "conn I FAIL why", then "done": exits 0
                               when every connection echoed to the end.
                               One that does not open says so at once
                               ("open I FAIL why").
A connection not open after 2 s, or an echo stalled for 30 s, is a failure.
"""
import os
import socket
import ssl
import sys
import threading
import time

STALL_S = 30.0
CONNECT_S = 2.0
PERIOD_S = 0.05
OUT_LOCK = threading.Lock()


def say(line):
    """One whole line on stdout, flushed. print() from several threads is
    not: it writes the text and the newline apart, so two threads' lines
    can merge ("up 2up 3", then an empty line) and a reader counting
    lines that start with "up" misses one."""
    with OUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def echo(conn):
    with conn:
        while True:
            try:
                data = conn.recv(4096)
            except (OSError, ssl.SSLError):
                return
            if not data:
                return
            conn.sendall(data)


def handshake_and_echo(ctx, raw):
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError):
        raw.close()
        return
    echo(conn)


def serve(ctx, sock):
    # each connection's TLS handshake in its own thread: clients opening at
    # once must not wait for each other's handshakes (their 2 s bound)
    while True:
        raw, _ = sock.accept()
        if not ctx:
            threading.Thread(target=echo, args=(raw,), daemon=True).start()
        else:
            threading.Thread(target=handshake_and_echo, args=(ctx, raw), daemon=True).start()


def server(cert, key, addr, ports):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    for port in ports:
        plain = port.startswith("tcp:")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((addr, int(port[4:] if plain else port)))
        sock.listen(64)
        threading.Thread(target=serve, args=(None if plain else ctx, sock), daemon=True).start()
    say("ready")
    threading.Event().wait()


def client(i, addr, port, until, results):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    stop = os.environ.get("HA_STOP", "")
    n, maxgap = 0, 0.0
    try:
        conn = ctx.wrap_socket(socket.create_connection((addr, port), timeout=CONNECT_S))
    except (OSError, ssl.SSLError) as e:
        # at once: the test stops waiting for the opens long before "done"
        say("open %d FAIL: %s" % (i, e))
        results[i] = "conn %d FAIL did not open: %s" % (i, e)
        return
    try:
        conn.settimeout(STALL_S)
        say("up %d" % i)
        last = time.monotonic()
        while time.monotonic() < until and not (stop and os.path.exists(stop)):
            line = b"%d %d\n" % (i, n)
            conn.sendall(line)
            got = b""
            while len(got) < len(line):
                part = conn.recv(len(line) - len(got))
                if not part:
                    raise OSError("closed by the peer")
                got += part
            if got != line:
                raise OSError("echo differs: %r" % got)
            now = time.monotonic()
            maxgap = max(maxgap, now - last)
            last = now
            n += 1
            time.sleep(PERIOD_S)
        conn.close()
        results[i] = "conn %d ok %d maxgap %.3f" % (i, n, maxgap)
    except (OSError, ssl.SSLError) as e:
        results[i] = "conn %d FAIL after %d echoes: %s" % (i, n, e)


def clients(count, addr, port, seconds):
    until = time.monotonic() + seconds
    results = ["conn %d FAIL did not finish" % i for i in range(count)]
    threads = [threading.Thread(target=client, args=(i, addr, port, until, results))
               for i in range(count)]
    for t in threads:
        t.start()
    say("started")
    for t in threads:
        t.join()
    for r in results:
        say(r)
    say("done")
    return 0 if all(" ok " in r for r in results) else 1


def main(argv):
    if len(argv) >= 5 and argv[1] == "server":
        server(argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) == 6 and argv[1] == "clients":
        return clients(int(argv[2]), argv[3], int(argv[4]), float(argv[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
