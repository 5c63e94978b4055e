"""A Redis lock store whose ticket operations are atomic, for several Rasa replicas.

Rasa 3.6's RedisLockStore reads a conversation's ticket lock, changes it in Python and writes it
back. Two replicas that receive messages of one conversation at the same moment can both read the
same lock, and one write then overwrites the other's ticket: both messages are processed at once and
the SQL tracker store loses one of their events (seen in bench/loadtest.py: 1 event in 8 lost in a
burst; RasaHQ/rasa#9213). Rasa's fix (ConcurrentRedisLockStore) is not in Rasa Open Source, so this
subclass keeps Rasa's ticket algorithm and storage format and makes every read-modify-write a Redis
transaction (WATCH / MULTI / EXEC, retried when another replica changed the lock in between).

Use it in endpoints.yml:  lock_store: {type: bot.locks.AtomicRedisLockStore, url: ..., port: ..., db: ...}
"""
from __future__ import annotations

import json
from typing import Any, Callable, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, RedisLockStore


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _transact(self, conversation_id: Text, change: Callable[[TicketLock], Any], create: bool) -> Any:
        """Apply `change` to the stored lock atomically; returns what `change` returns."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(1000):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw:
                        lock = TicketLock.from_dict(json.loads(raw))
                    elif create:
                        lock = TicketLock(conversation_id)
                    else:
                        pipe.unwatch()
                        return None
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets or create:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock: read it again
        raise LockError(f"Could not update the lock of conversation '{conversation_id}': too much contention.")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = 60) -> int:
        try:
            return self._transact(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except LockError:
            raise
        except Exception as e:  # same contract as Rasa's: any storage error is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{e}")

    def update_lock(self, conversation_id: Text) -> None:
        self._transact(conversation_id, lambda lock: lock.remove_expired_tickets(), create=False)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._transact(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), create=False)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Removing our ticket deletes the key when nobody else holds one (see _transact), atomically.
        self.finish_serving(conversation_id, ticket_number)
