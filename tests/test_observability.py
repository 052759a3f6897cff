"""Operators can watch the platform (issue 12, observable in production): `/metrics` exists
only with a metrics token and answers only to it; it counts GraphQL operations by name with
their latency, errors by code (top-level and payload), and reads the outbox backlog and age,
each job's lag and the audit trail's unsealed entries from the database, so any process answers
for the installation. With an OTLP endpoint configured, requests, GraphQL operations and jobs
are traced to a real OTLP/HTTP receiver on loopback."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families

from domain import job_runs, outbox
from domain.clock import clock
from server.app import create_app
from server.settings import Settings
from tests.conftest import fresh_archive
from tests.services import ApiServer, wait_until
from workers.jobs import JOBS, Job

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
async def operator(runtime, settings):
    """An HTTP client of an app that has a metrics token."""
    app = create_app(Settings(**{**settings.model_dump(), "metrics_token": TOKEN}),
                     manage_runtime=False)
    app.state.holder["runtime"] = runtime
    transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hotel.test") as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple], float]:
    reply = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_without_a_metrics_token_there_is_no_metrics_endpoint(http):
    reply = await http.get("/metrics")
    assert reply.status_code == 404
    assert reply.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}"])
async def test_metrics_answer_only_to_the_metrics_token(operator, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    reply = await operator.get("/metrics", headers=headers)
    assert reply.status_code == 401
    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "hotel_" not in reply.text


async def test_a_staff_access_token_is_not_a_metrics_token(operator, person):
    admin = await person("admin")
    reply = await operator.get("/metrics", headers={"Authorization": f"Bearer {admin.token}"})
    assert reply.status_code == 401


async def test_operations_are_counted_by_name_with_latency_and_errors_by_code(operator, person):
    before = await scrape(operator)
    guest = await person(kind="GUEST")
    headers = {"Authorization": f"Bearer {guest.token}"}
    for _ in range(2):
        reply = await operator.post("/graphql", json={"query": "query Terms { roomTypes { id } }"})
        assert reply.status_code == 200
    # FORBIDDEN: a guest may not read the audit log.
    await operator.post("/graphql", headers=headers,
                        json={"query": "query Peek { auditLog(first: 1) { totalCount } }"})
    # A payload refusal: a booking for dates in the past.
    await operator.post("/graphql", headers=headers, json={
        "query": """mutation Book($i: CreateBookingInput!) { createBooking(input: $i) {
                      errors { code } } }""",
        "variables": {"i": {"channel": "ONLINE", "roomTypeId": "Um9vbVR5cGU6MQ==",
                            "checkIn": "2020-01-01", "checkOut": "2020-01-02", "guests": 1,
                            "acceptedTermsVersion": "x"}},
    })
    # Names a client invents are bounded: not a GraphQL name -> "invalid".
    await operator.post("/graphql", json={"query": "{ __typename }", "operationName": "x y"})
    after = await scrape(operator)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("hotel_graphql_operations_total", operation="Terms", type="query",
                 outcome="ok") == 2
    assert delta("hotel_graphql_operation_seconds_count", operation="Terms", type="query") == 2
    assert delta("hotel_graphql_operations_total", operation="Peek", type="query",
                 outcome="error") == 1
    assert delta("hotel_graphql_errors_total", code="FORBIDDEN", kind="top") == 1
    assert delta("hotel_graphql_operations_total", operation="Book", type="mutation",
                 outcome="ok") == 1
    payload_codes = {
        dict(labels)["code"]: count - value(before, name, **dict(labels))
        for (name, labels), count in after.items()
        if name == "hotel_graphql_errors_total" and dict(labels)["kind"] == "payload"
    }
    assert sum(payload_codes.values()) >= 1
    assert not any(dict(labels).get("operation") == "x y" for _, labels in after)


async def test_the_outbox_backlog_and_its_age_are_read_from_the_database(operator, gql):
    await outbox.enqueue("test.ping", "EMAIL", {"to": "someone@example.test"})
    await outbox.enqueue("test.ping", "SMS", {"to": "+8613800000000"})
    clock.advance(dt.timedelta(minutes=10))
    samples = await scrape(operator)
    assert value(samples, "hotel_outbox_backlog", destination="EMAIL", status="PENDING") == 1
    assert value(samples, "hotel_outbox_backlog", destination="SMS", status="PENDING") == 1
    assert value(samples, "hotel_outbox_oldest_pending_seconds") == pytest.approx(600, abs=1)
    assert value(samples, "hotel_metrics_database_up") == 1


async def test_job_lag_is_the_time_since_the_job_last_succeeded(operator):
    job = next(j for j in JOBS if j.name == "prune_sessions")
    await job.run({})
    clock.advance(dt.timedelta(hours=2))
    samples = await scrape(operator)
    assert value(samples, "hotel_job_lag_seconds", job="prune_sessions") == pytest.approx(7200)
    assert value(samples, "hotel_job_interval_seconds", job="prune_sessions") == 3600
    assert value(samples, "hotel_job_failed_recently", job="prune_sessions") == 0
    # A job that never ran has an interval but no lag: the alert is on its absence too.
    assert ("hotel_job_lag_seconds", (("job", "policy_reviews"),)) not in samples
    assert value(samples, "hotel_job_interval_seconds", job="policy_reviews") == 3600


async def test_a_failing_job_is_counted_and_flagged_without_its_message(operator):
    async def broken(ctx):
        raise RuntimeError("guest Zhang San +8613800000000 could not be reached")

    before = await scrape(operator)
    with pytest.raises(RuntimeError):
        await Job("deliver_outbox", broken, 30).run({})
    samples = await scrape(operator)
    assert value(samples, "hotel_job_failed_recently", job="deliver_outbox") == 1
    assert (value(samples, "hotel_job_runs_total", job="deliver_outbox", outcome="error")
            - value(before, "hotel_job_runs_total", job="deliver_outbox", outcome="error")) == 1
    row = await job_runs.JobRun.get(name="deliver_outbox")
    assert row.last_error == "RuntimeError" and row.failures == 1


async def test_unsealed_audit_entries_and_their_age_until_the_seal(operator, person, tmp_path):
    with fresh_archive(tmp_path):
        await person("admin")  # writes audit entries
        await operator.post("/graphql", json={"query": "mutation { login(input: {email: "
                                               "\"nobody@example.test\", password: \"x\"}) "
                                               "{ errors { code } } }"})
        clock.advance(dt.timedelta(minutes=6))  # past the seal interval
        before = await scrape(operator)
        assert value(before, "hotel_audit_unsealed_entries") >= 1
        assert value(before, "hotel_audit_seal_lag_seconds") >= 360
        await next(j for j in JOBS if j.name == "seal_audit_trail").run({})
        after = await scrape(operator)
        # What was waiting is sealed; only what the seal itself wrote just now may wait.
        assert value(after, "hotel_audit_unsealed_entries") < value(
            before, "hotel_audit_unsealed_entries"
        )
        assert value(after, "hotel_audit_seal_lag_seconds") < 1


class _OtlpReceiver(BaseHTTPRequestHandler):
    """A real OTLP/HTTP trace receiver: keeps every exported span's name and trace."""

    spans: list = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            service = next(a.value.string_value for a in resource.resource.attributes
                           if a.key == "service.name")
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attributes = {a.key: a.value for a in span.attributes}
                    self.spans.append((service, span.name, span.trace_id.hex(),
                                       span.parent_span_id.hex(), attributes))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_requests_operations_and_jobs_are_traced_to_the_configured_exporter(tmp_path):
    _OtlpReceiver.spans = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _OtlpReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}"
    server = ApiServer(tmp_path, seed=False, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
                       OTEL_SERVICE_NAME="hotel-api-test", JOB_TICK_SECONDS="0.5")
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        server.wait_ready()
        reply = httpx.post(
            f"{server.base}/graphql", json={"query": "query Ping { __typename }"},
            headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}, timeout=10,
        )
        assert reply.status_code == 200
        httpx.get(f"{server.base}/files/secret-download-token", timeout=10)
        wait_until(lambda: any(name.startswith("job ") for _, name, *_ in _OtlpReceiver.spans),
                   seconds=30, what="a job span")
    finally:
        server.stop()
        receiver.shutdown()
    spans = _OtlpReceiver.spans
    by_name = {name: (service, trace, parent, attrs) for service, name, trace, parent, attrs
               in spans}
    assert by_name["POST /graphql"][0] == "hotel-api-test"
    assert by_name["POST /graphql"][1] == trace_id  # continues the caller's trace
    assert by_name["graphql query Ping"][1] == trace_id
    assert "GET /files/{token}" in by_name
    assert not any("secret-download-token" in str(attrs) for *_, attrs in spans)


def test_two_api_processes_answer_metrics_for_both(tmp_path):
    # Up to 400 anonymous requests from one address: more than its per-minute budget allows.
    server = ApiServer(
        tmp_path, workers=2, seed=False, METRICS_TOKEN=TOKEN,
        BUDGET_ANONYMOUS_PER_MINUTE="100000000",
    )
    try:
        server.wait_ready()
        sent = 0

        def ping(_: int) -> int:
            reply = httpx.post(f"{server.base}/graphql",
                               json={"query": "query Ping { __typename }"}, timeout=10)
            return reply.status_code

        with httpx.Client(base_url=server.base, timeout=10) as client:
            # Eight new connections at a time, until both processes keep counter files: sent one
            # after another, an idle process accepts them all (asyncio accepts whatever is
            # queued at each wake-up); the scrape must sum whatever each counted.
            with ThreadPoolExecutor(max_workers=8) as pool:
                while sent < 24 or (len(_counting_processes(tmp_path)) < 2 and sent < 800):
                    assert set(pool.map(ping, range(8))) == {200}
                    sent += 8
            text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    finally:
        server.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }
    assert len(_counting_processes(tmp_path)) == 2  # both processes counted requests
    assert value(samples, "hotel_graphql_operations_total", operation="Ping", type="query",
                 outcome="ok") == sent


def _counting_processes(data_dir) -> set[str]:
    """Processes that have counted GraphQL operations (their counter files)."""
    return {path.name.split("_")[-1] for path in (data_dir / "prometheus").glob("counter_*.db")}
