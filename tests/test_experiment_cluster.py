"""The local cluster of `--workers` (issue 15, item 2): private to dackit's client (TLS with
credentials made for the run), bound to 127.0.0.1, no web pages unless `--dashboard`."""
import gc
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


def _refused(connect, errors) -> None:
    """``connect()`` must fail with one of ``errors``.

    A distributed Client first starts its own IO-loop thread and waits 10 s for it
    (``LoopRunner``: ``assert loop is not None``); in one clean-clone CI run that thread did
    not start in time, before any connection was tried. Such an attempt shows nothing either
    way and is repeated (three attempts); an accepted connection fails at once.

    The half-built Client of a refused attempt is collected before the next attempt: left to
    the garbage collector, its ``__del__`` (close, stop its loop) once ran inside the next
    Client's loop start-up, which holds the lock that stop needs, and the run hung."""
    stalled = None
    for _ in range(3):
        gc.collect()
        try:
            client = connect()
        except errors:
            return
        except AssertionError as exc:
            stalled = exc
            continue
        client.close()
        pytest.fail("a client without dackit's credentials was accepted")
    raise AssertionError(f"no attempt reached the scheduler: {stalled!r}")


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
        _refused(lambda: Client(address, timeout=3, security=Security.temporary()), (OSError, TimeoutError))
        # or none at all
        _refused(lambda: Client(address, timeout=3), (OSError, TimeoutError, TypeError))
        # nor through a plain-TCP connection to the same port
        _refused(lambda: Client(address.replace("tls://", "tcp://"), timeout=3), (OSError, TimeoutError))
        # no pages: neither the dashboard nor the info pages listing tasks and workers
        port = client.run_on_scheduler(_http_port)
        assert port != 8787
        assert _get(port, "/status") == 404 and _get(port, "/info/main/workers.html") == 404


def test_dashboard_only_when_asked():
    with dask_client(workers=1, dashboard=True) as client:
        port = client.run_on_scheduler(_http_port)
        assert "127.0.0.1" in client.dashboard_link
        assert _get(port, "/info/main/workers.html") == 200
