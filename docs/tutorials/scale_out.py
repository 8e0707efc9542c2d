"""
Scale-out: many files, many cores, a cluster
============================================

Every per-file analysis of a run is independent, so dackit hands them to Dask. There are
three ways to run, and they give the same results:

* the threaded scheduler in this process (the default);
* a local cluster of ``workers`` processes (``--workers N``);
* an existing ``dask.distributed`` scheduler (``--scheduler tcp://HOST:8786``), whose
  workers may run on the nodes of a cluster.

Each finished file's result is written to the cache (``results/.cache``) at once, keyed by
the file's content, its technique's settings and the dackit version. A run that is killed keeps everything
done so far, and a rerun computes only what is missing or changed.

This page is not executed when the docs build: it needs a cluster. :doc:`/scaleout` has
what the cache guarantees, the facility recipe (shared file system, scheduler, TLS
certificates) and SLURM/PBS through dask-jobqueue.
"""

# %%
# On one machine
# --------------
# From the command line::
#
#     dackit run experiment.toml --out results --workers 8
#
# or from Python:
from dackit.experiment import run_experiment

summary = run_experiment("experiment.toml", "results", workers=8)
print(summary.computed, "computed,", summary.cached, "from the cache")

# %%
# On a cluster
# ------------
# Start a scheduler on one node and workers on the others (with dackit installed in the
# same environment everywhere and the data on a shared file system)::
#
#     dask scheduler --port 8786                      # on the head node
#     dask worker tcp://head:8786 --nworkers 16       # on each compute node
#
# then point the run at it. On a SLURM machine, ``dask-jobqueue`` can start the workers as
# batch jobs; any scheduler address works. Plain ``tcp://`` lets anyone who reaches the
# port run code on the workers: outside a network you trust, use ``tls://`` with the
# certificates described in :doc:`/scaleout`.
summary = run_experiment("experiment.toml", "results", scheduler="tcp://head:8786")

# %%
# Reruns are cheap
# ----------------
# A second run with the same files and settings reads every result from the cache. The key
# of a cached result is the file's content hash, the technique, that technique's settings
# and the dackit version, so changing the ``[pl]`` settings recomputes only the PL files.
again = run_experiment("experiment.toml", "results", workers=8)
assert again.computed == 0
