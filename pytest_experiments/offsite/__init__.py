"""Off-site runs: one batch of experiments cut into shards that run on other machines (a
Slurm cluster through submitit, a CI matrix, a second workstation), and their journals merged
back into one run.

* :mod:`partition` — which experiments go to shard K of N (plain computation);
* :mod:`sharding` — the ``--exp-shard`` options and the hook-side selection of a shard;
* :mod:`merge` — ``pytest-experiments merge``: shards' journals into one run of the project's;
* :mod:`submit` — ``pytest-experiments submit``: the shards as one submitit job array;
* :mod:`cli` — the two commands' parsers.

May use the notebook (the journal), the running part's names and the light top-level
modules; the hooks and the downtime part use it, never the other way round.
"""
