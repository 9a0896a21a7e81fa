"""Curves that turn: unregularised least squares near as many training rows as features.

The sample-aware rule assumes a score rises with the rows. Least squares without a penalty
breaks it (double descent): below as many training rows as features ``LinearRegression`` finds
the minimum-norm fit, at about as many it interpolates the noise and its error peaks, beyond
it recovers. Two data sets put the peak in two places (``benchdata``):

* ``spiked_regression``: 656 rows, 500 features; 5 % and 20 % of it (100 and 131 rows) fit
  well (R^2 about 0.97), all of it (525 training rows per fold) sits near the peak
  (R^2 about 0.4). A score confirmed on a sample is refuted on all the data.
* ``dense_regression``: 5,000 rows, 200 features; the 5 % sample trains on 200 rows, at the
  peak (R^2 far below 0), 20 % and all of it fit (R^2 0.85 and 0.89). A score far below its
  threshold on 5 % reaches it on all the data: an early refutation would be wrong.

Truths: the plugin's ``--full`` estimates at seeds 0-5, and 5x5 CV with scikit-learn on all
the data (R^2 per split against the sample's variance, as the plugin scores it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from benchdata import dense_regression, spiked_regression
from sklearn.linear_model import LinearRegression

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate

SPIKED = "all 656 rows, seeds 0-5: R^2 0.38-0.45, upper ends 0.57-0.67; 0.96-0.98 on 5 % and 20 %"
DENSE = "all 5,000 rows, seeds 0-5: R^2 0.889-0.890 +- 0.005; 0.84-0.87 on 20 %; -12 to -153 on 5 %"


@pytest.mark.question("Does least squares explain 80% of the variance of the spiked data?")
@pytest.mark.expect(">= 0.8")
@pytest.mark.truth("threshold", holds=False, why=SPIKED)
def exp_least_squares_explains_080_spiked(exp: Experiment) -> Estimate:
    X, y = exp.sample(*spiked_regression())
    return exp.score(LinearRegression(), X, y)


@pytest.mark.question("Does least squares explain less than 80% of the spiked data's variance?")
@pytest.mark.expect("< 0.8")
@pytest.mark.truth("threshold", holds=True, why=SPIKED)
def exp_least_squares_below_080_spiked(exp: Experiment) -> Estimate:
    X, y = exp.sample(*spiked_regression())
    return exp.score(LinearRegression(), X, y)


@pytest.mark.question("Does least squares explain 85% of the variance of the dense data?")
@pytest.mark.expect(">= 0.85")
@pytest.mark.truth("threshold", holds=True, why=DENSE)
def exp_least_squares_explains_085_dense(exp: Experiment) -> Estimate:
    X, y = exp.sample(*dense_regression())
    return exp.score(LinearRegression(), X, y)


@pytest.mark.question("Does least squares explain less than 85% of the dense data's variance?")
@pytest.mark.expect("< 0.85")
@pytest.mark.truth("threshold", holds=False, why=DENSE)
def exp_least_squares_below_085_dense(exp: Experiment) -> Estimate:
    X, y = exp.sample(*dense_regression())
    return exp.score(LinearRegression(), X, y)
