"""Near-duplicate texts: MinHash signatures over character shingles, candidate pairs from
locality-sensitive hashing, groups by union-find."""

import re
from collections.abc import Sequence

from datasketch import MinHash, MinHashLSH

from voxloop.text.normalize import normalize

_PERMUTATIONS = 64
_SHINGLE = 3
_NOT_WORD = re.compile(r"\W+")


def _signature(text: str) -> MinHash:
    compact = _NOT_WORD.sub("", normalize(text))  # punctuation and spacing do not make a text new
    shingles = {compact[i : i + _SHINGLE] for i in range(max(1, len(compact) - _SHINGLE + 1))}
    signature = MinHash(num_perm=_PERMUTATIONS)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature


def near_duplicates(texts: Sequence[str], threshold: float = 0.8) -> list[list[int]]:
    """Groups (indexes into `texts`, ascending) of texts whose shingle sets have an estimated
    Jaccard similarity of at least `threshold`; texts without a near-duplicate are left out."""
    # The index finds candidates (it cannot be tuned for exactly 1.0); each is then checked
    # against the threshold itself.
    lsh = MinHashLSH(threshold=min(threshold, 0.95), num_perm=_PERMUTATIONS)
    signatures = [_signature(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, signature in enumerate(signatures):
        if not _NOT_WORD.sub("", normalize(texts[i])):
            continue
        for j in lsh.query(signature):
            if signatures[j].jaccard(signature) >= threshold:
                parent[root(i)] = root(j)
        lsh.insert(i, signature)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]
