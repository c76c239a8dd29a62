"""A sharded index on a Ray cluster (``pip install "ganwen[distributed]"``): the shards built
as Ray tasks on whatever nodes the cluster has, and served by one Ray actor each.

The cache folder (``GANWEN_CACHE_DIR``) must be one every node sees — a shared folder: the
tasks write the shards there and the actors memory-map them; the cluster's workers are given
this process's cache folder. A shard's actor is named after the weighing's version it serves,
so every process asking (the CLI, the bot, each Ray Serve replica) finds the same one; Ray
restarts it if it dies (``max_restarts``), and meanwhile questions are answered from the
other shards, marked partial (:class:`retrieval.sharded.ShardedIndex` waits a bounded time).
The actors outlive the process that started them (detached): a later question finds them
warm. Actors of older versions of the same corpus are stopped when a new one is served.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Generic, TypeVar

import ray
from ray.exceptions import RayError

from .resources import Resources, cache_dir, load_resources
from .sharded import (
    WAIT_SECONDS,
    Hit,
    Job,
    Read,
    ShardedIndex,
    ShardUnavailable,
    build_shard,
    reads_of,
    search,
    shard_view,
    shards_in,
)

NAMESPACE = "ganwen"
T = TypeVar("T")


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (``auto``, ``host:port`` or ``ray://…``), once per
    process; inside a Ray worker the cluster is already joined."""
    if ray.is_initialized():
        return
    ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, logging_level=logging.ERROR,
             runtime_env={"env_vars": {"GANWEN_CACHE_DIR": str(cache_dir()),
                                       "PYDANTIC_DISABLE_PLUGINS": "__all__"}})


def run_tasks(jobs: list[Job]) -> list[str]:
    """The shards built as Ray tasks, one core each, wherever the cluster has room."""
    task = ray.remote(build_shard).options(num_cpus=1, max_retries=2)
    return ray.get([task.remote(*job) for job in jobs])


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=0)
class ShardActor:
    """Shard i of a weighing, memory-mapped, answering searches."""

    def __init__(self, folder: str, i: int):
        self.view = shard_view(Path(folder), i, load_resources())

    def search(self, query: list[str], k: int, weights: list[float] | None) -> list[Hit]:
        return search(self.view, query, k, weights)  # with what answering reads of each

    def fetch(self, docs: list[int]) -> list[Read]:
        return reads_of(self.view, docs)

    def pid(self) -> int:
        return os.getpid()


class _Asked(Generic[T]):
    """A call sent to a shard's actor."""

    def __init__(self, ref: ray.ObjectRef):
        self.ref = ref

    def result(self, timeout: float) -> T:
        try:
            return ray.get(self.ref, timeout=timeout)
        except RayError as exc:  # timed out, or the actor died while answering
            raise ShardUnavailable(str(exc)) from None


class RemoteShard:
    def __init__(self, actor: ray.actor.ActorHandle, wait: float = WAIT_SECONDS):
        self.actor = actor
        self.wait = wait

    def search(self, query: list[str], k: int, weights: list[float] | None
               ) -> _Asked[list[Hit]]:
        return _Asked(self.actor.search.remote(query, k, weights))

    def fetch(self, docs: list[int]) -> list[Read]:
        return _Asked[list[Read]](self.actor.fetch.remote(docs)).result(self.wait)


def actor_name(folder: Path, i: int) -> str:
    return f"{folder.parent.name}-{folder.name}-shard{i}"


def shard_actors(folder: Path) -> list[ray.actor.ActorHandle]:
    """The actors serving the weighing ``folder``, started if they are not running, and those
    of the same corpus's older weighings stopped."""
    n = shards_in(folder)
    actors = [ShardActor.options(  # type: ignore[attr-defined]  # made by @ray.remote
        name=actor_name(folder, i), namespace=NAMESPACE, get_if_exists=True,
        lifetime="detached").remote(str(folder), i) for i in range(n)]
    ours = {actor_name(folder, i) for i in range(n)}
    for entry in ray.util.list_named_actors(all_namespaces=True):
        name = entry["name"] if isinstance(entry, dict) else entry
        if (isinstance(entry, dict) and entry.get("namespace") != NAMESPACE) or name in ours:
            continue
        if name.startswith(f"{folder.parent.name}-v"):
            try:
                ray.kill(ray.get_actor(name, namespace=NAMESPACE))
            except ValueError:  # gone meanwhile
                pass
    return actors


def remote_index(folder: Path, res: Resources | None = None, wait: float = WAIT_SECONDS
                 ) -> ShardedIndex:
    """The weighing ``folder`` answered by its shards' actors."""
    res = res or load_resources()
    shards = [RemoteShard(a, wait) for a in shard_actors(folder)]
    return ShardedIndex(folder, shards, res, wait)
