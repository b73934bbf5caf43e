"""The learned half of the safety check: does a message need someone now, however it is worded?

The phrase lists in `voxloop.text.safety` are precise but only know the wording they were
written from; on messages written by other people they caught 58 % of the emergencies. This
head (`voxloop.text.heads`) reads the same messages by their words and by their meaning and
names the kind of emergency. It learns from the hand-written safety sets in eval/ and
eval/train/ (emergencies and calm messages about the same things) plus ordinary feedback,
reviews and questions as calm examples; its threshold is the lowest probability at which
cross-validated false alarms of the whole check (phrases, the "it is over / what if" gate, then
this head) on the calm hand-written messages stay within 3 %, the bar the product sets for
false alarms: a missed emergency costs more than a false alarm, so the head
is as sensitive as that bar allows. Measured on eval/holdout, written by other people.
"""

from functools import lru_cache
from pathlib import Path

from voxloop.text import corpora, files, heads

MODEL_PATH = Path(__file__).with_name("trained") / "urgency.joblib"
FORMAT = "voxloop-urgency/2"
MAX_FALSE_ALARMS = 0.03  # cross-validated, on the calm hand-written messages: the false-alarm bar
CALM_CORPORA = (("zh reviews", 1500), ("en review sentences", 1000), ("en banking questions", 500))


def train_shipped(eval_dir: Path) -> heads.Head:
    """The shipped head: the hand-written safety sets' emergencies and calm messages, the
    hand-written feedback and genuine messages as calm, and samples of the public reviews and
    questions as calm (never eval/holdout)."""
    safety = files.training_records(eval_dir, "safety.jsonl")
    urgent = [(r["text"], r["kind"]) for r in safety if r["urgent"]]
    calm = [r["text"] for r in safety if not r["urgent"]]
    hand_written = len(calm)
    calm += [r["text"] for r in files.training_records(eval_dir, "triage.jsonl")]
    calm += [r["text"] for r in files.training_records(eval_dir, "spam.jsonl") if not r["spam"]]
    calm += public_calm(CALM_CORPORA)
    return heads.train(
        urgent,
        calm,
        hand_written,
        MAX_FALSE_ALARMS,
        [_before(t) for t, _ in urgent] + list(map(_before, calm)),
    )


def _before(text: str) -> bool | None:
    """False where the safety check does not ask the head (its phrases find nothing and the
    message says it is over or hypothetical); None where the head's judgment counts (what
    the phrases find is counted as the head's, so their own false alarms keep the bar)."""
    from voxloop.text import safety  # safety asks this module's head

    return False if safety.alarm(text) is None and safety.calm(text) else None


def public_calm(sizes: tuple[tuple[str, int], ...]) -> list[str]:
    """Samples of the public reviews and questions, none of which needs anyone now nor is spam."""
    sources = {
        "zh reviews": lambda: corpora.zh_reviews()["text"],
        "en review sentences": lambda: corpora.en_sentences()["text"],
        "en banking questions": lambda: corpora.en_banking("train")["text"],
    }
    return [t for name, n in sizes for t in sources[name]().sample(n, random_state=0)]


def save(model: heads.Head, path: Path = MODEL_PATH) -> None:
    heads.save(model, path, FORMAT)


@lru_cache(maxsize=1)
def shipped() -> heads.Head | None:
    """The model shipped in the package (None where it was not trained)."""
    return heads.load(MODEL_PATH, FORMAT)
