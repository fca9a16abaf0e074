"""The test suite's settings: the production settings module, given the few values production
must be given, for the test run only (they are not left in the environment, which the
subprocesses some tests start would inherit).

DEBUG stays off, as in production (pytest-django would turn it off anyway); only the HTTPS
redirect is off, because the test client speaks plain HTTP to `testserver`."""

import os

_GIVEN = {
    "SECRET_KEY": "tests-only-not-a-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
}
_added = [name for name in _GIVEN if name not in os.environ]
os.environ.update({name: _GIVEN[name] for name in _added})
try:
    from blog.settings import *  # noqa: F403
finally:
    for name in _added:
        del os.environ[name]

SECURE_SSL_REDIRECT = False
