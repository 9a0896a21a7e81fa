"""The lab notebook: the journal (an SQLite file of every answer with its provenance), recording
results into it as they arrive, reading it back (history, changes between runs), and what is
shown of it (the knowledge-base report in Markdown and HTML, plots, CSV/JSON export and the
``pytest-experiments`` command).

May use: :mod:`pytest_experiments.state`, :mod:`pytest_experiments.running` (results and
answers), :mod:`pytest_experiments.spec` (which node ids are experiments), the bottom modules
(:mod:`~pytest_experiments.settings`, :mod:`~pytest_experiments.jsonsafe`,
:mod:`~pytest_experiments.errors`) and pytest. Never :mod:`pytest_experiments.downtime` or the
plugin.
"""
