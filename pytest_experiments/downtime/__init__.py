"""Running experiments in downtime: ``--budget`` and what fits it, the runtime model fitted to
the journal, longest-first scheduling under xdist, the batch a run is about to execute,
``--reuse`` of unchanged answers, ``--exp-plan``, progress lines and per-worker thread limits.

May use: :mod:`pytest_experiments.notebook` (the journal behind the runtime model and reuse),
:mod:`pytest_experiments.state`, :mod:`pytest_experiments.running`, :mod:`pytest_experiments.spec`,
the bottom modules and pytest. Never :mod:`pytest_experiments.plugin`.
"""
