"""A stand-in for the AWS Parameters and Secrets Lambda extension, as AWS documents it: GET
/systemsmanager/parameters/get?name=...&withDecryption=true on localhost, with the function's
session token in X-Aws-Parameters-Secrets-Token; 401 without it, 400 naming ParameterNotFound
for a name SSM does not hold, else {"Parameter": {...}} as SSM's GetParameter answers.

Two users: tests/blog/test_secrets_at_start.py serves it in a thread over a dict
(`handler_class`); bench/lambda_stage.py runs this file as a process of its own over an SSM
endpoint, as the extension is one on Lambda:

    python tests/secrets_extension.py <port> <ssm endpoint> <region> <token>
"""

import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/systemsmanager/parameters/get"


def handler_class(lookup, token, asked=None):
    """A request handler answering from `lookup(name, decrypt)` (SSM's Parameter dict, or None
    for a name it does not hold); each (name, decrypt) asked is appended to `asked`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if self.headers.get("X-Aws-Parameters-Secrets-Token") != token:
                return self.answer(401, b"Unauthorized")
            if url.path != PATH or "name" not in query:
                return self.answer(400, b"bad request")
            name, decrypt = query["name"], query.get("withDecryption") == "true"
            if asked is not None:
                asked.append((name, decrypt))
            found = lookup(name, decrypt)
            if found is None:
                return self.answer(400, b"ParameterNotFound: " + name.encode())
            self.answer(200, json.dumps({"Parameter": found}, default=str).encode())

        def answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def main(port, endpoint, region, token):
    import boto3

    ssm = boto3.client("ssm", endpoint_url=endpoint, region_name=region)

    def lookup(name, decrypt):
        try:
            return ssm.get_parameter(Name=name, WithDecryption=decrypt)["Parameter"]
        except ssm.exceptions.ParameterNotFound:
            return None

    ThreadingHTTPServer(("127.0.0.1", int(port)), handler_class(lookup, token)).serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:5])
