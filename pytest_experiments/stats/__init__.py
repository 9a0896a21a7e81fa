"""The statistics: estimates with confidence intervals, cross-validated scores, judging intervals
against expectations, the verdict of one look, the looks of ``--sample auto`` and the correction
across verdicts.

Plain Python, numpy, scipy and scikit-learn code that knows nothing of pytest. May use only
:mod:`~pytest_experiments.errors`; an expectation reaches it as the small protocol
:class:`~pytest_experiments.stats.judgement.Expectation`, so it never imports :mod:`..spec`.
"""
