"""A stand-in for one warm container of Lambda's python3.12 runtime, running the packaged
function. Started by tests/rehearsal/service.py as `python -S runtime.py <package> <runtime
libraries> <result fd> <handler>`, in an environment that holds only what Lambda would give
the function (its configuration's variables, the role's credentials, the region).

Imports come from the unpacked package first, then the standard library, then the runtime's
own libraries (boto3 and what it needs, as Lambda provides them); nothing from the test run's
virtual environment. Invocations arrive as JSON lines on stdin; each answer goes back as one
JSON line on the result pipe (stdout is the function's log, as CloudWatch would get it)."""

import json
import os
import sys
import time
import traceback
import uuid

PACKAGE, RUNTIME_LIBRARIES, RESULT_FD, HANDLER = sys.argv[1:5]
sys.path[:] = [PACKAGE, *[p for p in sys.path if p and "site-packages" not in p], RUNTIME_LIBRARIES]
os.chdir(PACKAGE)  # Lambda's working directory is the package root (/var/task)


class Context:
    """What Lambda passes as `context` (the parts Zappa and our handlers read)."""

    def __init__(self, timeout_ms):
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
        region, account = os.environ["AWS_REGION"], os.environ.get("REHEARSAL_ACCOUNT", "123456789012")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "rehearsal"
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main():
    results = os.fdopen(int(RESULT_FD), "w", encoding="utf-8")
    module_name, function_name = HANDLER.rsplit(".", 1)
    started = time.perf_counter()
    handler = getattr(__import__(module_name, fromlist=[function_name]), function_name)
    init_ms = round((time.perf_counter() - started) * 1000)
    for line in sys.stdin:
        request = json.loads(line)
        context = Context(request["timeout_ms"])
        started = time.perf_counter()
        try:
            answer = {"ok": True, "result": handler(request["event"], context)}
        except Exception as error:
            # What Lambda reports for an unhandled error (and the function's log shows).
            traceback.print_exc()
            answer = {
                "ok": False,
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
        answer["ms"] = round((time.perf_counter() - started) * 1000)
        answer["init_ms"], init_ms = init_ms, None
        answer["modules"] = {
            name: getattr(sys.modules.get(name), "__file__", None)
            for name in ("django", "dispatch.entry", "boto3")
        }
        sys.stdout.flush()
        try:
            line = json.dumps(answer)
        except (TypeError, ValueError) as error:  # Lambda cannot return what JSON cannot carry
            line = json.dumps({"ok": False, "errorType": "Runtime.MarshalError", "errorMessage": str(error)})
        results.write(line + "\n")
        results.flush()


if __name__ == "__main__":
    main()
