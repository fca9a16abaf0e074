"""PostgreSQL with IAM database authentication: the password of every new connection is a
token signed with the function's own role credentials (valid 15 minutes, signed locally: no
call to AWS), so no database password exists for the function at all. The role may connect
only as the one database user its policy names (infra/database.yaml, rds-db:connect).

django-iam-dbauth does the same but builds a boto3 session per connection and resolves CNAMEs
with dnspython (which the package leaves out). The token is what the RDS client's
`generate_db_auth_token` makes (a test compares them), signed by the same botocore SigV4 query
signer, without building an RDS client: that loads RDS's whole service model, ~65 ms of CPU and
13 MiB on every cold start, for a signature that needs none of it."""

import functools

from django.db.backends.postgresql import base

TOKEN_SECONDS = 900  # RDS accepts a token for 15 minutes, the most it allows


@functools.cache
def _session():
    # One per container, as common.aws's clients: it resolves (and refreshes) the role's
    # credentials, and knows the region.
    import boto3

    return boto3.Session()


def auth_token(host, port, user):
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    session = _session()
    request = AWSRequest(
        method="GET", url=f"https://{host}:{int(port)}/", params={"Action": "connect", "DBUser": user}
    )
    credentials = session.get_credentials().get_frozen_credentials()
    SigV4QueryAuth(credentials, "rds-db", session.region_name, expires=TOKEN_SECONDS).add_auth(request)
    # RDS wants the signed URL without its scheme.
    return request.prepare().url.removeprefix("https://")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["password"] = auth_token(params["host"], params.get("port") or 5432, params["user"])
        return params
