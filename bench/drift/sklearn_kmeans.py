#!/usr/bin/python3
"""Times scikit-learn KMeans on the rows segd-bench-drift fitted (same data, k, n_init, seed).

Usage: sklearn_kmeans.py ROWS_FILE COLUMNS K N_INIT RUNS
ROWS_FILE holds float64 rows, native byte order. Prints one JSON object: seconds per run,
inertia, iterations, scikit-learn version, threads.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info


def main():
    path, cols, k, n_init, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(
        sys.argv[4]), int(sys.argv[5])
    x = np.fromfile(path, dtype=np.float64).reshape(-1, cols)
    seconds, model = [], None
    for _ in range(runs):
        start = time.perf_counter()
        model = KMeans(n_clusters=k, n_init=n_init, init="k-means++", algorithm="lloyd",
                       random_state=0).fit(x)
        seconds.append(time.perf_counter() - start)
    threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    print(json.dumps({"seconds": seconds, "inertia": float(model.inertia_),
                      "iterations": int(model.n_iter_), "version": sklearn.__version__,
                      "threads": threads}))


if __name__ == "__main__":
    main()
