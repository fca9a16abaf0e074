"""PostgreSQL with IAM database authentication: the password of every new connection is a
token signed with the function's own role credentials (valid 15 minutes, signed locally: no
call to AWS), so no database password exists for the function at all. The role may connect
only as the one database user its policy names (infra/database.yaml, rds-db:connect).

django-iam-dbauth does the same but builds a boto3 session per connection and resolves CNAMEs
with dnspython (which the package leaves out); this uses the container's one RDS client."""

from django.db.backends.postgresql import base

from common import aws


def auth_token(host, port, user):
    return aws.client("rds").generate_db_auth_token(DBHostname=host, Port=int(port), DBUsername=user)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["password"] = auth_token(params["host"], params.get("port") or 5432, params["user"])
        return params
