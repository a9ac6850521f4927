"""Fixtures for the edge recorder's tests.

`index.py` is not importable as it is: CloudFormation's Fn::Sub fills its
`${QueueUrl}`, `${SkipPrefixes}`, `${SitePaths}` and `${SendReferer}` at
deploy time. `load_recorder` does the
same substitution and runs the result as a fresh module, so every test gets
its own module (and its own cached SQS client).
"""

import itertools
import json
import os
import re
import socket
import types
import urllib.parse
from functools import partial
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

SOURCE = Path(__file__).with_name("index.py")
PLACEHOLDERS = {"QueueUrl", "SkipPrefixes", "SitePaths", "SendReferer"}
# What the repository's site serves, as the stack lists it from site/.
SITE_PATHS = ("/", "/config.json", "/counter.js", "/index.html", "/style.css")
REGION = "us-east-1"
_module_ids = itertools.count()


# The recorder's AWS calls, for the access check (`cargo xtask test` sets
# these and checks the file against the recorder's role in the prod stack).
# One JSON object per line, the shape tools/access-record writes from Rust:
# {"principal", "service", "operation", "method", "uri", "params"}.
RECORD_FILE = os.environ.get("ACCESS_RECORD_FILE")
RECORD_PRINCIPAL = os.environ.get("ACCESS_RECORD_PRINCIPAL", "unknown")
MAX_VALUE = 2048


def request_params(body, content_type):
    """The resource-naming parameters of a request body: a JSON body's
    top-level strings (an object's keys), a form body's fields."""
    if isinstance(body, str):
        body = body.encode()
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    body = body or b""
    params = {}
    if "x-www-form-urlencoded" in content_type:
        for key, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
            if len(value) <= MAX_VALUE:
                params.setdefault(key, []).append(value)
        return params
    try:
        document = json.loads(body) if body else {}
    except ValueError:
        return params
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str) and len(value) <= MAX_VALUE:
                params[key] = [value]
            elif isinstance(value, dict):
                params[key] = list(value)
    return params


def record_calls(client, path, principal):
    """Appends one record per request `client` sends (botocore's
    `before-send` event: the request as signed, before it leaves)."""
    service = str(client.meta.service_model.service_id)

    def before_send(request, event_name, **_):
        record = {
            "principal": principal,
            "service": service,
            "operation": event_name.rsplit(".", 1)[-1],
            "method": request.method,
            "uri": request.url,
            "params": request_params(request.body, request.headers.get("Content-Type", "")),
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")

    client.meta.events.register("before-send", before_send)
    return client


class RecordingBoto3:
    """Stands in for `boto3` inside a loaded recorder: its clients record."""

    def __init__(self, path, principal):
        self.path, self.principal = path, principal

    def client(self, *args, **kwargs):
        return record_calls(boto3.client(*args, **kwargs), self.path, self.principal)


def load_recorder(
    queue_url, skip_prefixes=("/api/",), record=True, site_paths=SITE_PATHS, send_referer=False
):
    """index.py with its deploy-time values filled in as Fn::Sub would, loaded
    as a new module under a name no other load uses. With `record` and
    ACCESS_RECORD_FILE set, its SQS client's calls are recorded."""
    text = SOURCE.read_text(encoding="utf-8")
    # Fn::Sub substitutes every `${Name}`: the source must hold only the ones
    # the stack provides, or the deploy fails (or fills in something else).
    found = set(re.findall(r"\$\{([^}]*)\}", text))
    assert found == PLACEHOLDERS, f"index.py has Fn::Sub names {sorted(found)}"
    text = text.replace("${QueueUrl}", queue_url)
    text = text.replace("${SkipPrefixes}", json.dumps(list(skip_prefixes)))
    text = text.replace("${SitePaths}", json.dumps(list(site_paths)))
    text = text.replace("${SendReferer}", json.dumps(bool(send_referer)))
    name = f"edge_recorder_{next(_module_ids)}"
    module = types.ModuleType(name)
    module.__file__ = str(SOURCE)
    exec(compile(text, str(SOURCE), "exec"), module.__dict__)
    if record and RECORD_FILE:
        module.boto3 = RecordingBoto3(RECORD_FILE, RECORD_PRINCIPAL)
    return module


def viewer_request_event(
    uri="/",
    method="GET",
    querystring="",
    client_ip="203.0.113.10",
    headers=None,
    request_id="4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
    distribution_id="EDFDVBD6EXAMPLE",
):
    """A CloudFront viewer-request event, as Lambda@Edge receives it.

    `headers` maps a header's name (any case) to its value; CloudFront keys
    them by the lowercase name, each a list of {key, value}."""
    if headers is None:
        headers = {
            "Host": "d111111abcdef8.cloudfront.net",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            "Referer": "https://example.com/",
            "Accept": "text/html",
        }
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": "d111111abcdef8.cloudfront.net",
                        "distributionId": distribution_id,
                        "eventType": "viewer-request",
                        "requestId": request_id,
                    },
                    "request": {
                        "clientIp": client_ip,
                        "headers": {
                            name.lower(): [{"key": name, "value": value}]
                            for name, value in headers.items()
                        },
                        "method": method,
                        "querystring": querystring,
                        "uri": uri,
                    },
                }
            }
        ]
    }


def drain(sqs, queue_url):
    """Every message now in the queue, as parsed JSON bodies."""
    bodies = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return bodies
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    """Fake credentials and nothing from the host's AWS or proxy setup."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_CA_BUNDLE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "unrecorded(reason): the test's calls are refused on AWS on purpose; keep them out of the access check",
    )


@pytest.fixture
def load(request):
    """`load_recorder`, for tests that deploy the recorder their own way."""
    return partial(load_recorder, record=request.node.get_closest_marker("unrecorded") is None)


@pytest.fixture
def make_event():
    """`viewer_request_event`."""
    return viewer_request_event


@pytest.fixture
def messages(sqs):
    """`messages(queue_url)`: the parsed bodies now in a moto queue."""
    return lambda queue_url: drain(sqs, queue_url)


@pytest.fixture
def sqs():
    """An SQS client against moto, in process."""
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queue_url(sqs):
    """The URL of a fresh queue (https://sqs.us-east-1.amazonaws.com/...)."""
    return sqs.create_queue(QueueName="visits")["QueueUrl"]


@pytest.fixture
def recorder(queue_url):
    """The recorder, deployed against the moto queue, skipping /api/."""
    return load_recorder(queue_url, ["/api/"])


@pytest.fixture
def closed_port():
    """A loopback TCP port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
