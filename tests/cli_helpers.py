"""Run the real `dackit` command line in a subprocess, as a user or script would."""
import json
import os
import subprocess
import sys


def run_dackit(*args, cwd=None):
    """(exit code, stdout, stderr) of ``python -m dackit ARGS``."""
    env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")
    proc = subprocess.run([sys.executable, "-m", "dackit", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def run_json(*args, cwd=None):
    code, out, err = run_dackit(*args, "--json", cwd=cwd)
    assert "Traceback" not in err, err
    return code, json.loads(out), err
