"""Data for the verdict-quality benchmark, the way a research project keeps its loaders.

Two kinds, nothing downloaded:

* scikit-learn's bundled data sets (digits, wine, breast cancer, iris, diabetes);
* synthetic data whose effects are known because we put them there, each generated from a fixed
  data seed, so "all the data" is the same population at every ``--seed``.

Loaders are cached (the same arrays for every experiment in a worker) and hand out read-only
arrays, so an experiment that writes into its data fails loudly instead of changing the next
experiment's data.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

Data = tuple[npt.NDArray[np.float64], npt.NDArray[Any]]


def _frozen(X: Any, y: Any) -> Data:
    features = np.ascontiguousarray(X, dtype=np.float64)
    target = np.ascontiguousarray(y)
    features.setflags(write=False)
    target.setflags(write=False)
    return features, target


@cache
def bundled(name: str) -> Data:
    """One of scikit-learn's bundled data sets, as ``(X, y)``."""
    from sklearn import datasets

    loaders = {
        "digits": datasets.load_digits,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
        "iris": datasets.load_iris,
        "diabetes": datasets.load_diabetes,
    }
    X, y = loaders[name](return_X_y=True)
    return _frozen(X, y)


# -- synthetic data with effects we control ---------------------------------------------------


@cache
def nonlinear_classes() -> Data:
    """10,000 rows, 20 features, two classes made of several clusters each: a linear model
    reaches about 0.79, boosting about 0.90, k-NN about 0.83 (measured with 5x5 CV)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=10_000,
        n_features=20,
        n_informative=6,
        n_redundant=4,
        class_sep=0.8,
        flip_y=0.05,
        random_state=11,
    )
    return _frozen(X, y)


@cache
def moons() -> Data:
    """5,000 rows of two interleaved half-moons with noise 0.3 (an RBF SVC reaches ~0.91)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=5_000, noise=0.3, random_state=3)
    return _frozen(X, y)


@cache
def weak_feature() -> Data:
    """30,000 rows from a logistic model with 8 standard normal features; the last one has a
    coefficient of 0.1 (a real but small effect: about 0.001 of log-loss)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(30_000, 8))
    beta = np.array([1.0, -1.0, 0.5, 0.5, -0.5, 0.3, 0.3, 0.1])
    probability = 1 / (1 + np.exp(-X @ beta))
    y = (rng.random(30_000) < probability).astype(int)
    return _frozen(X, y)


@cache
def noisy_columns() -> Data:
    """6,000 rows whose first 10 columns are informative and last 30 pure noise."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=6_000,
        n_features=40,
        n_informative=10,
        n_redundant=0,
        shuffle=False,
        random_state=4,
    )
    return _frozen(X, y)


@cache
def imbalanced() -> Data:
    """10,000 rows, 10 features, 90 % of one class."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=10_000, n_features=10, weights=[0.9], random_state=6)
    return _frozen(X, y)


@cache
def interaction() -> Data:
    """8,000 rows where the target is mostly the product of two features (``4 x0 x1 + x2``
    plus noise), which a linear model cannot represent."""
    rng = np.random.default_rng(9)
    X = rng.uniform(-1, 1, size=(8_000, 5))
    y = 4 * X[:, 0] * X[:, 1] + X[:, 2] + rng.normal(scale=0.5, size=8_000)
    return _frozen(X, y)


@cache
def friedman() -> Data:
    """Friedman #1: 20,000 rows, ``y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4`` plus
    noise (sd 2) and 5 irrelevant features; boosting explains R^2 = 0.84, a linear model 0.64."""
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=20_000, noise=2.0, random_state=12)
    return _frozen(X, y)


@cache
def sparse_regression() -> Data:
    """10,000 rows, 100 features of which 10 matter, noisy (ridge R^2 about 0.54)."""
    from sklearn.datasets import make_regression

    X, y = make_regression(
        n_samples=10_000, n_features=100, n_informative=10, noise=150, random_state=5
    )
    return _frozen(X, y)


# -- data for the exp_trust_* experiments: curves that cross, fall, or turn ------------------


@cache
def noisy_rings() -> Data:
    """10,000 points uniform in the square [-1, 1]^2 whose class is the parity of the ring they
    lie in (rings 0.1 wide around the origin), with 15 % of the labels flipped. On a few hundred
    rows 15 neighbours span several rings and 1-NN wins; on all the rows 15-NN resolves the
    rings and averages out the flipped labels that 1-NN copies (about 0.11 and -0.055 of
    accuracy at 5 % and on all the data, measured with 5x2 CV over three seeds)."""
    rng = np.random.default_rng(21)
    X = rng.uniform(-1, 1, size=(10_000, 2))
    ring = np.floor(np.hypot(X[:, 0], X[:, 1]) / 0.1)
    y = (ring % 2).astype(int)
    flipped = rng.random(10_000) < 0.15
    return _frozen(X, np.where(flipped, 1 - y, y))


@cache
def redundant_classes() -> Data:
    """6,000 rows, 100 features: 10 informative, 40 linear combinations of them, 50 noise.
    Naive Bayes counts the redundant evidence many times over but needs few rows; logistic
    regression weighs it right once it has the rows (Ng and Jordan 2001): naive Bayes leads
    by 0.04 of accuracy on average on 300 rows (-0.035 to +0.085 over five subsamples),
    logistic regression by 0.033 on all 6,000."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=6_000,
        n_features=100,
        n_informative=10,
        n_redundant=40,
        class_sep=1.0,
        flip_y=0.02,
        random_state=31,
    )
    return _frozen(X, y)


@cache
def split_and_diagonal() -> Data:
    """10,000 rows, 10 uniform features in [-1, 1]: the class is the sign of x0 where
    |x0| > 0.3 and whether x1 > x2 in the middle band; 20 % of the labels flipped, x3-x9 noise.
    A depth-2 tree finds the split on a few hundred rows; a depth-8 tree fits noise there and
    needs thousands of rows to draw the diagonal as a staircase (about -0.045 of accuracy
    against depth 2 on 500 rows, +0.06 on all the rows)."""
    rng = np.random.default_rng(61)
    X = rng.uniform(-1, 1, size=(10_000, 10))
    y = np.where(np.abs(X[:, 0]) > 0.3, X[:, 0] > 0, X[:, 1] > X[:, 2]).astype(int)
    flipped = rng.random(10_000) < 0.2
    return _frozen(X, np.where(flipped, 1 - y, y))


@cache
def friedman_informative() -> Data:
    """Friedman #1 with only its 5 informative features: 10,000 rows, noise sd 2 (so no
    learner's RMSE goes below 2); 15-NN's RMSE falls from about 2.8 on 500 rows to 2.26."""
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=10_000, n_features=5, noise=2.0, random_state=13)
    return _frozen(X, y)


@cache
def many_noise_features() -> Data:
    """5,000 rows, 1,000 standard normal features; the label follows a logistic model of the
    first two with coefficient 0.2 each (a weak real signal, accuracy about 0.56). The best
    10 columns chosen on a few hundred rows are mostly noise that fits those rows by chance."""
    rng = np.random.default_rng(71)
    X = rng.normal(size=(5_000, 1_000))
    probability = 1 / (1 + np.exp(-0.2 * (X[:, 0] + X[:, 1])))
    y = (rng.random(5_000) < probability).astype(int)
    return _frozen(X, y)


@cache
def five_classes() -> Data:
    """8,000 rows, 20 features, 5 classes (make_classification)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=8_000, n_features=20, n_informative=8, n_classes=5, random_state=17
    )
    return _frozen(X, y)


@cache
def spiked_regression() -> Data:
    """656 rows, 500 features driven by 10 latent factors plus isotropic noise (sd 0.3); the
    target is linear in the factors plus noise (sd 0.5). Least squares with no penalty is the
    minimum-norm fit below 500 training rows, which finds the factors (R^2 about 0.97 on a
    hundred rows), and nearly singular at 525 (the training folds of all the data), where it
    fits the noise (R^2 about 0.4): double descent, with its peak on all the data."""
    rng = np.random.default_rng(81)
    factors = rng.normal(size=(656, 10))
    loadings = rng.normal(size=(10, 500)) / np.sqrt(10)
    X = factors @ loadings + 0.3 * rng.normal(size=(656, 500))
    y = factors @ rng.normal(size=10) + 0.5 * rng.normal(size=656)
    return _frozen(X, y)


@cache
def dense_regression() -> Data:
    """5,000 rows, 200 standard normal features, a dense linear target plus noise (R^2 about
    0.89 for least squares on all the data). A 5 % sample trains on 200 rows, as many as
    features: there least squares interpolates the noise (double descent's peak)."""
    rng = np.random.default_rng(82)
    X = rng.normal(size=(5_000, 200))
    y = X @ (rng.normal(size=200) / np.sqrt(200)) + 0.3 * rng.normal(size=5_000)
    return _frozen(X, y)


def warm() -> None:
    """Build every data set that takes no argument (``conftest.py`` calls it once per process
    before the experiments run), so that no experiment's measured CPU time includes building a
    data set that it happens to be the first to ask for."""
    for name in ("digits", "wine", "breast_cancer", "iris", "diabetes"):
        bundled(name)
    for loader in (
        nonlinear_classes,
        moons,
        weak_feature,
        noisy_columns,
        imbalanced,
        interaction,
        friedman,
        sparse_regression,
        noisy_rings,
        redundant_classes,
        split_and_diagonal,
        friedman_informative,
        many_noise_features,
        five_classes,
        spiked_regression,
        dense_regression,
    ):
        loader()


# -- null data: no effect by construction, one data set per replicate seed ---------------------


@cache
def balanced_noise(data_seed: int, rows: int = 1_000, features: int = 10) -> Data:
    """Features with no relation to the labels; exactly half the rows in each class."""
    rng = np.random.default_rng(data_seed)
    X = rng.normal(size=(rows, features))
    y = rng.permutation(np.repeat([0, 1], rows // 2))
    return _frozen(X, y)


@cache
def signal_classes(data_seed: int, rows: int = 600) -> Data:
    """A small learnable two-class problem (for comparing a learner with itself)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows, n_features=10, n_informative=4, random_state=data_seed
    )
    return _frozen(X, y)


@cache
def shuffled_breast_cancer(data_seed: int) -> Data:
    """Breast cancer with its labels permuted: the features say nothing about the label."""
    X, y = bundled("breast_cancer")
    rng = np.random.default_rng(data_seed)
    return _frozen(X, rng.permutation(y))


@cache
def paired_sessions(data_seed: int, users: int = 2_000) -> npt.NDArray[np.float64]:
    """Per-user difference of session minutes between two identical variants (A/A test):
    skewed (exponential) outcomes, true mean difference exactly 0."""
    rng = np.random.default_rng(data_seed)
    a = rng.exponential(scale=8.0, size=users)
    b = rng.exponential(scale=8.0, size=users)
    difference = b - a
    difference.setflags(write=False)
    return difference


@cache
def conversions(data_seed: int, users: int = 4_000) -> npt.NDArray[np.int_]:
    """Whether each user converted, at a true rate of exactly 10 %."""
    rng = np.random.default_rng(data_seed)
    converted = (rng.random(users) < 0.10).astype(int)
    converted.setflags(write=False)
    return converted
