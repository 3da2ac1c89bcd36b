#!/usr/bin/python3
"""Writes tests/fixtures/model/ari_cases.txt: random labelings and scikit-learn's
adjusted_rand_score for each, so the C++ test can check segd's ARI to 1e-12 without Python.

Run with Debian's interpreter and python3-sklearn:  /usr/bin/python3 tools/model/make_ari_fixture.py
Format per case: a line "n rows cols ari" (ari with 17 significant digits), then a line of n
labels for A, then a line of n labels for B.
"""
import os
import numpy as np
from sklearn.metrics import adjusted_rand_score

rng = np.random.default_rng(20261123)
out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "model",
                   "ari_cases.txt")
cases = []
for i in range(40):
    n = int(rng.integers(2, 1200))
    ka = int(rng.integers(1, 12))
    kb = int(rng.integers(1, 12))
    a = rng.integers(0, ka, n)
    if i % 4 == 0:      # B close to A: a few labels moved, so ARI is high but not 1
        b = a.copy()
        moved = rng.integers(0, n, max(1, n // 20))
        b[moved] = rng.integers(0, ka, len(moved))
        kb = ka
    elif i % 4 == 1:    # B is A relabelled: ARI exactly 1
        perm = rng.permutation(ka)
        b = perm[a]
        kb = ka
    else:
        b = rng.integers(0, kb, n)
    cases.append((n, ka, kb, adjusted_rand_score(a, b), a, b))
with open(out, "w") as f:
    for n, ka, kb, ari, a, b in cases:
        f.write(f"{n} {ka} {kb} {ari!r}\n")
        f.write(" ".join(map(str, a)) + "\n")
        f.write(" ".join(map(str, b)) + "\n")
print(f"wrote {len(cases)} cases to {out}")
