"""The local cluster of `--workers` (issue 15, item 2): private to dackit's client (TLS with
credentials made for the run), bound to 127.0.0.1, no web pages unless `--dashboard`."""
import os
import urllib.error
import urllib.request

import pytest

from dackit.experiment.execute import WORKER_ENV, dask_client

pytest.importorskip("distributed")


def _worker_env():
    return {k: os.environ.get(k) for k in WORKER_ENV}


def _http_port(dask_scheduler):
    return dask_scheduler.http_server._sockets and next(iter(dask_scheduler.http_server._sockets.values())).getsockname()[1]


def _get(port, page):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_foreign_client_cannot_run_code_on_the_local_cluster():
    from distributed import Client
    from distributed.security import Security

    with dask_client(workers=1) as client:
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        assert client.submit(sum, [1, 2], pure=False).result() == 3  # dackit's own client works
        # one thread per numeric library in each worker: no oversubscription of the cores
        assert all(env == WORKER_ENV for env in client.run(_worker_env).values())
        # another local user: same address, credentials of their own (a certificate they made)
        with pytest.raises((OSError, TimeoutError)):
            Client(address, timeout=3, security=Security.temporary())
        # or none at all
        with pytest.raises((OSError, TimeoutError, TypeError)):
            Client(address, timeout=3)
        # nor through a plain-TCP connection to the same port
        with pytest.raises((OSError, TimeoutError)):
            Client(address.replace("tls://", "tcp://"), timeout=3)
        # no pages: neither the dashboard nor the info pages listing tasks and workers
        port = client.run_on_scheduler(_http_port)
        assert port != 8787
        assert _get(port, "/status") == 404 and _get(port, "/info/main/workers.html") == 404


def test_dashboard_only_when_asked():
    with dask_client(workers=1, dashboard=True) as client:
        port = client.run_on_scheduler(_http_port)
        assert "127.0.0.1" in client.dashboard_link
        assert _get(port, "/info/main/workers.html") == 200
