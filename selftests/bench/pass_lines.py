#!/usr/bin/env python3
"""pass_lines.py - how the pass cache's lines fill, simulated.

Not a benchmark and not the product: the arithmetic behind the loads
chosen in include/turnstile.h (TS_PASS_LOAD_SPARSE, TS_PASS_LOAD_DENSE)
and docs/dataplane.md ("The pass cache"). N flows are filled in turn,
within one epoch, into L lines of 8 ways, L = N / load, with the fill
rule of bpf/pass.h: a free way of the flow's first line, else of its
second (the first moved on by 1 to L - 1 lines, as ts_pass_line2 does),
else (pass_move) a way of its first line whose own flow is in its first
line moves to that flow's second line if that has a free way, trying
MOVE_TRIES ways from a random one on; else none (the flow misses). A
flow that found no room tries again on its next segment: the fills are
then repeated once for the flows left out. Prints, for each load, the
share of flows in their second line, the share in neither after one
segment and after two, and the share in neither without moves and with
one line a flow, averaged over RUNS seeds; and the lines' bytes.

  selftests/bench/pass_lines.py [FLOWS [RUNS]]
"""
import random
import sys

WAYS = 8
MOVE_TRIES = 4
LOADS = (4, 5, 6, 7, 8)


class Cache:
    """Lines of ways; a way is (flow's 'step' to its second line, in its second)."""

    def __init__(self, lines, rng):
        self.lines = lines
        self.rng = rng
        self.way = [[] for _ in range(lines)]

    def second_of(self, first, step):
        return (first + 1 + step) % self.lines

    def move(self, at):
        """Empty a way of line `at` by moving one to its flow's second line."""
        ln = self.way[at]
        start = self.rng.randrange(WAYS)
        for t in range(MOVE_TRIES):
            w = (start + t) % WAYS
            step, second = ln[w]
            if second:
                continue
            to = self.second_of(at, step)
            if len(self.way[to]) < WAYS:
                self.way[to].append((step, True))
                del ln[w]
                return True
        return False

    def fill(self, first, step, moves):
        """Where the flow went: 1 first line, 2 second, 0 nowhere."""
        if len(self.way[first]) < WAYS:
            self.way[first].append((step, False))
            return 1
        if step is None:
            return 0
        second = self.second_of(first, step)
        if len(self.way[second]) < WAYS:
            self.way[second].append((step, True))
            return 2
        if moves and self.move(first):
            self.way[first].append((step, False))
            return 1
        return 0


def run(flows, lines, two, moves, rng):
    """(flows in their second line, in neither after one segment, after two)."""
    cache = Cache(lines, rng)
    spots = [(rng.randrange(lines), rng.randrange(lines - 1) if two else None) for _ in range(flows)]
    placed = [cache.fill(first, step, moves) for first, step in spots]
    missed_once = placed.count(0)
    for i, (first, step) in enumerate(spots):
        if not placed[i]:
            placed[i] = cache.fill(first, step, moves)
    second = sum(1 for at in range(lines) for step, marked in cache.way[at] if marked)
    return second, missed_once, placed.count(0)


def main():
    flows = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"# {flows} flows, {WAYS} ways a line, mean of {runs} runs, moves of {MOVE_TRIES} tries")
    print("load  lines     bytes   second  missed  after two  no moves  one line")
    for load in LOADS:
        lines = flows // load

        def mean(two, moves, col):
            return sum(run(flows, lines, two, moves, random.Random(s))[col] for s in range(runs)) / runs / flows

        print(f"{load:4}  {lines:5}  {lines * 64 / 1e6:5.2f} MB  {mean(True, True, 0):6.1%}  "
              f"{mean(True, True, 1):6.2%}  {mean(True, True, 2):9.2%}  {mean(True, False, 1):8.2%}  "
              f"{mean(False, False, 1):8.2%}")


if __name__ == "__main__":
    main()
