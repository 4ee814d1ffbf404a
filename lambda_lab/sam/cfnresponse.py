"""``cfnresponse``, as Lambda provides it to inline (ZipFile) Python code: answer a custom resource.

The lab adds this file beside ``index.py`` when a template's function has inline code, as AWS
does (the module is there only for ZipFile code). It keeps AWS's interface:
``send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False,
reason=None)`` and the constants ``SUCCESS`` / ``FAILED``; the body it PUTs to the ResponseURL
is the one CloudFormation reads.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-lambda-function-code-cfnresponsemodule.html
"""

import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    body = json.dumps({
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: " + context.log_stream_name,
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }).encode()
    print("Response body:\n" + body.decode())
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print("Status code:", response.status)
    except Exception as exc:  # as AWS's module: report, never raise into the handler
        print("send(..) failed executing request.urlopen(..):", exc)
