"""The small parts built on scrapy-redis, against real Redis: leases that a dead worker's
death gives back, the end of a run read in one step, and each host's manners held for
every worker together (delay, Crawl-delay, Retry-After, per_host)."""

from __future__ import annotations

import time

import pytest

from crawler.cluster.state import FULL, ClusterState, RunKeys, connect
from tests.helpers.redis_keys import REDIS_URL


@pytest.fixture
def state(redis_prefix):
    return ClusterState(connect(REDIS_URL), RunKeys(redis_prefix, "run-1"))


def _queue(state, *items):
    for score, data in items:
        state.redis.zadd(state.keys.queue, {data: score})


def test_a_taken_request_is_leased_not_lost_and_a_dead_workers_lease_comes_back(state):
    _queue(state, (0, b"a"), (-5, b"b"))
    state.join("w1", ttl=0.3)
    state.join("w2", ttl=60)
    assert state.take("w1", "t1") == b"b"  # the highest priority first, as scrapy-redis
    assert state.take("w2", "t2") == b"a"
    assert state.take("w2", "t3") is None
    assert state.queued() == 0
    state.ack("w2", ["t2"])
    time.sleep(0.4)  # w1's heartbeat lapses
    assert state.reap() == {"w1": 1}
    assert state.dead() == {"w1"}
    assert state.redis.zrange(state.keys.queue, 0, -1, withscores=True) == [(b"b", -5.0)]
    assert state.workers() == {"w2"}


def test_the_run_is_finished_only_when_queue_in_flight_and_every_worker_are_done(state):
    assert not state.finished()  # nobody joined yet
    state.join("w1", ttl=60)
    state.join("w2", ttl=60)
    _queue(state, (0, b"a"))
    state.idle("w1")
    state.idle("w2")
    assert not state.finished()  # a request waits
    assert state.take("w1", "t1") == b"a"  # taking it makes w1 busy again
    assert not state.finished()
    state.idle("w1")
    assert not state.finished()  # w1 idle, but its lease is not given back
    state.ack("w1", ["t1"])
    assert state.finished()


def test_a_hosts_delay_binds_every_worker(state):
    grant = {"delay": 0.3, "floor": 0.0, "per_host": 4, "lease": 60}
    assert state.grant("h.test", "w1:1", **grant) == 0
    wait = state.grant("h.test", "w2:1", **grant)  # another worker, at once: it waits
    assert 0.2 < wait <= 0.3
    time.sleep(wait)
    assert state.grant("h.test", "w2:1", **grant) == 0
    assert state.grant("other.test", "w2:2", **grant) == 0  # hosts apart


def test_a_crawl_delay_one_worker_read_binds_the_others(state):
    assert state.grant("h.test", "w1:1", delay=0, floor=0.5, per_host=4, lease=60) == 0
    # w2 has not read robots.txt yet (floor 0): the largest floor read still holds.
    assert state.grant("h.test", "w2:1", delay=0, floor=0, per_host=4, lease=60) > 0.4


def test_a_retry_after_one_worker_got_holds_the_host_for_all(state):
    state.hold("h.test", 0.5)
    assert state.grant("h.test", "w2:1", delay=0, floor=0, per_host=4, lease=60) > 0.4


def test_per_host_counts_requests_in_flight_from_every_worker(state):
    free = {"delay": 0, "floor": 0, "per_host": 2, "lease": 60}
    assert state.grant("h.test", "w1:1", **free) == 0
    assert state.grant("h.test", "w2:1", **free) == 0
    assert state.grant("h.test", "w3:1", **free) == FULL
    state.release("h.test", "w1:1")
    assert state.grant("h.test", "w3:1", **free) == 0


def test_a_dead_workers_places_at_a_host_are_freed(state):
    state.join("w1", ttl=0.2)
    free = {"delay": 0, "floor": 0, "per_host": 1, "lease": 60}
    assert state.grant("h.test", "w1:1", **free) == 0
    assert state.grant("h.test", "w2:1", **free) == FULL
    time.sleep(0.3)
    state.reap()
    assert state.grant("h.test", "w2:1", **free) == 0
