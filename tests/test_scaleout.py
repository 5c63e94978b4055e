"""Two replicas on PostgreSQL (tracker store) and Redis (lock store): conversations move between
replicas, concurrent messages of one conversation are serialised, and a killed replica loses nothing
but the requests in flight to it, which the client retries.

The database is a fresh, empty one (tests/conftest.py: pg_database): both replicas start at the same
moment and create the schema together, as on a real deployment's first start."""
import pytest

from tests.conftest import require_service


@pytest.fixture(scope="module")
def cluster(model_path, pg_database):
    require_service("Redis", "127.0.0.1", 6379)
    from bench.loadtest import start_cluster

    cluster = start_cluster(model_path, pg_database)
    yield cluster
    cluster.stop()


def assert_nothing_lost(result):
    assert result["lost_events"] == 0, result
    assert result["duplicated_events"] <= result["retried_in_flight"], result
    assert result["server_errors_5xx"] == 0, result
    assert result["unanswered"] == 0 and result["failed"] == 0, result
    assert result["interleaved"] == 0, result  # each message answered before the next one of its conversation


def test_conversations_move_between_replicas_without_losing_events(cluster):
    from bench.loadtest import run_load

    result = run_load(cluster, messages=240, conversations=16)
    assert result["ok"] == 240 + 8  # every message, plus a same-conversation burst of 8
    assert_nothing_lost(result)


def test_a_replica_killed_mid_run_loses_nothing_but_retried_requests(cluster):
    from bench.loadtest import run_load

    result = run_load(cluster, messages=240, conversations=16, kill_at=0.5)
    assert result["killed_replica"] is True
    assert result["ok"] == 240 + 8
    assert_nothing_lost(result)
