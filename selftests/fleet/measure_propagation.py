#!/usr/bin/env python3
"""measure_propagation.py - how long a fleet policy change takes to be
active on every gateway.

  measure_propagation.py COUNT POLICY_FILE LOG... -- ETCDCTL...

COUNT times: write POLICY_FILE's text plus a line "# change K" with the
ETCDCTL command (its `put` prints the new revision as JSON), then wait
until every LOG has the line "fleet ...: revision R active". The time
runs from just before the etcdctl process starts (its own start-up, tens
of ms, is included: the bound is an upper one) to the last gateway's line.
Prints each change, then "median_ms M worst_ms W etcdctl_median_ms E"
(E: how long etcdctl itself took, start-up and write, of the M); exits 1
when a change is not active everywhere within 10 s.
"""
import json
import re
import statistics
import subprocess
import sys
import time

def main():
    sep = sys.argv.index("--")
    count, policy, logs = int(sys.argv[1]), open(sys.argv[2]).read(), sys.argv[3:sep]
    etcdctl = sys.argv[sep + 1:]
    times, puts = [], []
    for k in range(1, count + 1):
        text = policy + "# change %d\n" % k
        t0 = time.monotonic()
        out = subprocess.run(etcdctl + ["put", "-w", "json", "/turnstile/f/policy"], input=text.encode(),
                             capture_output=True, check=True).stdout
        puts.append((time.monotonic() - t0) * 1000)
        rev = json.loads(out)["header"]["revision"]
        line = re.compile(r"fleet \S+: revision %d active" % rev)
        pending = set(logs)
        while pending and time.monotonic() - t0 < 10:
            for log in list(pending):
                with open(log, errors="replace") as f:
                    if line.search(f.read()):
                        pending.discard(log)
            time.sleep(0.005)
        if pending:
            print("change %d (revision %d): not active on %s after 10 s" % (k, rev, sorted(pending)))
            return 1
        ms = (time.monotonic() - t0) * 1000
        times.append(ms)
        print("change %d revision %d active on all %d in %.0f ms" % (k, rev, len(logs), ms))
    print("median_ms %.0f worst_ms %.0f etcdctl_median_ms %.0f" %
          (statistics.median(times), max(times), statistics.median(puts)))
    return 0

if __name__ == "__main__":
    sys.exit(main())
