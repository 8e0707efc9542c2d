"""The dackit command pins the BLAS pool to one thread before numpy loads (bench/saxs.py:
small SVDs ~100× slower with OpenBLAS threads on shared cores); a user's value wins."""
import os
import subprocess
import sys

CODE = ("import os, sys, dackit.cli; "
        "print('numpy' in sys.modules, os.environ['OPENBLAS_NUM_THREADS'], os.environ['MKL_NUM_THREADS'])")


def _run(env):
    return subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                          check=True).stdout.split()


def test_cli_sets_one_blas_thread_before_numpy():
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    assert _run(env) == ["False", "1", "1"]


def test_user_setting_wins():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="3")
    assert _run(env) == ["False", "2", "3"]
