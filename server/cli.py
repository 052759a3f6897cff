"""The `hotel` command (also `python -m server`): serve, worker, run-due, migrate, seed,
rotate-archive-keys, pending-operations, confirm-operation, reject-operation,
reencrypt-personal-data, analyse-members, export-schema.

Dual review on the command line (P6.2.3): a high-risk command (rotate-archive-keys) names its
operator with `--as EMAIL` and only stores the operation; a second operator lists it
(`pending-operations`), and confirms it with `confirm-operation ID --as EMAIL --digest DIGEST`
(the digest printed with the operation: what they reviewed is what runs), which runs it, or
refuses it with `reject-operation`. The domain refuses the same person confirming, someone
without the operation's rights and an altered operation, as it does for the API."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.errors import DomainError
from server.settings import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server import logs
    from server.demo import DEMO_GUEST, DEMO_PASSWORD, DEMO_STAFF, example_variables
    from server.runtime import API_PROCESSES_ENV

    settings = get_settings()
    logs.configure()
    if not settings.is_production and not args.no_seed:
        asyncio.run(_migrate_and_seed())
    elif not settings.is_production and args.workers > 1:
        # Migrated once here, not by each process at start: two processes creating the same
        # tables at once would leave one of them failing its start-up.
        asyncio.run(_migrate())
    if not settings.is_production:
        # Production serves no GraphiQL (app.py): announcing one would send people nowhere.
        print(f"GraphiQL: http://{args.host}:{args.port}/graphql", flush=True)
        print(
            f"Demo log-ins (password {DEMO_PASSWORD}): "
            + ", ".join(email for email, _, _ in DEMO_STAFF)
            + f", {DEMO_GUEST[0]}",
            flush=True,
        )
        today = dt.datetime.now(ZoneInfo(settings.hotel_timezone)).date()
        print(f"Example variables for the README: {json.dumps(example_variables(today))}",
              flush=True)
    if args.workers > 1:
        _share_metrics_between_processes(settings)
    os.environ[API_PROCESSES_ENV] = str(args.workers)  # read by each process's runtime
    uvicorn.run(
        "server.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        proxy_headers=True,
    )
    return 0


def _share_metrics_between_processes(settings) -> None:
    """Several API processes count into files of one folder, emptied at start, so a scrape of
    `/metrics` answered by any of them sums them all (prometheus_client's multiprocess mode)."""
    from server.metrics import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):
        return
    folder = Path(settings.data_dir) / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)


async def _migrate_and_seed() -> None:
    from server import runtime
    from server.demo import seed_demo

    rt = await runtime.start(get_settings(), apply_migrations=True)
    try:
        if await seed_demo():
            print("Seeded the demo hotel.", flush=True)
    finally:
        await runtime.stop(rt)


async def _migrate() -> None:
    from server import db
    from server.privacy import configure_personal_data, prepare_data_dir

    settings = get_settings()
    prepare_data_dir(settings)
    configure_personal_data(settings)  # the migrations encrypt existing personal data
    await db.migrate(settings.effective_database_url)
    await db.close()
    print("Migrations applied.")


async def _seed() -> int:
    settings = get_settings()
    if settings.is_production:
        print("Refusing to seed demo data in production.", file=sys.stderr)
        return 2
    await _migrate_and_seed()
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.redis_url:
        print(
            "`hotel worker` needs REDIS_URL; without it `hotel serve` runs the jobs itself.",
            file=sys.stderr,
        )
        return 2

    from server import logs
    from server import runtime as runtime_module
    from workers.settings import run as run_worker
    from workers.settings import worker_settings

    if not settings.otel_service_name:
        settings = settings.model_copy(update={"otel_service_name": "hotel-worker"})

    async def startup(ctx: dict) -> None:
        ctx["runtime"] = await runtime_module.start(settings, apply_migrations=False)
        if not ctx["runtime"].ready:
            raise RuntimeError(ctx["runtime"].not_ready_reason)

    async def shutdown(ctx: dict) -> None:
        await runtime_module.stop(ctx["runtime"])

    logs.configure()
    run_worker(worker_settings(settings.redis_url, startup, shutdown))
    return 0


async def _run_due() -> int:
    """Every sweep job once, in the order of `workers.jobs.JOBS`, printing each result: a tester
    moves the clock (`CLOCK_OFFSET`) and watches the deadlines it passed be handled. The jobs
    are the worker's own, so running them beside a worker or twice in a row is safe."""
    from domain.clock import clock
    from server import logs, runtime
    from workers.jobs import JOBS

    logs.configure()
    rt = await runtime.start(get_settings(), apply_migrations=False)
    failed = 0
    try:
        if not rt.ready:
            print(f"Not ready: {rt.not_ready_reason}", file=sys.stderr)
            return 2
        print(f"Clock: {clock.now().isoformat()} (offset {clock.offset})", flush=True)
        for job in JOBS:
            try:
                result = await job.run({})
            except Exception as error:  # one failing job does not keep the others from running
                failed += 1
                print(f"{job.name}: FAILED {type(error).__name__}: {error}", flush=True)
            else:
                print(f"{job.name}: {json.dumps(result, default=str)}", flush=True)
    finally:
        await runtime.stop(rt)
    return 1 if failed else 0


async def _operator(email: str):
    """The staff member a command acts as (`--as EMAIL`): someone with shell access to the
    server names themselves, so the maker and the checker of an operation are two people."""
    from authz.identity import Identity
    from domain.actor import Actor
    from domain.models import Account

    account = await Account.get_or_none(email=(email or "").strip().lower(), kind="STAFF")
    if account is None or not account.is_active:
        print(f"No active staff account {email!r}.", file=sys.stderr)
        return None
    return Actor(identity=Identity.of_account(account))


def _print_operation(row) -> None:
    from domain import dual_review

    maker = row.maker_name or row.maker_ref
    print(f"Operation {row.id} {row.operation} [{row.status}] asked by {maker}")
    print(f"  {row.summary}")
    print(f"  arguments {dual_review.canonical(dual_review.shown_arguments(row))}")
    print(f"  digest    {row.arguments_sha256}   expires {row.expires_at.isoformat()}")


async def _rotate_archive_keys(args: argparse.Namespace) -> int:
    """Key rotation is dual-reviewed (P6.2.3): this asks for it; a second operator confirms it
    with `hotel confirm-operation ID --as EMAIL --digest DIGEST`, which runs it."""
    from domain.documents.rotation import rotate_archive_keys
    from server import runtime

    rt = await runtime.start(get_settings(), apply_migrations=False)
    try:
        if not rt.ready:
            print(f"Not ready: {rt.not_ready_reason}", file=sys.stderr)
            return 2
        actor = await _operator(args.as_email)
        if actor is None:
            return 2
        try:
            pending = await rotate_archive_keys(actor)
        except DomainError as refusal:
            print(f"Refused ({refusal.code}): {refusal.message}", file=sys.stderr)
            return 1
    finally:
        await runtime.stop(rt)
    print("Key rotation waits for a second person (dual review):")
    _print_operation(pending)
    print(f"Confirm with: hotel confirm-operation {pending.id} --as OTHER_EMAIL "
          f"--digest {pending.arguments_sha256}")
    return 0


async def _pending_operations() -> int:
    from domain import dual_review
    from server import runtime

    rt = await runtime.start(get_settings(), apply_migrations=False)
    try:
        rows, _, _ = await dual_review.list_operations(
            dual_review.PendingFilter(status=[dual_review.OperationStatus.PENDING]), first=200
        )
    finally:
        await runtime.stop(rt)
    for row in rows:
        _print_operation(row)
    if not rows:
        print("Nothing waits for review.")
    return 0


async def _decide_operation(args: argparse.Namespace) -> int:
    """Confirm (and so run) or refuse a pending operation as a named operator; the domain
    refuses the maker, someone without the operation's rights, and an altered operation."""
    from authz.enforcer import enforcer
    from domain import dual_review
    from domain.unit_of_work import audited
    from server import runtime

    rt = await runtime.start(get_settings(), apply_migrations=False)
    try:
        actor = await _operator(args.as_email)
        if actor is None:
            return 2

        async def may(resource: str, action: str) -> bool:
            return await enforcer.decide(actor.identity, resource, action) is not None

        try:
            if args.command == "confirm-operation":
                row = await dual_review.confirm(actor, args.id, args.digest, may=may)
            else:
                row = await audited(
                    actor,
                    "rejectOperation",
                    "PendingOperation",
                    lambda: dual_review.reject(actor, args.id, args.reason, may=may),
                    subject_id=args.id,
                )
        except DomainError as refusal:
            print(f"Refused ({refusal.code}): {refusal.message}", file=sys.stderr)
            return 1
    finally:
        await runtime.stop(rt)
    _print_operation(row)
    if row.result is not None:
        print(f"  result    {json.dumps(row.result, sort_keys=True)}")
    return 0


async def _reencrypt_personal_data() -> int:
    from domain.personal_data.rotation import reencrypt
    from server import runtime

    rt = await runtime.start(get_settings(), apply_migrations=False)
    try:
        if not rt.ready:
            print(f"Not ready: {rt.not_ready_reason}", file=sys.stderr)
            return 2
        summary = await reencrypt()
    finally:
        await runtime.stop(rt)
    rewritten = ", ".join(f"{t} {n}" for t, n in summary.rewritten.items()) or "none"
    print(f"Current field key {summary.current_key_id}: rewritten {rewritten}; "
          f"{summary.unchanged} rows already current. Older field keys may now be retired.")
    return 0


class ProgressBar:
    """A text progress bar on a stream (stderr), redrawn in place after every batch."""

    def __init__(self, stream, width: int = 40) -> None:
        self.stream = stream
        self.width = width
        self.started = time.monotonic()

    def __call__(self, progress) -> None:
        filled = int(self.width * progress.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{progress.month:%Y-%m} [{bar}] {progress.members_done}/{progress.members_total}"
            f" members, {progress.batches_done} batches, {elapsed:.1f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


async def analyse_members(month_text: str | None, batch_size: int, stream) -> int:
    """Run (or resume) one month's member analysis with a progress bar on `stream`; the
    database must be open. Returns the exit status."""
    from domain import analysis
    from domain.errors import DomainError

    try:
        month = (
            analysis.parse_month(month_text) if month_text else analysis.last_finished_month()
        )
        stream.write(f"{month:%Y-%m}: copying the stays to analyse...\n")
        stream.flush()
        bar = ProgressBar(stream)
        try:
            run = await analysis.analyse_month(month, batch_size=batch_size, on_progress=bar)
        finally:
            bar.close()
    except DomainError as refusal:
        print(refusal.message, file=sys.stderr)
        return 2
    print(f"Analysed {analysis.month_label(run.month)}: {run.members_done} members, "
          f"{run.stays_total} stays, {run.batches_done} batches.")
    return 0


async def _analyse_members(args: argparse.Namespace) -> int:
    from server import runtime

    rt = await runtime.start(get_settings(), apply_migrations=False)
    try:
        if not rt.ready:
            print(f"Not ready: {rt.not_ready_reason}", file=sys.stderr)
            return 2
        return await analyse_members(args.month, args.batch_size, sys.stderr)
    finally:
        await runtime.stop(rt)


def _export_schema(args: argparse.Namespace) -> int:
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"Wrote {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hotel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="API processes")
    serve.add_argument("--no-seed", action="store_true", help="do not seed demo data")
    commands.add_parser("worker", help="run an arq worker (needs REDIS_URL)")
    commands.add_parser(
        "run-due", help="run every due sweep job once, in order, and print each result"
    )
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("seed", help="fill the database with the demo hotel")
    rotate = commands.add_parser(
        "rotate-archive-keys",
        help="ask to re-wrap archived documents under the first key of ARCHIVE_KEYS "
        "(runs once a second operator confirms it: dual review)",
    )
    rotate.add_argument("--as", dest="as_email", required=True, help="your staff e-mail")
    commands.add_parser("pending-operations", help="list operations waiting for dual review")
    confirm = commands.add_parser(
        "confirm-operation", help="confirm and run an operation someone else asked for"
    )
    confirm.add_argument("id", type=int)
    confirm.add_argument("--as", dest="as_email", required=True, help="your staff e-mail")
    confirm.add_argument("--digest", required=True, help="the digest of what you reviewed")
    reject = commands.add_parser("reject-operation", help="refuse a pending operation")
    reject.add_argument("id", type=int)
    reject.add_argument("--as", dest="as_email", required=True, help="your staff e-mail")
    reject.add_argument("--reason", required=True)
    commands.add_parser(
        "reencrypt-personal-data",
        help="re-encrypt personal data under the first field key (after a key rotation)",
    )
    analyse = commands.add_parser(
        "analyse-members",
        help="analyse members' consumption in a month and make recommendations (P3.1.8)",
    )
    analyse.add_argument("--month", help="YYYY-MM (default: the last finished month)")
    analyse.add_argument("--batch-size", type=int, default=5000, help="members per batch")
    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("output", nargs="?", default="schema.graphql")
    args = parser.parse_args(argv)
    from server.privacy import restrict_umask

    restrict_umask()
    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        return _worker(args)
    if args.command == "run-due":
        return asyncio.run(_run_due())
    if args.command == "migrate":
        asyncio.run(_migrate())
        return 0
    if args.command == "seed":
        return asyncio.run(_seed())
    if args.command == "rotate-archive-keys":
        return asyncio.run(_rotate_archive_keys(args))
    if args.command == "pending-operations":
        return asyncio.run(_pending_operations())
    if args.command in ("confirm-operation", "reject-operation"):
        return asyncio.run(_decide_operation(args))
    if args.command == "reencrypt-personal-data":
        return asyncio.run(_reencrypt_personal_data())
    if args.command == "analyse-members":
        return asyncio.run(_analyse_members(args))
    return _export_schema(args)


if __name__ == "__main__":
    sys.exit(main())
