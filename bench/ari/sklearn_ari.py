#!/usr/bin/python3
"""Times scikit-learn's adjusted_rand_score on the labelings segd-bench-ari scored.

Usage: sklearn_ari.py LABELS_A LABELS_B RUNS
Each file holds int32 labels, native byte order. Prints one JSON object: seconds per run, the
value (repr-exact float), scikit-learn version.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.metrics import adjusted_rand_score


def main():
    a = np.fromfile(sys.argv[1], dtype=np.int32)
    b = np.fromfile(sys.argv[2], dtype=np.int32)
    runs = int(sys.argv[3])
    seconds, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = adjusted_rand_score(a, b)
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "value": float(value), "version": sklearn.__version__}))


if __name__ == "__main__":
    main()
