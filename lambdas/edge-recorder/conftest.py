"""Fixtures for the edge recorder's tests.

`index.py` is not importable as it is: CloudFormation's Fn::Sub fills its
`${QueueUrl}` and `${SkipPrefixes}` at deploy time. `load_recorder` does the
same substitution and runs the result as a fresh module, so every test gets
its own module (and its own cached SQS client).
"""

import itertools
import json
import re
import socket
import types
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

SOURCE = Path(__file__).with_name("index.py")
PLACEHOLDERS = {"QueueUrl", "SkipPrefixes"}
REGION = "us-east-1"
_module_ids = itertools.count()


def load_recorder(queue_url, skip_prefixes=("/api/",)):
    """index.py with its deploy-time values filled in as Fn::Sub would, loaded
    as a new module under a name no other load uses."""
    text = SOURCE.read_text(encoding="utf-8")
    # Fn::Sub substitutes every `${Name}`: the source must hold only the two
    # the stack provides, or the deploy fails (or fills in something else).
    found = set(re.findall(r"\$\{([^}]*)\}", text))
    assert found == PLACEHOLDERS, f"index.py has Fn::Sub names {sorted(found)}"
    text = text.replace("${QueueUrl}", queue_url)
    text = text.replace("${SkipPrefixes}", json.dumps(list(skip_prefixes)))
    name = f"edge_recorder_{next(_module_ids)}"
    module = types.ModuleType(name)
    module.__file__ = str(SOURCE)
    exec(compile(text, str(SOURCE), "exec"), module.__dict__)
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


@pytest.fixture
def load():
    """`load_recorder`, for tests that deploy the recorder their own way."""
    return load_recorder


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
