"""The Learning Curve Database's test accuracies, fetched and cached reproducibly.

Source: the ``lcdb==0.1.0`` source distribution on PyPI (F. Mohr et al., "LCDB 1.0: An
Extensive Learning Curves Database for Classification Tasks", ECML PKDD 2022), which ships
``lcdb/database-accuracy.csv``. The package is never installed or imported: the sdist is
fetched with ``pip download --no-deps --no-binary :all: lcdb==0.1.0``, checked against a pinned
sha256, and only the accuracy CSV is read out of it.

The cache (``~/.cache/pytest-experiments-lcdb/`` unless ``--cache`` says otherwise) holds the
sdist and ``lcdb-accuracy.npz``::

    scores[dataset, learner, anchor, replicate]  float32, NaN when missing
    anchors[dataset, anchor]                     int64 training sizes, ascending, 0-padded
    ids[dataset]                                 int64 OpenML ids, ascending
    learners[learner]                            fixed-width unicode names, ascending

The replicate is ``outer_seed * 5 + inner_seed`` for ``inner_seed < 5`` (25 replicates: every
outer seed is a train/test split, every inner seed a validation split inside it; the test fold
of one replicate is shared by all its anchors and learners, so replicates are paired). A score
of exactly 0.0 is a failed fit (213 rows; a classifier cannot score 0 % on a stratified test
set unless it crashed or mis-encoded the labels) and is set to NaN. The npz holds no pickled
objects and is loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

SDIST = "lcdb-0.1.0.tar.gz"
REQUIREMENT = "lcdb==0.1.0"
SHA256 = "450ea69b249866298653f718d66a825e3d19a4024dd4ff140b89f2e04d4777ae"
MEMBER = "lcdb-0.1.0/lcdb/database-accuracy.csv"
NPZ = "lcdb-accuracy.npz"
DEFAULT_CACHE = Path.home() / ".cache" / "pytest-experiments-lcdb"

INNER_SEEDS = 5
COLUMNS = ["openmlid", "learner", "size_train", "outer_seed", "inner_seed", "score_test"]


@dataclass(frozen=True)
class Database:
    scores: npt.NDArray[np.float64]
    anchors: npt.NDArray[np.float64]
    ids: npt.NDArray[np.int64]
    learners: npt.NDArray[np.str_]


def load(cache: Path = DEFAULT_CACHE, log: bool = True) -> Database:
    """The database, building the cache first when it is not there."""
    path = cache / NPZ
    if not path.exists():
        build(cache, log)
    with np.load(path, allow_pickle=False) as data:
        return Database(
            scores=data["scores"].astype(np.float64),
            anchors=data["anchors"].astype(np.float64),
            ids=data["ids"].astype(np.int64),
            learners=data["learners"],
        )


def build(cache: Path, log: bool = True) -> None:
    """Fetch and check the sdist (unless cached), read the accuracy CSV, write the npz."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / SDIST
    if not sdist.exists():
        _say(log, f"downloading {REQUIREMENT} (sdist, ~68 MB) into {cache}")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                REQUIREMENT,
                "-d",
                str(cache),
            ],
            check=True,
            stdout=sys.stderr,
        )
    digest = _sha256(sdist)
    if digest != SHA256:
        raise SystemExit(
            f"{sdist}: sha256 {digest}, expected {SHA256}; delete the file to download it again"
        )
    _say(log, f"{sdist.name}: sha256 ok; reading {MEMBER.rsplit('/', 1)[-1]}")
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        csv = Path(scratch) / "database-accuracy.csv"
        with tarfile.open(sdist, "r:gz") as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{sdist} has no {MEMBER}")
            with member, csv.open("wb") as out:
                shutil.copyfileobj(member, out, length=1 << 20)
        arrays = _arrays(csv)
    partial = cache / (NPZ + ".partial.npz")
    np.savez_compressed(
        partial,
        scores=arrays["scores"],
        anchors=arrays["anchors"],
        ids=arrays["ids"],
        learners=arrays["learners"],
    )
    partial.replace(cache / NPZ)
    scores = arrays["scores"]
    _say(
        log,
        f"wrote {cache / NPZ}: scores {scores.shape} ({int(np.isfinite(scores).sum())} finite)",
    )


def _arrays(csv: Path) -> dict[str, npt.NDArray[np.generic]]:
    import pandas as pd

    frame = pd.read_csv(csv, usecols=COLUMNS)
    frame = frame[frame["inner_seed"] < INNER_SEEDS]
    oid = frame["openmlid"].to_numpy(dtype=np.int64)
    size = frame["size_train"].to_numpy(dtype=np.int64)
    names = frame["learner"].to_numpy(dtype=str)
    ids = np.unique(oid)
    learners = np.unique(names)
    dataset = np.searchsorted(ids, oid)
    learner = np.searchsorted(learners, names)
    # Anchors per dataset: its distinct training sizes, ascending; a row's anchor is the rank
    # of its size among them.
    span = int(size.max()) + 1
    keys, inverse = np.unique(dataset * span + size, return_inverse=True)
    owner = keys // span
    rank = np.arange(keys.size) - np.searchsorted(owner, np.arange(ids.size))[owner]
    width = int(rank.max()) + 1
    anchors = np.zeros((ids.size, width), dtype=np.int64)
    anchors[owner, rank] = keys % span
    replicates = INNER_SEEDS * INNER_SEEDS
    scores = np.full((ids.size, learners.size, width, replicates), np.nan, dtype=np.float32)
    replicate = frame["outer_seed"].to_numpy() * INNER_SEEDS + frame["inner_seed"].to_numpy()
    scores[dataset, learner, rank[inverse], replicate] = frame["score_test"].to_numpy()
    scores[scores == 0] = np.nan
    return {
        "scores": scores,
        "anchors": anchors,
        "ids": ids,
        "learners": learners.astype(f"U{max(len(name) for name in learners)}"),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _say(log: bool, message: str) -> None:
    if log:
        print(f"[lcdb] {message}", file=sys.stderr, flush=True)
