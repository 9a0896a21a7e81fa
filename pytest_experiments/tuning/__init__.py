"""Tuning as experiments: grid, random and successive-halving searches (and Optuna's TPE when
installed) whose winners are estimated honestly, by nested cross-validation, whose trials are
cached so that an interrupted search resumes, and whose results later experiments read back
(``exp.tuned``, ``exp.narrowed``).

May use: :mod:`pytest_experiments.stats` (estimates and splits), the bottom modules
(:mod:`~pytest_experiments.errors`, :mod:`~pytest_experiments.jsonsafe`), numpy, scipy and
scikit-learn. Never pytest, the running part, the notebook, downtime or the plugin: the journal
reaches it as the small :class:`~pytest_experiments.tuning.search.TrialCache` protocol.
"""
