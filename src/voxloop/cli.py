"""The `voxloop` command line."""

import argparse
import json
import os
import sys
from pathlib import Path

from voxloop.config import get_settings
from voxloop.mail import catcher


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    try:
        get_settings().refuse_placeholder_beyond_loopback(args.host)
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    from voxloop.mail import inbound

    # The catcher only while no SMTP server is configured, never in production; the intake
    # listener in development or where VOXLOOP_MAIL_INTAKE_PORT says.
    with catcher.catching(), inbound.listening():
        uvicorn.run(
            "voxloop.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            log_level="info",
        )


def _migrate(_: argparse.Namespace) -> None:
    from voxloop.migrate import upgrade

    upgrade()
    print("database is up to date")


def _demo(args: argparse.Namespace) -> None:
    from voxloop.demo import load

    with catcher.catching():  # the last week's demo mail goes out while it loads
        print(load(months=args.months, per_month=args.per_month))


def _users_create(args: argparse.Namespace) -> None:
    from voxloop.accounts import service
    from voxloop.audit.service import SYSTEM
    from voxloop.db import session_scope

    with session_scope() as db:
        org = service.get_org_by_slug(db=db, slug=args.org) or service.create_org(
            db=db, slug=args.org, name=args.org_name or args.org
        )
        user = service.create_user(
            db=db,
            org_id=org.id,
            actor=SYSTEM,
            email=args.email,
            password=args.password,
            role=args.role,
            name=args.name or "",
        )
        db.commit()
        print(f"created {user.role} {user.email} in organization {org.slug}")


def _tokens_create(args: argparse.Namespace) -> None:
    from voxloop.accounts import service
    from voxloop.audit.service import SYSTEM
    from voxloop.db import session_scope

    with session_scope() as db:
        org = service.get_org_by_slug(db=db, slug=args.org)
        user = service.get_user_by_email(db=db, org_id=org.id, email=args.email) if org else None
        if org is None or user is None:
            sys.exit(f"no user {args.email} in organization {args.org}")
        _, raw = service.create_token(
            db=db, org_id=org.id, actor=SYSTEM, user_id=user.id, name=args.name or "cli"
        )
        db.commit()
        print(f"API token for {user.email} (shown once):")
        print(raw)


def _worker(args: argparse.Namespace) -> None:
    import signal
    import threading

    from voxloop.config import get_settings
    from voxloop.jobs.executor import InProcessExecutor

    if get_settings().broker_url:  # scaled mode: a Celery worker on the broker
        from voxloop.jobs import queue

        queues = f"--queues={get_settings().broker_queue}"
        queue.app().worker_main(["worker", "--loglevel=INFO", f"--concurrency={args.concurrency}", queues])
        return
    # Web processes then run with VOXLOOP_EXECUTOR=none; any number of workers may share the
    # outbox, each message is claimed by one of them.
    executor = InProcessExecutor(args.poll)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    executor.start()
    print(f"voxloop worker: running outbox messages (polling every {args.poll}s); Ctrl-C stops")
    stop.wait()
    executor.stop()


def _scheduler(args: argparse.Namespace) -> None:
    import logging
    import signal
    import threading

    from voxloop.config import get_settings
    from voxloop.jobs import queue

    if not get_settings().broker_url:
        raise SystemExit("voxloop scheduler relays jobs to Celery workers: set VOXLOOP_BROKER_URL")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("voxloop scheduler: relaying the outbox and the periodic jobs to the workers; Ctrl-C stops")
    queue.schedule(stop, poll_seconds=args.poll)


def _outbox_run(_: argparse.Namespace) -> None:
    from voxloop.jobs.executor import drain

    print(f"ran {drain()} outbox messages")


def _mail_serve(args: argparse.Namespace) -> None:
    import signal
    import threading

    from voxloop.mail.inbound import smtp_controller

    controller = smtp_controller(args.host, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    print(f"voxloop mail: SMTP on {args.host}:{args.port}; mail <org slug>@… or …+<org slug>@…; Ctrl-C stops")
    stop.wait()
    controller.stop()


def _mail_poll(args: argparse.Namespace) -> None:
    import time

    from voxloop.mail.inbound import Mailbox, poll

    box = Mailbox(args.org, args.host, args.port, args.user, args.password, args.ssl, args.folder)
    while True:
        outcomes = poll(box)
        for o in outcomes:
            print(f"{o.outcome}: #{o.feedback_id or '-'} {o.reason}".rstrip())
        if args.once:
            return
        time.sleep(args.every)


def _stats(args: argparse.Namespace) -> None:
    from pathlib import Path

    from voxloop.analytics import report

    spec = report.Spec(
        scales={name: cols.split(",") for name, _, cols in (s.partition("=") for s in args.scale)},
        reverse=[i for items in args.reverse for i in items.split(",") if i],
        nps=args.nps,
        csat=args.csat,
        ces=args.ces,
        outcome=args.outcome,
        drivers=args.drivers.split(",") if args.drivers else [],
        efa=args.efa.split(",") if args.efa else [],
        factors=args.factors,
        cfa={name: cols.split(",") for name, _, cols in (s.partition("=") for s in args.cfa)},
        correlations=args.correlations.split(",") if args.correlations else [],
        weights={
            column: {k: float(v) for k, _, v in (c.partition(":") for c in shares.split(","))}
            for column, _, shares in (w.partition("=") for w in args.weight)
        },
        compare=args.compare,
    )
    try:
        text = report.report(report.load(Path(args.input)), spec)
    except (OSError, ValueError) as exc:
        sys.exit(f"error: {exc}")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"report written to {args.out}")
    else:
        print(text, end="")


def _analytics(args: argparse.Namespace) -> None:
    from voxloop.analytics import store
    from voxloop.db import session_scope

    with session_scope(readonly=True) as db:
        result = store.rebuild(db) if args.action == "rebuild" else store.sync(db)
    print(f"analytics store {store.path()}: {result}")


def _db_copy(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from voxloop import dbcopy

    bars: dict[str, tqdm] = {}

    def progress(table: str, done: int, total: int) -> None:
        if not total:
            return  # an empty table shows in the counts below
        bar = bars.get(table) or bars.setdefault(
            table, tqdm(total=total, desc=table, unit="row", file=sys.stderr, leave=True)
        )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    source = get_settings().database_url
    try:
        counted = dbcopy.copy(source_url=source, target_url=args.to, progress=progress, batch=args.batch)
    except dbcopy.CopyRefused as exc:
        sys.exit(f"error: {exc}")
    width = max(len(c.table) for c in counted)
    print(f"{'table':<{width}}  {'source':>9}  {'target':>9}")
    for c in counted:
        print(f"{c.table:<{width}}  {c.source:>9}  {c.target:>9}")
    where = args.to.rsplit("@", 1)[-1]  # not the password
    print(f"copied {sum(c.target for c in counted)} rows into {where}; the row counts match")
    print(
        "attachments are files in VOXLOOP_DATA_DIR, not rows: share or copy the data directory "
        "to the new processes too"
    )
    print(
        "the analytics store (analytics.duckdb in the data directory) is derived from the database: "
        "the workers' periodic sync fills it, `voxloop analytics rebuild` does it at once"
    )


def _text_classify(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from voxloop.text import categories, files
    from voxloop.text.analysis import classify_table

    try:
        frame = files.read_table(args.input)
        files.require_columns(frame, args.input, args.text_column)
        model = categories.load(args.categories) if args.categories else None
    except (OSError, ValueError) as exc:
        sys.exit(f"error: {exc}")
    with tqdm(total=len(frame), unit="text", file=sys.stderr, disable=len(frame) < 500 or None) as bar:
        out = classify_table(frame, text_column=args.text_column, categories=model, progress=bar.update)
    files.write_table(out, args.output)
    print(f"{len(out)} rows written to {args.output}", file=sys.stderr)


def _text_learn(args: argparse.Namespace) -> None:
    from voxloop.text import categories, files

    try:
        frame = files.read_table(args.train)
        files.require_columns(frame, args.train, args.text_column, args.label_column)
        model = categories.learn(
            list(frame[args.text_column]), list(frame[args.label_column]), threshold=args.threshold
        )
    except (OSError, ValueError) as exc:
        sys.exit(f"error: {exc}")
    model.save(args.output)
    r = model.report
    print(f"{r['examples']} examples, {len(model.labels)} categories, {r['folds']}-fold cross-validation:")
    print(f"accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}")
    width = max(len(name) for name in model.labels)
    print(f"{'category':<{width}}  examples  precision  recall     F1")
    for name, c in r["categories"].items():
        scores = f"{c['precision']:>9.3f}  {c['recall']:>6.3f}  {c['f1']:>5.3f}"
        print(f"{name:<{width}}  {c['examples']:>8}  {scores}")
    print(f"model written to {args.output}")


def _text_examples(args: argparse.Namespace) -> None:
    from voxloop.accounts import service as accounts
    from voxloop.db import session_scope, writing
    from voxloop.jobs import service as jobs
    from voxloop.text import categories, files
    from voxloop.text import service as text
    from voxloop.text.tasks import LEARN

    try:
        frame = files.read_table(args.input)
        files.require_columns(frame, args.input, args.text_column, args.label_column)
    except (OSError, ValueError) as exc:
        sys.exit(f"error: {exc}")
    rows = [
        (str(t).strip(), str(c).strip())
        for t, c in zip(frame[args.text_column], frame[args.label_column], strict=True)
        if str(t).strip() and str(c).strip()
    ]
    with session_scope() as db, writing(db):
        org = accounts.get_org_by_slug(db=db, slug=args.org)
        if org is None:
            sys.exit(f"error: no organization {args.org!r}")
        try:
            added = text.add_examples(db=db, org_id=org.id, rows=rows, source=Path(args.input).name)
        except categories.LearnError as exc:
            sys.exit(f"error: {args.label_column}: {exc}")
        jobs.enqueue(db=db, org_id=org.id, task=LEARN, payload={"org_id": org.id})
    print(f"{added} examples added to {args.org}; the category model is retrained by the workers")


def _import(args: argparse.Namespace) -> None:
    import json

    from tqdm import tqdm

    from voxloop.accounts import service as accounts
    from voxloop.audit.service import SYSTEM
    from voxloop.config import get_settings
    from voxloop.db import session_scope
    from voxloop.errors import VoxloopError
    from voxloop.imports import service
    from voxloop.text import files

    try:
        frame = files.read_table(args.input)
    except (OSError, ValueError) as exc:
        sys.exit(f"error: {exc}")
    with session_scope() as db:
        org = accounts.get_org_by_slug(db=db, slug=args.org)
        if org is None:
            sys.exit(f"error: no organization {args.org!r}")
        source = None
        if Path(args.mapping).is_file():
            spec = json.loads(Path(args.mapping).read_text("utf-8"))
            mapping, defaults = spec.get("mapping", spec), spec.get("defaults", {})
        else:
            saved = service.get_source(db=db, org_id=org.id, name=args.mapping)
            mapping, defaults, source = saved.mapping, saved.defaults, saved.name
        try:
            with tqdm(total=len(frame), unit="row", desc="imported", file=sys.stderr) as bar:
                run, _ = service.run(  # it holds no broker connection: it may fork in scaled mode too
                    db=db, org=org, actor=SYSTEM, frame=frame, mapping=mapping, defaults=defaults,
                    filename=Path(args.input).name, source=source, dry_run=args.dry_run,
                    classify=not args.no_classify, progress=bar.update,
                    processes=get_settings().text_processes,
                )  # fmt: skip
        except VoxloopError as exc:
            sys.exit("error: " + "; ".join(f"{f['field']}: {f['reason']}" for f in exc.fields))
    verb = "would be created" if args.dry_run else "created"
    print(f"{run.rows} rows: {run.created} {verb}, {run.duplicates} duplicates, {run.failed} refused")
    for p in run.problems[:20]:
        print(f"  row {p['row']}: {p['field']}: {p['reason']}")
    if run.created and not args.dry_run:
        if args.no_classify:
            print("classification is left to the outbox (triage, as for new feedback)")
        else:
            print("classified: type, sentiment, category and priority (imported history starts no deadlines)")


def _report(args: argparse.Namespace) -> None:
    from voxloop.accounts import service as accounts
    from voxloop.db import session_scope
    from voxloop.errors import VoxloopError
    from voxloop.reports import service

    with session_scope(readonly=True) as db:
        org = accounts.get_org_by_slug(db=db, slug=args.org)
        if org is None:
            sys.exit(f"error: no organization {args.org!r}")
        try:
            content = service.make(
                db=db, org=org, kind=args.type, fmt=args.format, locale="zh_CN" if args.lang == "zh" else "en"
            )
        except VoxloopError as exc:
            sys.exit("error: " + "; ".join(f"{f['field']}: {f['reason']}" for f in exc.fields))
    Path(args.output).write_bytes(content)
    print(f"{args.type} report written to {args.output}")


def _export(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime, timedelta

    from voxloop.accounts import service as accounts
    from voxloop.db import session_scope
    from voxloop.exports import formats, service

    end = datetime.fromisoformat(args.to).replace(tzinfo=UTC) if args.to else datetime.now(UTC)
    start = (
        datetime.fromisoformat(args.from_).replace(tzinfo=UTC) if args.from_ else end - timedelta(days=365)
    )
    with session_scope(readonly=True) as db:
        org = accounts.get_org_by_slug(db=db, slug=args.org)
        if org is None:
            sys.exit(f"error: no organization {args.org!r}")
        data = service.frame(db=db, org_id=org.id, kind=args.kind, start=start, end=end)
    fmt = args.format or Path(args.output).suffix.lstrip(".").lower() or "csv"
    try:
        formats.write(data, args.output, fmt)
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    print(f"{len(data)} {args.kind} rows written to {args.output}")


def _text_train(args: argparse.Namespace) -> None:
    from pathlib import Path

    from voxloop.text import analysis, training

    training.main(output=Path(args.output or analysis.MODEL_PATH), card=args.card)


def _text_train_heads(args: argparse.Namespace) -> None:
    from pathlib import Path

    from voxloop.text import spam_model, type_model, urgency

    model = urgency.train_shipped(Path(args.eval))
    urgency.save(model)
    print(json.dumps({"safety": model.report}, indent=1))
    spam = spam_model.train_shipped(Path(args.eval))
    spam_model.save(spam)
    print(json.dumps({"spam": spam.report}, indent=1))
    types = type_model.train_shipped(Path(args.eval))
    type_model.save(types)
    print(json.dumps({"types": types.report}, indent=1))


def _text_eval(args: argparse.Namespace) -> None:
    from pathlib import Path

    from voxloop.text import evaluation

    print(evaluation.table(evaluation.evaluate(Path(args.folder))))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voxloop", description="Voxloop customer-feedback platform")
    sub = parser.add_subparsers(dest="command", required=True)
    _server_commands(sub)
    _admin_commands(sub)
    _stats_command(sub)
    _data_commands(sub)
    _text_commands(sub)
    _store_commands(sub)
    _mail_commands(sub)
    return parser


def _server_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The server, its workers and the demo."""
    p = sub.add_parser("serve", help="run the web server and API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=_serve)

    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=_migrate)

    p = sub.add_parser("worker", help="run outbox side effects (email, ...) in a process of its own")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the outbox")
    p.add_argument("--concurrency", type=int, default=2, help="scaled mode: Celery worker processes")
    p.set_defaults(func=_worker)

    p = sub.add_parser("scheduler", help="scaled mode: relay the outbox and periodic jobs to Celery workers")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between looks at the outbox")
    p.set_defaults(func=_scheduler)

    p = sub.add_parser("demo", help="load the Cloudhill Hotels demo organization")
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--per-month", type=int, default=180)
    p.set_defaults(func=_demo)


def _admin_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Users, API tokens and the outbox."""
    users = sub.add_parser("users", help="manage users").add_subparsers(dest="action", required=True)
    p = users.add_parser("create", help="create a user (and the organization if missing)")
    p.add_argument("--org", required=True, help="organization slug")
    p.add_argument("--org-name", help="name for a new organization")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument(
        "--role", required=True, choices=["admin", "manager", "agent", "handler", "analyst", "viewer"]
    )
    p.add_argument("--name")
    p.set_defaults(func=_users_create)

    tokens = sub.add_parser("tokens", help="manage API tokens").add_subparsers(dest="action", required=True)
    p = tokens.add_parser("create", help="create an API token; prints it alone on the last line")
    p.add_argument("--org", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--name")
    p.set_defaults(func=_tokens_create)

    outbox = sub.add_parser("outbox", help="the side-effect outbox").add_subparsers(
        dest="action", required=True
    )
    outbox.add_parser("run", help="run every due message once and exit").set_defaults(func=_outbox_run)


def _stats_command(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`voxloop stats` on survey data brought from elsewhere."""
    p = sub.add_parser(
        "stats", help="reliability, NPS/CSAT/CES, key drivers and EFA on a CSV/XLSX of survey data"
    )
    p.add_argument("input", help="a .csv or .xlsx file, one row per respondent")
    p.add_argument("--scale", action="append", default=[], metavar="NAME=COL,COL,...", help="a scale's items")
    p.add_argument(
        "--reverse",
        action="append",
        default=[],
        metavar="COL,COL,...",
        help="reverse-keyed items of the scales",
    )
    p.add_argument("--nps", action="append", default=[], metavar="COL")
    p.add_argument("--csat", action="append", default=[], metavar="COL")
    p.add_argument("--ces", action="append", default=[], metavar="COL")
    p.add_argument("--outcome", metavar="COL_OR_SCALE", help="key drivers of this column or scale ...")
    p.add_argument("--drivers", metavar="COLS_OR_SCALES", help="... on these, comma-separated")
    p.add_argument("--efa", metavar="COLS", help="items for an exploratory factor analysis")
    p.add_argument("--factors", type=int, help="factors to extract (default: parallel analysis)")
    p.add_argument(
        "--cfa", action="append", default=[], metavar="FACTOR=COL,COL,...", help="a factor's items (CFA)"
    )
    p.add_argument("--correlations", metavar="COLS", help="a correlation matrix of these columns")
    p.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="COL=CAT:SHARE,...",
        help="raking target (population shares)",
    )
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="COLUMN",
        help="compare the NPS, CSAT, CES and scales between this column's groups",
    )
    p.add_argument("--out", help="write the report to this file")
    p.set_defaults(func=_stats)


def _data_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Feedback in (import) and out (reports, exports)."""
    p = sub.add_parser("import", help="feedback from a CSV, TSV, XLSX or JSONL file, with a column mapping")
    p.add_argument("input")
    p.add_argument("--org", required=True, help="organization slug")
    p.add_argument(
        "--mapping",
        required=True,
        help='a JSON file {"mapping": {field: column}, "defaults": {...}} or a saved source',
    )
    p.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
    p.add_argument(
        "--no-classify",
        action="store_true",
        help="leave the classification to the running server or worker instead of doing it here",
    )
    p.set_defaults(func=_import)

    p = sub.add_parser("report", help="the executive scorecard or the improvement status as PDF or Excel")
    p.add_argument("--org", required=True, help="organization slug")
    p.add_argument("--type", required=True, choices=["scorecard", "improvement"])
    p.add_argument("--format", default="pdf", choices=["pdf", "xlsx"])
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    p.add_argument("--output", required=True)
    p.set_defaults(func=_report)

    p = sub.add_parser("export", help="feedback, cases or survey responses as CSV, XLSX or Parquet")
    p.add_argument("kind", choices=["feedback", "cases", "responses", "customers"])
    p.add_argument("--org", required=True, help="organization slug")
    p.add_argument("--output", required=True)
    p.add_argument("--format", choices=["csv", "xlsx", "parquet"], help="default: from the file name")
    p.add_argument("--from", dest="from_", help="received on or after (ISO date, UTC; default a year ago)")
    p.add_argument("--to", help="received before (ISO date, UTC; default now)")
    p.set_defaults(func=_export)


def _text_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Text analysis and its models."""
    text = sub.add_parser("text", help="text analysis in Chinese and English").add_subparsers(
        dest="action", required=True
    )
    p = text.add_parser(
        "classify", help="add language, sentiment, emotion, type, category and keywords to a table of texts"
    )
    p.add_argument("input", help="a .csv, .tsv, .xlsx or .jsonl file")
    p.add_argument("--text-column", required=True)
    p.add_argument("--output", required=True, help="where to write the table (.csv, .tsv, .xlsx, .jsonl)")
    p.add_argument("--categories", metavar="MODEL", help="a category model from `voxloop text learn`")
    p.set_defaults(func=_text_classify)
    p = text.add_parser(
        "learn", help="learn categories from labelled examples; prints cross-validated accuracy"
    )
    p.add_argument("train", help="a .csv, .tsv, .xlsx or .jsonl file of labelled texts")
    p.add_argument("--text-column", required=True)
    p.add_argument("--label-column", required=True)
    p.add_argument("--output", required=True, help="where to write the model")
    p.add_argument("--threshold", type=float, default=0.35, help="below this confidence a person decides")
    p.set_defaults(func=_text_learn)
    p = text.add_parser(
        "examples", help="import labelled past feedback into an organization's category model"
    )
    p.add_argument("input", help="a .csv, .tsv, .xlsx or .jsonl file of labelled texts")
    p.add_argument("--org", required=True, help="organization slug")
    p.add_argument("--text-column", required=True)
    p.add_argument("--label-column", required=True, help="category codes of the organization")
    p.set_defaults(func=_text_examples)
    p = text.add_parser("train", help="train the default models on ../shared/data and write the model card")
    p.add_argument("--output", help="where to write the bundle (default: the package's own)")
    p.add_argument(
        "--card", action=argparse.BooleanOptionalAction, default=True, help="measure and write the card"
    )
    p.set_defaults(func=_text_train)
    p = text.add_parser(
        "train-heads",
        help="train the safety, spam and feedback-type learned heads on the sets in eval/",
    )
    p.add_argument("--eval", default="eval", help="the folder of hand-written sets (never eval/holdout)")
    p.set_defaults(func=_text_train_heads)
    p = text.add_parser(
        "eval", help="measure the safety, spam and typing checks on the hand-written sets (both halves)"
    )
    p.add_argument("folder", nargs="?", default="eval", help="the folder of safety/spam/triage .jsonl sets")
    p.set_defaults(func=_text_eval)


def _store_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The analytics store and the database."""
    analytics = sub.add_parser("analytics", help="the DuckDB analytics store").add_subparsers(
        dest="action", required=True
    )
    analytics.add_parser("sync", help="copy what is new (resumable)").set_defaults(func=_analytics)
    analytics.add_parser("rebuild", help="start the store again and copy everything").set_defaults(
        func=_analytics
    )

    database = sub.add_parser("db", help="the database itself").add_subparsers(dest="action", required=True)
    p = database.add_parser(
        "copy",
        help="migrate an empty database (PostgreSQL) and copy this installation's rows into it",
    )
    p.add_argument("--to", required=True, metavar="URL", help="e.g. postgresql+psycopg://voxloop@db/voxloop")
    p.add_argument("--batch", type=int, default=1000, help="rows per insert")
    p.set_defaults(func=_db_copy)


def _mail_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Email intake."""
    mail = sub.add_parser("mail", help="email intake").add_subparsers(dest="action", required=True)
    p = mail.add_parser("serve", help="an SMTP listener that turns mail into feedback and case messages")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2525)
    p.set_defaults(func=_mail_serve)
    p = mail.add_parser(
        "poll", help="take unseen mail from an IMAP mailbox (password from VOXLOOP_IMAP_PASSWORD)"
    )
    p.add_argument("--org", required=True, help="organization slug")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=993)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default=os.environ.get("VOXLOOP_IMAP_PASSWORD", ""))
    p.add_argument("--ssl", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--folder", default="INBOX")
    p.add_argument("--every", type=float, default=60.0, help="seconds between polls")
    p.add_argument("--once", action="store_true", help="poll once and exit")
    p.set_defaults(func=_mail_poll)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    get_settings()  # fail early on bad configuration
    from voxloop.errors import VoxloopError

    try:
        args.func(args)
    except VoxloopError as exc:
        detail = "; ".join(f"{f['field']}: {f['reason']}" for f in exc.fields)
        sys.exit(f"error: {exc.message}{' (' + detail + ')' if detail else ''}")


if __name__ == "__main__":
    main()
