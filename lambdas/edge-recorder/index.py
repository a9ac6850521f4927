"""Lambda@Edge viewer-request recorder: one SQS message per visit.

Lambda@Edge has no environment variables, so the deploy fills the two values
below through CloudFormation's Fn::Sub. A failure is logged and swallowed: a
page view is never broken by the counter.
"""

import json
import logging
import time
import urllib.parse

import boto3
from botocore.config import Config

QUEUE_URL = "${QueueUrl}"
SKIP_PREFIXES = tuple(json.loads("""${SkipPrefixes}"""))
MESSAGE_VERSION = 1

logger = logging.getLogger()
logger.setLevel(logging.INFO)
_client = None


def _sqs():
    """An SQS client for the queue's own endpoint and region, made once."""
    global _client
    if _client is None:
        url = urllib.parse.urlsplit(QUEUE_URL)
        host = url.hostname or ""
        parts = host.split(".")
        region = parts[1] if len(parts) > 2 and parts[0] == "sqs" else "us-east-1"
        _client = boto3.client(
            "sqs",
            region_name=region,
            endpoint_url=f"{url.scheme}://{url.netloc}",
            config=Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1}),
        )
    return _client


def _header(request, name):
    values = request.get("headers", {}).get(name) or []
    return values[0].get("value", "") if values else ""


def visit_message(request, request_id="", now=None):
    """The queue message for one CloudFront viewer request. `request_id` is
    CloudFront's ID of the request: the processor drops a message whose ID it
    has already counted, so a redelivery is never counted twice."""
    return {
        "v": MESSAGE_VERSION,
        "id": request_id,
        "ip": request.get("clientIp", ""),
        "path": request.get("uri", "/"),
        "method": request.get("method", "GET"),
        "user_agent": _header(request, "user-agent")[:512],
        "referer": _header(request, "referer")[:1024],
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
    }


def handler(event, context):
    cf = event["Records"][0]["cf"]
    request = cf["request"]
    try:
        path = request.get("uri", "/")
        if not path.startswith(SKIP_PREFIXES):
            request_id = cf.get("config", {}).get("requestId", "")
            message = visit_message(request, request_id)
            _sqs().send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(message))
    except Exception:  # noqa: BLE001 - the page view must go on
        logger.exception("visit not recorded")
    return request
