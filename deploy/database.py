"""The database's one bootstrap: the role the function logs in as. RDS IAM authentication
needs a PostgreSQL role granted `rds_iam`; only a session as the master user can make it. The
deployer reads the master password from the secret RDS generated (it never appears anywhere
else), connects over TLS, and makes the role idempotently: owner of the database, so Django's
migrations can create what they need (PostgreSQL 15+ gives the public schema to the
database's owner), and nothing else."""

import json

import boto3
import psycopg
from psycopg import sql


def master_password(region, secret_arn):
    secret = boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=secret_arn)
    return json.loads(secret["SecretString"])["password"]


def ensure_app_user(conninfo, database, user, iam_role="rds_iam"):
    """Make `user` (IAM login, owner of `database`) if it is not there. Returns True if
    anything was changed. `conninfo` is a master-user connection to `database`."""
    changed = False
    with psycopg.connect(conninfo, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(user)))
            changed = True
        granted = connection.execute(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s",
            (iam_role, user),
        ).fetchone()
        if not granted:
            connection.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(iam_role), sql.Identifier(user))
            )
            changed = True
        owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()[0]
        if owner != user:
            # The master user must be a member of the new owner to hand the database over.
            connection.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(user)))
            connection.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(database), sql.Identifier(user)
                )
            )
            changed = True
    return changed


def bootstrap(stage, outputs):
    """The app's role on the stage's RDS instance (the database stack's outputs)."""
    conninfo = psycopg.conninfo.make_conninfo(
        host=outputs["DatabaseHost"],
        port=outputs["DatabasePort"],
        dbname=outputs["DatabaseName"],
        user=outputs["MasterUsername"],
        password=master_password(stage["region"], outputs["MasterSecretArn"]),
        sslmode="require",
        connect_timeout=15,
    )
    return ensure_app_user(conninfo, outputs["DatabaseName"], outputs["DatabaseUser"])
