"""Lambda@Edge viewer-request recorder: one SQS message per request.

Lambda@Edge has no environment variables, so the deploy fills the values
below through CloudFormation's Fn::Sub. A failure is logged and swallowed: a
page view is never broken by the counter.

What counts is decided here and in the processor:

- Served or not. SITE_PATHS is every URI the site serves, listed from site/
  when the template is made (deploy publishes exactly those files, plus the
  config.json it writes). A request for anything else is sent with
  `served: false`: the processor adds it to one aggregate counter and never
  stores its path, so a loop requesting made-up paths cannot fill the top
  pages. Why a list and not the response's status: the status is known only
  on the response side, and a viewer-response trigger is a second Lambda@Edge
  invocation on every request ($0.60 per million more, and its latency on
  every response), while an origin-response trigger runs only on cache
  misses and would miss most requests. A lookup in a frozenset costs well
  under a microsecond here and no invocation; the price is that the list is
  the one of the last deploy, which is also when the site's files change.
- People or bots. The user agent is sent; the processor checks it against a
  list of crawler and tool patterns (the isbot crate). Doing it
  here would run hundreds of patterns on every request, inside the viewer
  trigger's 5 s and 1 MB package, for a decision nothing here needs.
- Views. Only a GET of a served page is a view; the method is sent as it is
  and the processor decides.
- Privacy. The referer is sent only when the owner turns `record_referer` on
  in resume.toml; the user agent goes no further than the processor's bot
  check (neither is stored).
"""

import ipaddress
import json
import logging
import time
import urllib.parse

import boto3
from botocore.config import Config

QUEUE_URL = "${QueueUrl}"
SKIP_PREFIXES = tuple(json.loads(r"""${SkipPrefixes}"""))
# Empty when the site's files are not known: then every path counts as served.
SITE_PATHS = frozenset(json.loads(r"""${SitePaths}"""))
SEND_REFERER = json.loads("""${SendReferer}""")
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


def _address(text):
    """The client's address in one canonical form (IPv6 compressed), so that
    one visitor is one key and `cargo xtask forget` finds it."""
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return text


def _served(path):
    """Whether the site serves `path`: CloudFront's URI may percent-encode
    what the file names hold as characters."""
    return not SITE_PATHS or path in SITE_PATHS or urllib.parse.unquote(path) in SITE_PATHS


def visit_message(request, request_id="", now=None):
    """The queue message for one CloudFront viewer request. `request_id` is
    CloudFront's ID of the request: the processor drops a message whose ID it
    has already counted, so a redelivery is never counted twice."""
    path = request.get("uri", "/")
    message = {
        "v": MESSAGE_VERSION,
        "id": request_id,
        "ip": _address(request.get("clientIp", "")),
        "path": path,
        "served": _served(path),
        "method": request.get("method", "GET"),
        "user_agent": _header(request, "user-agent")[:512],
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
    }
    if SEND_REFERER:
        message["referer"] = _header(request, "referer")[:1024]
    return message


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
