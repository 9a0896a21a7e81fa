"""Running one experiment and carrying its result: the ``exp`` fixture's object, seeded
sampling, the answer it returns, the per-item state from collection to report, the looks of one
call, the outcome its verdict gives the test report, the result that travels on that report to
the controller, and the terminal's experiment sections.

May use: :mod:`pytest_experiments.spec`, :mod:`pytest_experiments.stats`, the bottom modules
(:mod:`~pytest_experiments.settings`, :mod:`~pytest_experiments.errors`,
:mod:`~pytest_experiments.jsonsafe`) and pytest. Never the notebook, downtime or
:mod:`pytest_experiments.plugin`; the hooks hand it the state it works on.
"""
