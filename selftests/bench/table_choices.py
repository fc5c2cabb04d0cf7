#!/usr/bin/env python3
"""table_choices.py - how a flow table's bucket choices fill, simulated.

Not a benchmark and not the product: the arithmetic behind a design note
in docs/bench.md ("What remains"). Keys are inserted, never removed (the
worst case), into B buckets of S slots up to the capacity C (half the
slots, as turnstile sizes its tables), with turnstile's insert rule: the
key's home slot in its first bucket when free, else the emptiest of its
buckets (the first on a tie), never more than two keys of one tag byte
in a bucket (TS_TAG_DUPS). The first D buckets are a dense region. Modes,
by where a key's buckets lie:
  today        two buckets over the whole table (turnstile now)
  dense        the first in the dense region, the second anywhere
  dense-split  the first in the dense region, the second outside it
  dense3       the first in the dense region, two more outside it
  spill        two tables tried in turn (cand-spill): a small one of D
               buckets of its own, the key's two buckets there, then the
               B buckets of today's, only when neither small bucket has
               room ("dense": the keys in the small table)
Prints, at each count of keys inserted: the inserts refused so far (no
bucket of the key had room) and how many keys sit in the dense region
(the locality: the memory a packet's slot read ranges over).

  selftests/bench/table_choices.py [SEED]
"""
import random
import sys

B, S, C, D = 65536, 8, 262144, 4096   # the default flow table on a 24 GiB host; D = B / 16
CHECKPOINTS = (8192, 16384, 100000, C // 2, C * 3 // 4, C * 9 // 10, C)


def buckets(mode, rnd):
    """The key's buckets, in the stages an insert tries in turn (the first
    of a stage holds the home slot). The small table of spill is buckets
    B .. B + D - 1."""
    if mode == 'today':
        return [[rnd.randrange(B), rnd.randrange(B)]]
    if mode == 'dense':
        return [[rnd.randrange(D), rnd.randrange(B)]]
    if mode == 'dense-split':
        return [[rnd.randrange(D), rnd.randrange(D, B)]]
    if mode == 'spill':
        return [[B + rnd.randrange(D), B + rnd.randrange(D)], [rnd.randrange(B), rnd.randrange(B)]]
    return [[rnd.randrange(D), rnd.randrange(D, B), rnd.randrange(D, B)]]


def is_dense(mode, b):
    return b >= B if mode == 'spill' else b < D


def run(mode, seed):
    rnd = random.Random(seed)
    count, used, tags = [0] * (B + D), [0] * (B + D), [dict() for _ in range(B + D)]
    refused = dense = 0
    out = []
    for i in range(1, C + 1):
        tag, home = rnd.randrange(1, 256), rnd.randrange(S)
        for cand in buckets(mode, rnd):
            room = [b for b in cand if count[b] < S and tags[b].get(tag, 0) < 2]
            if room:
                break
        if not room:
            refused += 1
        else:
            if cand[0] in room and not used[cand[0]] >> home & 1:
                b, j = cand[0], home
            else:
                b = min(room, key=lambda x: (count[x], cand.index(x)))
                j = next(j for j in range(S) if not used[b] >> j & 1)
            used[b] |= 1 << j
            count[b] += 1
            tags[b][tag] = tags[b].get(tag, 0) + 1
            dense += is_dense(mode, b)
        if i in CHECKPOINTS:
            out.append('%d keys: %d refused (%.2f%%), %d dense' % (i, refused, 100.0 * refused / i, dense))
    return out


if __name__ == '__main__':
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for mode in ('today', 'dense', 'dense-split', 'dense3', 'spill'):
        print(mode + ': ' + '; '.join(run(mode, seed)))
