"""A distributed run's shared state in Redis, and the few atomic steps on it.

scrapy-redis keeps a run's frontier (a sorted set of pickled requests) and its seen-set
(a set of request fingerprints). What it lacks is built here as Lua scripts, each one
atomic on the server, because two workers must never both see "the queue is empty":

- a lease: ``take`` moves a request from the queue into the worker's in-flight hash in
  one step (scrapy-redis's ``pop`` deletes it, so a worker that dies loses it); the
  worker ``ack``s it once its callback's requests are queued; ``reap`` puts back what a
  dead worker (its ``alive`` key expired) still held;
- the end: ``finished`` holds when the queue is empty, nothing is in flight, and every
  worker that joined is idle (Scrapy's ``spider_idle``), read in one step;
- politeness across workers: ``grant`` gives one request to a host only when the host's
  delay (the largest ``Crawl-delay`` any worker read, or the source's delay) has passed
  since the last request any worker sent it, no ``Retry-After`` holds it, and fewer than
  ``per_host`` requests are on their way to it from all workers; the clock is Redis's
  own (``TIME``), so workers on machines with skewed clocks agree.

Keys, all under ``<prefix>:run:<run id>:``: ``queue``, ``seen`` (scrapy-redis's),
``spec``, ``workers``, ``idle``, ``alive:<worker>``, ``inflight:<worker>``,
``scores:<worker>``, ``stats``, ``done``, ``hosts``, ``host:<host>``, ``active:<host>``.
``<prefix>:runs`` holds the runs workers may join.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from crawler.cluster.keys import RunKeys

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["FULL", "ClusterState", "RunKeys", "connect"]

_TAKE = """
local got = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #got == 0 then return false end
redis.call('ZREM', KEYS[1], got[1])
redis.call('HSET', KEYS[2], ARGV[2], got[1])
redis.call('HSET', KEYS[3], ARGV[2], got[2])
redis.call('SREM', KEYS[4], ARGV[1])
return got[1]
"""

_REQUEUE = """
local fields = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 1, #fields, 2 do
  local score = redis.call('HGET', KEYS[3], fields[i]) or '0'
  redis.call('ZADD', KEYS[1], score, fields[i + 1])
  n = n + 1
end
redis.call('DEL', KEYS[2], KEYS[3])
return n
"""

_FINISHED = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
local workers = redis.call('SMEMBERS', KEYS[2])
if #workers == 0 then return 0 end
for _, w in ipairs(workers) do
  if redis.call('HLEN', ARGV[1] .. w) > 0 then return 0 end
  if redis.call('SISMEMBER', KEYS[3], w) == 0 then return 0 end
end
return 1
"""

_GRANT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local floor = tonumber(redis.call('HGET', KEYS[1], 'floor') or '0')
if tonumber(ARGV[2]) > floor then
  floor = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'floor', floor)
end
local delay = math.max(tonumber(ARGV[1]), floor)
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local hold = tonumber(redis.call('HGET', KEYS[1], 'hold') or '0')
local wait = 0
if last > 0 then wait = last + delay - now end
wait = math.max(wait, hold - now)
if wait > 0 then return wait end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return -1 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
redis.call('HSET', KEYS[1], 'last', now)
redis.call('SADD', KEYS[3], ARGV[6])
return 0
"""

_HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('HGET', KEYS[1], 'hold') or '0') then
  redis.call('HSET', KEYS[1], 'hold', until_)
end
return until_
"""

_FREE_HOSTS = """
local n = 0
for _, host in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  for _, token in ipairs(redis.call('ZRANGE', ARGV[1] .. host, 0, -1)) do
    if string.sub(token, 1, #ARGV[2]) == ARGV[2] then
      redis.call('ZREM', ARGV[1] .. host, token)
      n = n + 1
    end
  end
end
return n
"""

FULL = -1.0
"""``grant``'s answer when the host has ``per_host`` requests on their way already."""


def connect(url: str) -> redis.Redis:
    """A client for ``url`` (``redis://host:port/db``), bytes in and out; a blip is
    retried three times within a second or so, not redis-py's default of up to 30 s."""
    retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), 3)
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5, retry=retry)


class ClusterState:
    """One run's state: what workers, the coordinator and the components do to it."""

    def __init__(self, client: redis.Redis, keys: RunKeys) -> None:
        self.redis = client
        self.keys = keys
        self._take = client.register_script(_TAKE)
        self._requeue = client.register_script(_REQUEUE)
        self._finished = client.register_script(_FINISHED)
        self._grant = client.register_script(_GRANT)
        self._hold = client.register_script(_HOLD)
        self._free_hosts = client.register_script(_FREE_HOSTS)

    # -- the run, announced and retired by its coordinator -----------------------------------
    def announce(self, spec: Mapping[str, str]) -> None:
        """Open the run to workers: its spec (source, settings), then its id in ``runs``."""
        self.redis.hset(self.keys.spec, mapping=cast("Any", dict(spec)))
        self.redis.sadd(self.keys.runs, self.keys.run_id)

    def spec(self) -> dict[str, str]:
        raw: dict[bytes, bytes] = self.redis.hgetall(self.keys.spec)  # type: ignore[assignment]
        return {k.decode(): v.decode() for k, v in raw.items()}

    def close_run(self) -> None:
        """Workers close their crawls once ``done`` is set; no new worker joins."""
        self.redis.set(self.keys.done, b"1")
        self.redis.srem(self.keys.runs, self.keys.run_id)

    def is_done(self) -> bool:
        return bool(self.redis.exists(self.keys.done))

    def forget(self) -> None:
        """Delete every key of the run (its frontier, seen-set, stats): it is over."""
        pattern = f"{self.keys.prefix}:run:{self.keys.run_id}:*"
        for key in self.redis.scan_iter(match=pattern, count=1000):
            self.redis.delete(key)

    # -- workers ------------------------------------------------------------------------------
    def join(self, worker: str, ttl: float) -> None:
        """In the run, alive for ``ttl`` seconds; a worker reaped while it was merely
        slow (its leases were requeued) is back, and not counted dead."""
        self.beat(worker, ttl)
        self.redis.sadd(self.keys.workers, worker)
        self.redis.srem(self.keys.dead, worker)

    def beat(self, worker: str, ttl: float) -> None:
        """The worker is alive for ``ttl`` more seconds."""
        self.redis.set(self.keys.of("alive", worker), b"1", px=int(ttl * 1000))

    def leave(self, worker: str) -> None:
        """A worker that closed cleanly: what it still held goes back, then it is gone."""
        self.requeue(worker)
        self.redis.srem(self.keys.workers, worker)
        self.redis.srem(self.keys.idle, worker)
        self.redis.delete(self.keys.of("alive", worker))

    def workers(self) -> set[str]:
        return {w.decode() for w in self.redis.smembers(self.keys.workers)}  # type: ignore[union-attr,unused-ignore]

    def take(self, worker: str, token: str) -> bytes | None:
        """The next request, leased to ``worker`` under ``token``; None if the queue is empty."""
        keys = [self.keys.queue, self.keys.of("inflight", worker)]
        keys += [self.keys.of("scores", worker), self.keys.idle]
        found = self._take(keys=keys, args=[worker, token])
        return bytes(found) if found else None

    def ack(self, worker: str, tokens: Iterable[str]) -> None:
        """The leased requests are done: their callbacks' requests are queued."""
        tokens = list(tokens)
        if tokens:
            pipe = self.redis.pipeline()
            pipe.hdel(self.keys.of("inflight", worker), *tokens)
            pipe.hdel(self.keys.of("scores", worker), *tokens)
            pipe.execute()

    def requeue(self, worker: str) -> int:
        """Put every request ``worker`` holds back in the queue; how many."""
        keys = [self.keys.queue, self.keys.of("inflight", worker), self.keys.of("scores", worker)]
        return int(self._requeue(keys=keys))

    def idle(self, worker: str) -> None:
        self.redis.sadd(self.keys.idle, worker)

    def reap(self) -> dict[str, int]:
        """Requeue what dead workers held (their ``alive`` key expired); worker -> requests."""
        reaped = {}
        for worker in self.workers():
            if self.redis.exists(self.keys.of("alive", worker)):
                continue
            reaped[worker] = self.requeue(worker)
            self._free_hosts(
                keys=[self.keys.hosts], args=[self.keys.of("active", ""), f"{worker}:"]
            )
            self.redis.srem(self.keys.workers, worker)
            self.redis.srem(self.keys.idle, worker)
            self.redis.sadd(self.keys.dead, worker)
        return reaped

    def dead(self) -> set[str]:
        return {w.decode() for w in self.redis.smembers(self.keys.dead)}  # type: ignore[union-attr,unused-ignore]

    def finished(self) -> bool:
        """The queue is empty, nothing is in flight, every worker is idle (in one step)."""
        keys = [self.keys.queue, self.keys.workers, self.keys.idle]
        return bool(self._finished(keys=keys, args=[self.keys.of("inflight", "")]))

    def queued(self) -> int:
        return int(self.redis.zcard(self.keys.queue))

    # -- figures ------------------------------------------------------------------------------
    def publish_stats(self, worker: str, stats: Mapping[str, Any]) -> None:
        self.redis.hset(self.keys.stats, worker, json.dumps(stats, default=str))

    def stats(self) -> dict[str, dict[str, Any]]:
        """Worker -> its latest stats (live while it runs, final once it closed)."""
        raw: dict[bytes, bytes] = self.redis.hgetall(self.keys.stats)  # type: ignore[assignment]
        return {k.decode(): json.loads(v) for k, v in raw.items()}

    # -- politeness ---------------------------------------------------------------------------
    def grant(
        self, host: str, token: str, *, delay: float, floor: float, per_host: int, lease: float
    ) -> float:
        """0: send now (the token holds one of the host's ``per_host`` places for at most
        ``lease`` seconds, or until ``release``); > 0: seconds to wait; ``FULL``."""
        keys = [self.keys.of("host", host), self.keys.of("active", host), self.keys.hosts]
        args: list[str | int] = [int(delay * 1000), int(floor * 1000), per_host, token]
        args += [int(lease * 1000), host]
        answer = int(self._grant(keys=keys, args=args))
        return FULL if answer < 0 else answer / 1000

    def release(self, host: str, token: str) -> None:
        self.redis.zrem(self.keys.of("active", host), token)

    def hold(self, host: str, seconds: float) -> None:
        """No worker sends ``host`` a request for ``seconds`` (a ``Retry-After``)."""
        self._hold(keys=[self.keys.of("host", host)], args=[int(seconds * 1000)])
