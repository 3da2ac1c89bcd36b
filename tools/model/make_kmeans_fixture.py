#!/usr/bin/python3
"""Writes tests/fixtures/model/rfm_kmeans.txt: an Olist-like RFM data set (recency days,
log1p frequency, log1p monetary) and scikit-learn's KMeans inertia on it after StandardScaler,
so the C++ test can check that segd's baseline fit is within 1% of scikit-learn's.

Run with Debian's interpreter and python3-sklearn:  /usr/bin/python3 tools/model/make_kmeans_fixture.py
Format: a line "rows k n_init inertia", then one row per line.
"""
import os
import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(7)
n, k, n_init = 5000, 4, 10
repeat = rng.random(n) < 0.03
frequency = np.where(repeat, 2 + np.minimum(8, rng.exponential(1.0, n).astype(int)), 1)
monetary = frequency * np.exp(np.log(95.0) + 0.95 * rng.standard_normal(n))
recency = rng.uniform(0, 700, n) * np.where(repeat, 0.5, 1.0)
x = np.column_stack([recency, np.log1p(frequency), np.log1p(monetary)])
z = StandardScaler().fit_transform(x)
model = KMeans(n_clusters=k, n_init=n_init, random_state=0).fit(z)
out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "model",
                   "rfm_kmeans.txt")
with open(out, "w") as f:
    f.write(f"{n} {k} {n_init} {model.inertia_!r}\n")
    for row in x:
        f.write(" ".join(repr(float(v)) for v in row) + "\n")
print(f"wrote {n} rows, sklearn inertia {model.inertia_} to {out}")
