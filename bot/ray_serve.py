"""``ganwen serve --ray ADDRESS``: the HTTP API as a Ray Serve application.

Each replica runs the very app ``ganwen serve`` runs (:func:`bot.http_api.create_app`, built
on the replica by ``serve.ingress``'s builder), over an engine whose shards are the cluster's
shard actors (:mod:`retrieval.ray_shards`): a question fans out to every shard, the merged
passages are answered on the replica. Questions are answered in the replica's thread pool,
so waiting on the shards never holds its event loop. Ray Serve's proxy listens on ``host``
and ``port`` (127.0.0.1 by default); the application runs until this process is interrupted.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from ray import serve

from retrieval.engine import Engine

APP = "ganwen"


def application(folder: Path, corpus: Path, shards: int, address: str, *,
                 token: str | None, cors: Sequence[str], replicas: int) -> serve.Application:
    """The Serve application over the weighing ``folder`` (its shards' actors)."""
    cors = list(cors)

    def build():  # on each replica, when it starts
        from retrieval.ray_shards import remote_index
        from retrieval.resources import load_resources

        from .http_api import create_app

        _loopback_replica()
        res = load_resources()
        engine = Engine(remote_index(folder, res), res, corpus, shards, address)
        return create_app(engine, token=token, cors=cors, threads=True)

    deployment = serve.deployment(name=APP, num_replicas=replicas, ray_actor_options={"num_cpus": 0})
    return deployment(serve.ingress(build)()).bind()


def _loopback_replica() -> None:
    """On a cluster of one machine (its node address 127.0.0.1), keep this replica's own gRPC
    server there too: Ray Serve 2.60 binds it to every interface ("[::]:0", hard-coded) before
    it starts, right after this builder ran, whatever the node's address; across machines it
    must stay reachable and is left alone."""
    import ray
    from ray.serve._private import replica

    if ray.util.get_node_ip_address() != "127.0.0.1":
        return
    bind = replica.add_port_to_grpc_server
    replica.add_port_to_grpc_server = (
        lambda server, address: bind(server, address.replace("[::]", "127.0.0.1")))


def serve_on_ray(engine: Engine, host: str, port: int, *, token: str | None = None,
                 cors: Sequence[str] = (), replicas: int = 1) -> None:
    """Run the application on the cluster ``engine`` is connected to until SIGINT or SIGTERM,
    then take it down (the shard actors stay, for the next process that asks)."""
    assert engine.shards is not None and engine.ray is not None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    serve.start(http_options={"host": host, "port": port})
    serve.run(application(engine.index.folder, engine.corpus, engine.shards, engine.ray,
                          token=token, cors=cors, replicas=replicas),
              name=APP, route_prefix="/", blocking=False)
    try:
        stop.wait()
    finally:
        serve.delete(APP)
        serve.shutdown()
