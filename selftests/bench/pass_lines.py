#!/usr/bin/env python3
"""pass_lines.py - how the pass cache's lines fill, simulated.

Not a benchmark and not the product: the arithmetic behind the loads
chosen in include/turnstile.h (TS_PASS_LOAD_SPARSE, TS_PASS_LOAD_DENSE)
and docs/dataplane.md ("The pass cache"). N flows are filled in turn, within one epoch, into L lines
of 8 ways, L = N / load, with the fill rule of bpf/pass.h: a free way of
the flow's first line, else of its second (the first moved on by 1 to
L - 1 lines, as ts_pass_hash does), else none (the flow misses until the
next epoch). Prints, for each load, the share of flows in their second
line and the share in neither, with one line a flow beside it, averaged
over RUNS seeds; and the lines' bytes.

  selftests/bench/pass_lines.py [FLOWS [RUNS]]
"""
import random
import sys

WAYS = 8
LOADS = (4, 5, 6, 7, 8)


def fill(flows, lines, two, rng):
    """(flows in their second line, flows in neither) for one run."""
    taken = [0] * lines
    second = missed = 0
    for _ in range(flows):
        first = rng.randrange(lines)
        if taken[first] < WAYS:
            taken[first] += 1
        elif two and taken[(alt := (first + 1 + rng.randrange(lines - 1)) % lines)] < WAYS:
            taken[alt] += 1
            second += 1
        else:
            missed += 1
    return second, missed


def main():
    flows = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"# {flows} flows, {WAYS} ways a line, mean of {runs} runs")
    print("load  lines     bytes   second  missed  missed, one line")
    for load in LOADS:
        lines = flows // load
        two = [fill(flows, lines, True, random.Random(s)) for s in range(runs)]
        one = [fill(flows, lines, False, random.Random(s)) for s in range(runs)]
        second = sum(t[0] for t in two) / runs / flows
        missed = sum(t[1] for t in two) / runs / flows
        missed_one = sum(o[1] for o in one) / runs / flows
        print(f"{load:4}  {lines:5}  {lines * 64 / 1e6:5.2f} MB  {second:6.1%}  {missed:6.1%}  {missed_one:6.1%}")


if __name__ == "__main__":
    main()
