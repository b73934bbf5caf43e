"""Critical-incident coding of open answers: each answer that tells of a good or a bad
experience is a positive or negative incident, coded with a category (the organization's model
when it is sure, else the answer's main keyword), then counted."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from voxloop.text.analysis import analyze
from voxloop.text.categories import CategoryModel

EXAMPLES = 3


def code(answers: Sequence[object], categories: CategoryModel | None = None) -> dict[str, Any]:
    """{"coded": n, "incidents": [{"incident", "category", "count", "examples"}, ...]} with the
    most frequent first; neutral and empty answers are not incidents."""
    texts = [a for a in answers if isinstance(a, str) and a.strip()]
    results = analyze(texts, with_aspects=False, categories=categories)
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for text, r in zip(texts, results, strict=True):
        if r.sentiment == "neutral":
            continue
        sure = (
            categories is not None and r.category is not None and categories.sure(r.category_confidence or 0)
        )
        category = r.category if sure else (r.keywords[0] if r.keywords else "")
        key = (r.sentiment, category or "")
        counts[key] += 1
        if len(examples[key]) < EXAMPLES:
            examples[key].append(text[:300])
    return {
        "coded": sum(counts.values()),
        "answers": len(texts),
        "incidents": [
            {
                "incident": incident,
                "category": category,
                "count": n,
                "examples": examples[(incident, category)],
            }
            for (incident, category), n in counts.most_common()
        ],
    }
