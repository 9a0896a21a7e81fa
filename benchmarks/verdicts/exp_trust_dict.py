"""A plain number inside a dict with estimates.

``{"accuracy": exp.score(tree, X, y), "leaves": tree.fit(X, y).get_n_leaves()}`` mixes an
estimate, judged through its interval, with a plain number judged exactly. A tree with at least
20 rows per leaf has 14-19 leaves on a 5 % sample of 10,000 rows and 261 on all of them: a
``leaves <= 30`` checked on the sample is a claim about a number that grows with the rows. The
other plain numbers here do not change with the sample size (the number of classes a
stratified sample keeps, the number of features): there a decisive verdict on the estimate
should stay decisive.

Truths: leaf counts are exact (the tree is fitted on all the data with ``random_state=0``);
accuracies are the plugin's ``--full`` estimates at seeds 0-5 (tree on
``benchdata.nonlinear_classes``: 0.84 +- 0.01; logistic regression on
``benchdata.five_classes``: 0.585 +- 0.015).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from benchdata import five_classes, nonlinear_classes
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from pytest_experiments import Experiment

LEAVES = "261 leaves on all the data (14-19 on 5 %, 55-61 on 20 %); accuracy 0.84 +- 0.01"


def tree_answer(exp: Experiment) -> dict[str, Any]:
    X, y = exp.sample(*nonlinear_classes(), stratify=True)
    tree = DecisionTreeClassifier(min_samples_leaf=20, random_state=0)
    return {"accuracy": exp.score(tree, X, y), "leaves": int(tree.fit(X, y).get_n_leaves())}


@pytest.mark.question("Is a tree with >= 20 rows per leaf 70% accurate with at most 30 leaves?")
@pytest.mark.expect("accuracy >= 0.7 and leaves <= 30")
@pytest.mark.truth("threshold", holds=False, why=LEAVES)
def exp_tree_070_with_30_leaves(exp: Experiment) -> dict[str, Any]:
    return tree_answer(exp)


@pytest.mark.question("Is a tree with >= 20 rows per leaf 80% accurate with at most 30 leaves?")
@pytest.mark.expect("accuracy >= 0.8 and leaves <= 30")
@pytest.mark.truth("threshold", holds=False, why=LEAVES)
def exp_tree_080_with_30_leaves(exp: Experiment) -> dict[str, Any]:
    return tree_answer(exp)


@pytest.mark.question("Is a tree with >= 20 rows per leaf 80% accurate with at most 300 leaves?")
@pytest.mark.expect("accuracy >= 0.8 and leaves <= 300")
@pytest.mark.truth("threshold", holds=True, why=LEAVES)
def exp_tree_080_with_300_leaves(exp: Experiment) -> dict[str, Any]:
    return tree_answer(exp)


@pytest.mark.question("Does logistic regression reach 45% on five classes, all of them kept?")
@pytest.mark.expect("accuracy >= 0.45 and classes == 5")
@pytest.mark.truth(
    "threshold", holds=True, why="0.585 +- 0.015 on all the data; a stratified sample keeps all 5"
)
def exp_logreg_045_with_five_classes(exp: Experiment) -> dict[str, Any]:
    X, y = exp.sample(*five_classes(), stratify=True)
    score = exp.score(LogisticRegression(max_iter=1000), X, y)
    return {"accuracy": score, "classes": len(np.unique(y))}


@pytest.mark.question("Does logistic regression reach 45% on five classes from 20 features?")
@pytest.mark.expect("accuracy >= 0.45 and features == 20")
@pytest.mark.truth("threshold", holds=True, why="0.585 +- 0.015 on all the data; 20 columns")
def exp_logreg_045_with_20_features(exp: Experiment) -> dict[str, Any]:
    X, y = exp.sample(*five_classes(), stratify=True)
    score = exp.score(LogisticRegression(max_iter=1000), X, y)
    return {"accuracy": score, "features": X.shape[1]}


@pytest.mark.question("Does logistic regression reach 45% on five classes from <= 10 features?")
@pytest.mark.expect("accuracy >= 0.45 and features <= 10")
@pytest.mark.truth("threshold", holds=False, why="there are 20 columns at every sample size")
def exp_logreg_045_with_10_features(exp: Experiment) -> dict[str, Any]:
    X, y = exp.sample(*five_classes(), stratify=True)
    score = exp.score(LogisticRegression(max_iter=1000), X, y)
    return {"accuracy": score, "features": X.shape[1]}
