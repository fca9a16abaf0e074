"""The rehearsal's AWS: moto as a server on 127.0.0.1, in its own process (its state must not
mix with the suite's in-process moto), with `strict` installed, plus a few routes of the
rehearsal's own under /rehearsal/:

- `GET decisions`, `DELETE decisions`: every IAM decision since the last clear;
- `GET ses-sent`: the raw messages SES was asked to send (moto keeps them in memory);
- `GET invalidations`: {distribution id: [[paths of each invalidation]]} (moto's signature
  check fails CloudFront's GETs with query strings, so the deployer cannot list them);
- `PUT faults` with {"bucket", "key"} / `DELETE faults`: S3 answers 503 to whole-object GETs
  (the thumbnail handler's read; a ranged read of the header still works) of any object of
  that bucket whose key contains `key`, as during an outage, until cleared.

Lambda's ListFunctionUrlConfigs (missing from moto) answers that the function has no URL.

Usage: python -m tests.rehearsal.aws_server   (prints the port, then serves until killed)"""

import json
import re
import sys
import urllib.parse

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.rehearsal import cfn_models, strict

FAULTS = set()
FUNCTION_URLS = re.compile(r"/\d{4}-\d{2}-\d{2}/functions/[^/]+/urls")


def rehearsal_routes(app):
    def wsgi(environ, start_response):
        request = Request(environ)
        path = request.path
        if path.startswith("/rehearsal/"):
            return _ours(request, path.removeprefix("/rehearsal/"))(environ, start_response)
        if request.method == "GET" and FUNCTION_URLS.fullmatch(path):
            # moto lacks ListFunctionUrlConfigs, which `zappa update` calls; ours have none.
            body = json.dumps({"FunctionUrlConfigs": []})
            return Response(body, content_type="application/json")(environ, start_response)
        if request.method == "GET" and FAULTS and "Range" not in request.headers:
            bucket, _, key = path.lstrip("/").partition("/")
            if any(bucket == b and fragment in urllib.parse.unquote(key) for b, fragment in FAULTS):
                body = b"<Error><Code>SlowDown</Code><Message>Rehearsed outage</Message></Error>"
                return Response(body, status=503, content_type="application/xml")(environ, start_response)
        return app(environ, start_response)

    return wsgi


def _ours(request, what):
    if what == "decisions":
        if request.method == "DELETE":
            strict.forget_decisions()
            return Response("{}", content_type="application/json")
        return Response(json.dumps(strict.decisions()), content_type="application/json")
    if what == "ses-sent":
        from moto.ses.models import ses_backends

        sent = [
            {"source": m.source, "destinations": m.destinations, "raw": getattr(m, "raw_data", None)}
            for regions in ses_backends.values()
            for backend in regions.values()
            for m in backend.sent_messages
        ]
        return Response(json.dumps(sent), content_type="application/json")
    if what == "invalidations":
        from moto.cloudfront.models import cloudfront_backends

        found = {}
        for partitions in cloudfront_backends.values():
            for backend in partitions.values():
                for distribution, invalidations in backend.invalidations.items():
                    found.setdefault(distribution, []).extend(sorted(i.paths) for i in invalidations)
        return Response(json.dumps(found), content_type="application/json")
    if what == "faults":
        if request.method == "PUT":
            fault = json.loads(request.get_data())
            FAULTS.add((fault["bucket"], fault["key"]))
        elif request.method == "DELETE":
            FAULTS.clear()
        return Response("{}", content_type="application/json")
    return Response("not found", status=404)


def main():
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    logging.basicConfig(level=logging.WARNING)  # moto's own errors reach the server's log
    strict.install()
    cfn_models.install()
    app = rehearsal_routes(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
