"""Make the research code (``lab``) importable however pytest is started, and keep BLAS to one
thread.

Running ``pytest example_project`` from the repository root would not otherwise find ``lab``,
since the project directory is not on ``sys.path`` under every import mode.

The data sets here are small (at most 1,797 rows), and on matrices this size a second BLAS or
OpenMP thread costs more in start-up and spinning than it saves; on a machine that is busy with
something else the threads also wait for each other. On this project's 2-core machine, under
load, a logistic regression on 400 digits took 250 ms a fit with two threads and 10 ms with one.
So the experiments run single-threaded unless you set the variables yourself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
if "numpy" in sys.modules:  # loaded before this file (by another plugin): limit it directly
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
