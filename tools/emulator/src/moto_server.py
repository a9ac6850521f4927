"""moto's server, with DynamoDB requests made atomic and CloudFormation's
inline template limit enforced, as they are on AWS.

moto serves every request on its own thread and does not lock its DynamoDB
tables, so two concurrent UpdateItem calls on one item can interleave: both
read the old item, and one's list_append or condition is lost. DynamoDB
applies each request to an item atomically, and conditional updates (a
condition checked and a write made as one step) rely on that. This launcher makes moto's DynamoDB requests run one
at a time (the interpreter runs one thread at a time anyway, so nothing is
lost in speed), then starts moto's own server with the arguments it was given.

CloudFormation refuses a `TemplateBody` over 51,200 bytes (larger templates
must be uploaded to S3 and passed as `TemplateURL`, up to 1 MB):
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
and https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
(TemplateBody: "Length Constraints: Minimum length of 1."; the quota page
gives the 51,200 bytes). moto takes any size, so a deploy that would fail on
AWS would pass here; this launcher refuses it with AWS's error.

The emulator crate runs it as `python -c <this file> -H HOST -p PORT`.
"""

import sys
import threading

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.dynamodb.responses import DynamoHandler
from moto.server import main

# CloudFormation's quota for a template passed inline, in bytes.
MAX_INLINE_TEMPLATE_BYTES = 51_200

_ONE_AT_A_TIME = threading.RLock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):
    with _ONE_AT_A_TIME:
        return _call_action(self)


DynamoHandler.call_action = _atomic_call_action


def _inline_limited(action):
    original = getattr(CloudFormationResponse, action)

    def limited(self):
        body = self._get_param("TemplateBody")
        if body is not None and len(body.encode("utf-8")) > MAX_INLINE_TEMPLATE_BYTES:
            raise ValidationError(
                message=(
                    "1 validation error detected: Value at 'templateBody' failed to "
                    "satisfy constraint: Member must have length less than or equal "
                    f"to {MAX_INLINE_TEMPLATE_BYTES}"
                )
            )
        return original(self)

    setattr(CloudFormationResponse, action, limited)


for _action in ("create_stack", "update_stack", "create_change_set", "validate_template"):
    _inline_limited(_action)

if __name__ == "__main__":
    main(sys.argv[1:])
