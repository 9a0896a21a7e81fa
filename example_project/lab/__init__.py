"""lab: the research code under study.

Small, plain functions for loading the scikit-learn toy data sets, engineering features and
building model pipelines by name. The experiments in ``tests/`` question what this code assumes.
"""

from __future__ import annotations

from .data import DATASETS, load_dataset
from .features import (
    CorrelationFilter,
    correlated_features,
    drop_correlated,
    image_pooling,
    pool_images,
)
from .models import MODEL_NAMES, build_model, cv_score

__all__ = [
    "DATASETS",
    "MODEL_NAMES",
    "CorrelationFilter",
    "build_model",
    "correlated_features",
    "cv_score",
    "drop_correlated",
    "image_pooling",
    "load_dataset",
    "pool_images",
]
