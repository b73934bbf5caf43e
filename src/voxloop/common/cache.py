"""Short-lived in-process caches for what nearly every request reads: who holds a token and
which channels an organization has open.

A change made in this process clears the affected cache at once; other processes see it
within TTL_SECONDS. Without these, each intake request would start two read transactions,
and many concurrent SQLite readers next to a busy writer wait on WAL read slots.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import TTLCache

TTL_SECONDS = 5.0
T = TypeVar("T")


class Cache:
    def __init__(self, maxsize: int = 10_000, ttl: float = TTL_SECONDS) -> None:
        self._data: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()

    def get_or_load(self, key: Hashable, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                return self._data[key]  # type: ignore[no-any-return]
        value = load()
        self.put(key, value)
        return value

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._data.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        """Remember `value`; None (not found) is never remembered."""
        if value is not None:
            with self._lock:
                self._data[key] = value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


tokens = Cache()
channels = Cache()
vocabulary = Cache()  # an organization's own names for types, levels and scopes


def clear_all() -> None:
    tokens.clear()
    channels.clear()
    vocabulary.clear()
