"""moto's server, with DynamoDB requests made atomic as they are on AWS.

moto serves every request on its own thread and does not lock its DynamoDB
tables, so two concurrent UpdateItem calls on one item can interleave: both
read the old item, and one's list_append or condition is lost. DynamoDB
applies each request to an item atomically, and conditional updates (a
condition checked and a write made as one step) rely on that. This launcher makes moto's DynamoDB requests run one
at a time (the interpreter runs one thread at a time anyway, so nothing is
lost in speed), then starts moto's own server with the arguments it was given.

The emulator crate runs it as `python -c <this file> -H HOST -p PORT`.
"""

import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_ONE_AT_A_TIME = threading.RLock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):
    with _ONE_AT_A_TIME:
        return _call_action(self)


DynamoHandler.call_action = _atomic_call_action

if __name__ == "__main__":
    main(sys.argv[1:])
