"""The learned half of the spam check: is a message an ad, contact bait, a scam or nonsense,
however it is disguised?

The patterns in `voxloop.text.spam` know the wording they were written from; spammers write
around them (加🛰️薇❤信, ｖｘ, split words, homoglyphs). This head (`voxloop.text.heads`) reads
the message by its characters and words and by its meaning, and says "spam" (selling,
soliciting, scams) or "invalid" (gibberish, keyboard mashing, test messages). It learns from
the hand-written spam sets in eval/ and eval/train/, with the hand-written feedback, safety
messages and samples of public reviews and questions as genuine; its threshold is the lowest
probability at which cross-validated false flags on the hand-written genuine messages (links,
order numbers, WeChat mentioned, "ok") stay under 1 %: a genuine complaint flagged as spam
is routed to nobody, so a missed spam costs less than a false flag.
"""

from functools import lru_cache
from pathlib import Path

from voxloop.text import files, heads, urgency

MODEL_PATH = Path(__file__).with_name("trained") / "spam.joblib"
FORMAT = "voxloop-spam/1"
MAX_FALSE_FLAGS = 0.01  # cross-validated, on the hand-written genuine messages
INVALID = frozenset({"gibberish", "keyboard_mash", "repeated_chars", "test_message"})
GENUINE_CORPORA = (("zh reviews", 1500), ("en review sentences", 1000), ("en banking questions", 500))


def flag_of(kind: str) -> str:
    """The triage flag a kind of spam set row gets: 'invalid' for nonsense, else 'spam'."""
    return "invalid" if kind in INVALID else "spam"


def train_shipped(eval_dir: Path) -> heads.Head:
    """The shipped head, trained on the hand-written sets and public samples (never
    eval/holdout)."""
    rows = files.training_records(eval_dir, "spam.jsonl")
    spam = [(r["text"], flag_of(r["kind"])) for r in rows if r["spam"]]
    genuine = [r["text"] for r in rows if not r["spam"]]
    hand_written = len(genuine)
    genuine += [r["text"] for r in files.training_records(eval_dir, "triage.jsonl")]
    genuine += [r["text"] for r in files.training_records(eval_dir, "safety.jsonl")]
    genuine += urgency.public_calm(GENUINE_CORPORA)
    return heads.train(spam, genuine, hand_written, MAX_FALSE_FLAGS)


def save(model: heads.Head, path: Path = MODEL_PATH) -> None:
    heads.save(model, path, FORMAT)


@lru_cache(maxsize=1)
def shipped() -> heads.Head | None:
    """The model shipped in the package (None where it was not trained)."""
    return heads.load(MODEL_PATH, FORMAT)
