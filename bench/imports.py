"""Imports and exports at scale, on SQLite (FULL sync), in one process.

1. Import N rows from a CSV of real review texts with `voxloop import` (read, map, validate
   each row, classify it with triage's text models and rules, dedupe by external reference,
   write in batches of 1,000, each record once and already triaged; the checking and
   classifying done in parts by forked processes while the first one writes); then the two
   steps apart (`--no-classify`, then the outbox's triage); next to the baseline of reading
   the same CSV with pandas.
2. Export the N rows to Parquet (`GET /api/v1/exports/feedback?format=parquet`'s path), next to
   the baseline of DuckDB writing the same frame to Parquet without reading the database.

Targets of the issue: 1,000,000 rows imported with validation and classification in <= 60 s,
and exported to Parquet in <= 10 s.

    .venv/bin/python bench/imports.py            # 200,000 rows
    .venv/bin/python bench/imports.py --n 50000
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def fresh_org(name: str) -> tuple[Path, int]:
    """A new SQLite database in a temporary folder, migrated, with one organization: the
    folder and the organization's id. Call before anything reads the settings."""
    work = Path(tempfile.mkdtemp(prefix=f"voxloop-bench-{name}-"))
    os.environ.update(
        VOXLOOP_DATABASE_URL=f"sqlite:///{work / 'voxloop.db'}",
        VOXLOOP_DATA_DIR=str(work),
        VOXLOOP_EXECUTOR="none",
        VOXLOOP_ENV="test",
        VOXLOOP_SECRET_KEY="bench",
    )
    from voxloop.accounts import service as accounts
    from voxloop.db import session_scope
    from voxloop.migrate import upgrade

    upgrade()
    with session_scope() as db:
        org = accounts.create_org(db=db, slug="bench", name="Bench")
        db.commit()
        return work, org.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()
    work, org_id = fresh_org("imports")
    import duckdb
    import pandas as pd

    from voxloop import cli
    from voxloop.accounts import service as accounts
    from voxloop.db import session_scope
    from voxloop.exports import formats
    from voxloop.exports import service as exports
    from voxloop.jobs.executor import drain
    from voxloop.text import corpora

    texts = pd.concat([corpora.zh_reviews()["text"], corpora.en_sentences()["text"]]).sample(
        args.n, replace=True, random_state=0
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)  # a million rows 30 s apart: all in the past
    source = work / "reviews.csv"
    pd.DataFrame(
        {
            "评论ID": [f"r-{i}" for i in range(args.n)],
            "时间": [
                (start + timedelta(seconds=30 * i)).strftime("%Y-%m-%d %H:%M:%S") for i in range(args.n)
            ],
            "门店": [("西湖店", "外滩店", "国贸店")[i % 3] for i in range(args.n)],
            "内容": list(texts),
        }
    ).to_csv(source, index=False)
    mapping = {"external_ref": "评论ID", "received_at": "时间", "branch": "门店", "description": "内容"}

    began = time.perf_counter()
    pd.read_csv(source, dtype=str, keep_default_na=False)
    read_only = time.perf_counter() - began

    spec = work / "mapping.json"
    spec.write_text(json.dumps({"mapping": mapping}), "utf-8")
    with session_scope() as db:
        accounts.create_org(db=db, slug="bench-steps", name="Bench, step by step")
        db.commit()

    # What `voxloop import` does: check and classify each row, then write it, once.
    began = time.perf_counter()
    cli.main(["import", str(source), "--org", "bench", "--mapping", str(spec)])
    together = time.perf_counter() - began

    # The two steps apart, into another organization: write only, then classify.
    began = time.perf_counter()
    cli.main(["import", str(source), "--org", "bench-steps", "--mapping", str(spec), "--no-classify"])
    imported = time.perf_counter() - began
    began = time.perf_counter()
    drain(max_rounds=100_000)
    classified = time.perf_counter() - began

    end = start + timedelta(days=400)
    began = time.perf_counter()
    with session_scope(readonly=True) as db:
        data = exports.frame(db=db, org_id=org_id, kind="feedback", start=start, end=end)
    formats.write(data, work / "feedback.parquet", "parquet")
    exported = time.perf_counter() - began
    began = time.perf_counter()
    with duckdb.connect() as conn:
        conn.register("frame", data)
        conn.execute(f"COPY frame TO '{work / 'baseline.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
    parquet_only = time.perf_counter() - began

    n = args.n
    print(f"imports and exports, {n:,} rows, SQLite FULL, 2 CPUs")
    print(f"  read the CSV with pandas (baseline)        {n / read_only:>10,.0f} rows/s")
    print(f"  import alone: map, validate, dedupe, write {n / imported:>10,.0f} rows/s")
    print(f"  classify afterwards (triage: models, rules){n / classified:>10,.0f} rows/s")
    print(f"  the two one after the other                {n / (imported + classified):>10,.0f} rows/s")
    print(f"  voxloop import: classify, then write once  {n / together:>10,.0f} rows/s", end="")
    print(f"  ratio {read_only / together:.3f}")
    print(f"    1,000,000 rows at this rate: {1_000_000 * together / n:,.0f} s (target 60 s)")
    print(f"  write the frame to Parquet (baseline)      {n / parquet_only:>10,.0f} rows/s")
    print(f"  export to Parquet (read + write)           {n / exported:>10,.0f} rows/s", end="")
    print(f"  ratio {parquet_only / exported:.3f}")
    print(f"    1,000,000 rows at this rate: {1_000_000 * exported / n:,.1f} s (target 10 s)")


if __name__ == "__main__":
    main()
