#!/usr/bin/python3
"""Times scikit-learn MiniBatchKMeans.partial_fit on the stream segd-bench-online fed to segd.

Usage: sklearn_minibatch.py POINTS_FILE CENTERS_FILE COLUMNS BATCH RUNS
Both files hold float64 rows, native byte order; CENTERS_FILE holds the initial centres (the
baseline's). The stream is fed in order, BATCH points per partial_fit call. Reassignment is off
(segd's live model has none by default) and labels are not computed per call (segd does not).
Prints one JSON object: seconds per run, final centres, inertia on all points, version, threads.
"""
import json
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.cluster import MiniBatchKMeans
from threadpoolctl import threadpool_info


def main():
    points_path, centers_path = sys.argv[1], sys.argv[2]
    cols, batch, runs = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    x = np.fromfile(points_path, dtype=np.float64).reshape(-1, cols)
    init = np.fromfile(centers_path, dtype=np.float64).reshape(-1, cols)
    warnings.simplefilter("ignore")
    seconds, model = [], None
    for _ in range(runs):
        model = MiniBatchKMeans(n_clusters=init.shape[0], init=init, n_init=1, batch_size=batch,
                                reassignment_ratio=0.0, compute_labels=False, random_state=0)
        start = time.perf_counter()
        for i in range(0, x.shape[0], batch):
            model.partial_fit(x[i:i + batch])
        seconds.append(time.perf_counter() - start)
    threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    print(json.dumps({"seconds": seconds, "centers": model.cluster_centers_.tolist(),
                      "inertia": float(-model.score(x)), "version": sklearn.__version__,
                      "threads": threads}))


if __name__ == "__main__":
    main()
