"""Tests of the Lambda@Edge viewer-request recorder (index.py)."""

import calendar
import copy
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def not_recorded(caplog):
    """The records of failures the handler logged and swallowed."""
    return [r for r in caplog.records if r.getMessage() == "visit not recorded"]


def test_records_one_visit_and_returns_the_request(recorder, queue_url, make_event, messages):
    event = make_event(
        uri="/index.html",
        method="GET",
        querystring="utm_source=news&page=2",
        client_ip="2001:db8::7",
        headers={
            "Host": "example.com",
            "User-Agent": "Mozilla/5.0 (Macintosh) Safari/605.1.15",
            "Referer": "https://news.example.org/item?id=1",
        },
        request_id="req-ABC123==",
    )
    request = event["Records"][0]["cf"]["request"]
    original = copy.deepcopy(request)

    before = int(time.time())
    result = recorder.handler(event, None)
    after = time.time()

    assert result is request
    assert result == original
    messages = messages(queue_url)
    assert len(messages) == 1
    message = messages[0]
    # No referer: it is sent only when the owner turns record_referer on.
    assert message == {
        "v": 1,
        "id": "req-ABC123==",
        "ip": "2001:db8::7",
        "path": "/index.html",
        "served": True,
        "method": "GET",
        "user_agent": "Mozilla/5.0 (Macintosh) Safari/605.1.15",
        "time": message["time"],
    }
    seconds = calendar.timegm(time.strptime(message["time"], TIME_FORMAT))
    assert before <= seconds <= after


def test_a_path_the_site_does_not_serve_is_marked(recorder, queue_url, make_event, messages):
    recorder.handler(make_event(uri="/wp-login.php", request_id="x"), None)
    recorder.handler(make_event(uri="/", request_id="y"), None)
    served = {m["id"]: m["served"] for m in messages(queue_url)}
    assert served == {"x": False, "y": True}


def test_an_unknown_site_serves_every_path(queue_url, load, make_event, messages):
    module = load(queue_url, ["/api/"], site_paths=())
    module.handler(make_event(uri="/anything", request_id="z"), None)
    (message,) = messages(queue_url)
    assert message["served"] is True


def test_the_referer_is_sent_only_when_turned_on(queue_url, load, make_event, messages):
    module = load(queue_url, ["/api/"], send_referer=True)
    module.handler(make_event(headers={"Referer": "https://a.example/"}, request_id="r"), None)
    (message,) = messages(queue_url)
    assert message["referer"] == "https://a.example/"


def test_each_request_is_its_own_message(recorder, queue_url, make_event, messages):
    for i, method in enumerate(["GET", "HEAD", "POST"]):
        recorder.handler(make_event(uri=f"/p{i}", method=method, request_id=f"r{i}"), None)
    messages = sorted(messages(queue_url), key=lambda m: m["id"])
    assert [(m["id"], m["path"], m["method"]) for m in messages] == [
        ("r0", "/p0", "GET"),
        ("r1", "/p1", "HEAD"),
        ("r2", "/p2", "POST"),
    ]


def test_message_time_is_utc_in_rfc3339_seconds(recorder, make_event):
    request = make_event()["Records"][0]["cf"]["request"]
    assert recorder.visit_message(request, "r", now=0)["time"] == "1970-01-01T00:00:00Z"
    assert recorder.visit_message(request, "r", now=1_800_000_000.9)["time"] == "2027-01-15T08:00:00Z"


def test_missing_request_id_is_empty(recorder, queue_url, make_event, messages):
    event = make_event(uri="/")
    del event["Records"][0]["cf"]["config"]
    recorder.handler(event, None)
    (message,) = messages(queue_url)
    assert message["id"] == ""


@pytest.mark.parametrize("uri", ["/api/counts", "/api/", "/api/live/ws"])
def test_skipped_prefix_sends_nothing(recorder, queue_url, uri, make_event, messages):
    event = make_event(uri=uri)
    request = event["Records"][0]["cf"]["request"]
    original = copy.deepcopy(request)

    result = recorder.handler(event, None)

    assert result is request
    assert result == original
    assert messages(queue_url) == []
    assert recorder._client is None  # no SQS client was even made
    # The queue works: a page outside the prefix is recorded.
    recorder.handler(make_event(uri="/about"), None)
    assert [m["path"] for m in messages(queue_url)] == ["/about"]


@pytest.mark.parametrize("uri", ["/api", "/apiary", "/docs/api/", "/"])
def test_only_paths_under_the_prefix_are_skipped(recorder, queue_url, uri, make_event, messages):
    recorder.handler(make_event(uri=uri), None)
    assert [m["path"] for m in messages(queue_url)] == [uri]


def test_several_skip_prefixes_and_none(queue_url, load, make_event, messages):
    several = load(queue_url, ["/api/", "/assets/"])
    for uri in ["/api/counts", "/assets/app.js", "/index.html"]:
        several.handler(make_event(uri=uri), None)
    assert [m["path"] for m in messages(queue_url)] == ["/index.html"]

    none = load(queue_url, [])
    none.handler(make_event(uri="/api/counts"), None)
    assert [m["path"] for m in messages(queue_url)] == ["/api/counts"]


def test_missing_headers_are_empty_strings(load, queue_url, make_event, messages):
    recorder = load(queue_url, ["/api/"], send_referer=True)
    recorder.handler(make_event(headers={"Host": "example.com"}), None)
    event = make_event()
    del event["Records"][0]["cf"]["request"]["headers"]
    recorder.handler(event, None)
    event = make_event()
    event["Records"][0]["cf"]["request"]["headers"]["user-agent"] = []
    event["Records"][0]["cf"]["request"]["headers"]["referer"] = []
    recorder.handler(event, None)

    messages = messages(queue_url)
    assert len(messages) == 3
    for message in messages:
        assert message["user_agent"] == ""
        assert message["referer"] == ""


def test_long_headers_are_truncated(load, queue_url, make_event, messages):
    recorder = load(queue_url, ["/api/"], send_referer=True)
    user_agent = "Mozilla/5.0 " + "u" * 2000
    referer = "https://example.com/?q=" + "r" * 5000
    recorder.handler(
        make_event(headers={"User-Agent": user_agent, "Referer": referer}), None
    )
    (message,) = messages(queue_url)
    assert message["user_agent"] == user_agent[:512]
    assert len(message["user_agent"]) == 512
    assert message["referer"] == referer[:1024]
    assert len(message["referer"]) == 1024


def test_headers_at_the_limit_are_kept_whole(load, queue_url, make_event):
    recorder = load(queue_url, ["/api/"], send_referer=True)
    request = make_event(
        headers={"User-Agent": "u" * 512, "Referer": "r" * 1024}
    )["Records"][0]["cf"]["request"]
    message = recorder.visit_message(request, "r")
    assert message["user_agent"] == "u" * 512
    assert message["referer"] == "r" * 1024


def test_unreachable_queue_is_logged_and_the_request_goes_on(closed_port, caplog, load, make_event):
    url = f"http://127.0.0.1:{closed_port}/123456789012/visits"
    module = load(url, ["/api/"])
    event = make_event(uri="/")
    request = event["Records"][0]["cf"]["request"]
    original = copy.deepcopy(request)

    with caplog.at_level(logging.INFO):
        start = time.monotonic()
        result = module.handler(event, None)
        elapsed = time.monotonic() - start

    assert result is request
    assert result == original
    assert elapsed < 10
    failures = not_recorded(caplog)
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None


@pytest.mark.unrecorded("sends to a queue that is not the stack's")
def test_missing_queue_is_logged_and_the_request_goes_on(queue_url, caplog, load, make_event, messages):
    missing = queue_url.rsplit("/", 1)[0] + "/never-created"
    module = load(missing, ["/api/"])
    event = make_event(uri="/pricing")
    request = event["Records"][0]["cf"]["request"]
    original = copy.deepcopy(request)

    with caplog.at_level(logging.INFO):
        result = module.handler(event, None)

    assert result is request
    assert result == original
    failures = not_recorded(caplog)
    assert len(failures) == 1
    assert "NonExistentQueue" in str(failures[0].exc_info[1]) or "does not exist" in str(
        failures[0].exc_info[1]
    )
    assert messages(queue_url) == []


class _Counting(BaseHTTPRequestHandler):
    """Answers every request with a 500 and counts them."""

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests += 1
        body = b'{"__type":"InternalError","message":"boom"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_sqs():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    server.requests = 0
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_failing_queue_is_tried_once(failing_sqs, caplog, load, make_event):
    """A viewer request waits for the recorder: no retries."""
    port = failing_sqs.server_address[1]
    module = load(f"http://127.0.0.1:{port}/123456789012/visits", [])
    event = make_event()
    request = event["Records"][0]["cf"]["request"]

    with caplog.at_level(logging.INFO):
        assert module.handler(event, None) is request

    assert failing_sqs.requests == 1
    assert len(not_recorded(caplog)) == 1


@pytest.fixture
def silent_sqs():
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_silent_queue_times_out(silent_sqs, caplog, load, make_event):
    port, accepted = silent_sqs
    module = load(f"http://127.0.0.1:{port}/123456789012/visits", [])
    event = make_event()
    request = event["Records"][0]["cf"]["request"]

    with caplog.at_level(logging.INFO):
        start = time.monotonic()
        result = module.handler(event, None)
        elapsed = time.monotonic() - start

    assert result is request
    assert 0.5 < elapsed < 10
    assert len(accepted) == 1
    assert len(not_recorded(caplog)) == 1


@pytest.mark.parametrize(
    ("url", "region", "endpoint"),
    [
        (
            "https://sqs.us-east-1.amazonaws.com/123456789012/visits",
            "us-east-1",
            "https://sqs.us-east-1.amazonaws.com",
        ),
        (
            "https://sqs.eu-west-2.amazonaws.com/123456789012/visits",
            "eu-west-2",
            "https://sqs.eu-west-2.amazonaws.com",
        ),
        (
            "https://sqs.ap-southeast-2.amazonaws.com/123456789012/site-visits.fifo",
            "ap-southeast-2",
            "https://sqs.ap-southeast-2.amazonaws.com",
        ),
        (
            "http://127.0.0.1:4566/000000000000/visits",
            "us-east-1",
            "http://127.0.0.1:4566",
        ),
        (
            "http://localhost:9324/000000000000/visits",
            "us-east-1",
            "http://localhost:9324",
        ),
    ],
)
def test_client_follows_the_queue_url(url, region, endpoint, load):
    module = load(url, [])
    client = module._sqs()
    assert client.meta.region_name == region
    assert client.meta.endpoint_url == endpoint
    assert module._sqs() is client  # made once, then reused


def test_client_timeouts(recorder):
    config = recorder._sqs().meta.config
    assert config.connect_timeout == 1
    assert config.read_timeout == 1


def test_each_load_is_a_fresh_module(queue_url, load):
    first = load(queue_url)
    second = load(queue_url)
    assert first.__name__ != second.__name__
    assert first._sqs() is not second._sqs()


@pytest.mark.parametrize("uri", ["/caf%C3%A9", "/café", "/日本語/ページ", "/a%20b"])
def test_unicode_path_is_recorded_as_given(recorder, queue_url, uri, make_event, messages):
    event = make_event(uri=uri)
    recorder.handler(event, None)
    (message,) = messages(queue_url)
    assert message["path"] == uri
    assert event["Records"][0]["cf"]["request"]["uri"] == uri


CONTRACT = Path(__file__).parents[2] / "tools" / "access-record" / "params-contract.json"


@pytest.mark.parametrize("case", json.loads(CONTRACT.read_text(encoding="utf-8")), ids=lambda c: c["what"])
def test_recorded_params_follow_the_rust_recorder(case):
    """The record's `params` as tools/access-record writes them from Rust."""
    from conftest import request_params

    assert request_params(case["body"], case["content_type"]) == case["params"]


def test_addresses_are_stored_in_one_form(recorder, queue_url, make_event, messages):
    recorder.handler(make_event(client_ip="2001:0db8:85a3:0:0:8a2e:0370:7334", request_id="a"), None)
    recorder.handler(make_event(client_ip="not-an-address", request_id="b"), None)
    ips = {m["id"]: m["ip"] for m in messages(queue_url)}
    assert ips == {"a": "2001:db8:85a3::8a2e:370:7334", "b": "not-an-address"}


def test_a_percent_encoded_uri_of_a_served_file_is_served(queue_url, load, make_event, messages):
    module = load(queue_url, ["/api/"], site_paths=("/my cv.html", '/odd"name.html'))
    module.handler(make_event(uri="/my%20cv.html", request_id="e"), None)
    (message,) = messages(queue_url)
    assert message["served"] is True
