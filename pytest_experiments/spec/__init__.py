"""What an experiment declares: which functions are experiments, their markers (question,
expectation, sample share) and the expectation language that judges an answer.

May use: :mod:`pytest_experiments.stats` (to judge), :mod:`~pytest_experiments.settings`,
:mod:`~pytest_experiments.errors`, :mod:`~pytest_experiments.jsonsafe` and pytest's public types
(to read an item's markers). Never the hooks, the running part, the notebook or downtime.
"""
