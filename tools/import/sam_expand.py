"""Expands a SAM template with AWS's own transform (aws-sam-translator).

Reads the template as JSON on standard input and writes the plain
CloudFormation template it stands for as JSON on standard output, as the
AWS::Serverless-2016-10-31 transform does on deploy
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html).
Offline: managed policy names (`AWSLambdaBasicExecutionRole`, ...) resolve
from the map the translator bundles, never through IAM. A template the
transform rejects exits with status 2 and its reasons on standard error.
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform


class BundledPolicies:
    """The translator's managed-policy loader, from its bundled map."""

    def load(self):
        return get_bundled_managed_policy_map("aws") or {}


def main():
    template = json.load(sys.stdin)
    try:
        expanded = transform(template, {}, BundledPolicies())
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(cause.message, file=sys.stderr)
        return 2
    json.dump(expanded, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
