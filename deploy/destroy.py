"""`make destroy STAGE=<name>`: takes the stage down and keeps its data.

Always removed: the alarms, the edge stack (CloudFront, the triggers), the function with its
API and schedules (`zappa undeploy`), the web ACL. Kept: the data stack (buckets, subscribers
table, failed-records queue, the function's role and log group), the database stack (the
instance keeps running and costing: README, "Costs"), the secrets in SSM, the certificate
and the SES identity; `make deploy` brings the stage back onto them.

`make destroy STAGE=<name> DELETE_DATA=yes` deletes the data too: the buckets emptied (every
version) and deleted, the table (its deletion protection lifted), the queue, the secrets, and
the database (a final snapshot stays, named in the output: RDS keeps it until you delete it)."""

import boto3
from botocore.exceptions import ClientError

from deploy import account, function, stacks
from deploy import settings as stage_settings


def destroy(name, delete_data=False, say=print):
    own = stage_settings.stage(name)
    region = own["region"]
    outputs = stacks.stage_outputs(own)
    fn = stage_settings.function_name(own)

    for kind in ("alarms", "edge"):
        _delete_stack(own, kind, say)
    configuration, _ = function.current(region, fn)
    if configuration is not None:
        # Zappa reads the stage from zappa_settings.json: write it from what is still there.
        stage_settings.write(name, stage_settings.zappa_settings(name, outputs, complete=False))
        function.zappa("undeploy", name, "--yes")
        say(f"function {fn}: deleted with its API and schedules")
    else:
        say(f"function {fn}: none")
    _delete_stack(own, "waf", say)

    if not delete_data:
        say("Kept: the data stack (buckets, table, queue, the role and log group), the database, the "
            "secrets in SSM, the certificate and the SES identity. `make deploy` brings the stage back; "
            f"`make destroy STAGE={name} DELETE_DATA=yes` deletes them.")  # fmt: skip
        return
    data = outputs.get("data", {})
    database = outputs.get("database", {})
    if database:
        rds = boto3.client("rds", region_name=region)
        rds.modify_db_instance(DBInstanceIdentifier=database["DatabaseInstanceId"], DeletionProtection=False,
                               ApplyImmediately=True)  # fmt: skip
        _delete_stack(own, "database", say)
        say(
            f"database: deleted; its final snapshot stays (aws rds describe-db-snapshots --db-instance-identifier {database['DatabaseInstanceId']})"
        )
    for key in ("MediaBucketName", "StaticBucketName", "DeploymentBucketName"):
        if data.get(key):
            _empty(region, data[key])
    if data.get("SubscribersTableName"):
        dynamodb = boto3.client("dynamodb", region_name=region)
        try:
            dynamodb.update_table(TableName=data["SubscribersTableName"], DeletionProtectionEnabled=False)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
    _delete_stack(own, "data", say)
    # What the data stack keeps when deleted (DeletionPolicy: Retain) goes now.
    s3 = boto3.client("s3", region_name=region)
    for key in ("MediaBucketName", "StaticBucketName", "DeploymentBucketName"):
        if data.get(key):
            _ignore_missing(lambda b=data[key]: s3.delete_bucket(Bucket=b))
    dynamodb = boto3.client("dynamodb", region_name=region)
    for key in ("SubscribersTableName", "NewsletterClaimsTableName"):
        if data.get(key):
            # Deletion protection first (the stack set it), then the table.
            _ignore_missing(
                lambda t=data[key]: dynamodb.update_table(TableName=t, DeletionProtectionEnabled=False)
            )
            _ignore_missing(lambda t=data[key]: dynamodb.delete_table(TableName=t))
    for key in ("FailedRecordsQueueUrl", "NewsletterQueueUrl"):
        if data.get(key):
            _ignore_missing(
                lambda q=data[key]: boto3.client("sqs", region_name=region).delete_queue(QueueUrl=q)
            )
    ssm = boto3.client("ssm", region_name=region)
    names = [p["Name"] for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=account.prefix(own))
             for p in page["Parameters"]]  # fmt: skip
    for start in range(0, len(names), 10):
        ssm.delete_parameters(Names=names[start : start + 10])
    say(f"data: deleted (buckets, table, queue, {len(names)} parameters under {account.prefix(own)}). "
        f"Kept: the SES identity {own['sender_domain']} (the account's) and any certificate.")  # fmt: skip


def _delete_stack(own, kind, say):
    name = stacks.stack_name(own, kind)
    if stacks.delete(stacks.cloudformation(stacks.region_of(own, kind)), name, say):
        say(f"stack {name}: deleted")


def _empty(region, bucket):
    s3 = boto3.client("s3", region_name=region)
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(doomed), 1000):
                s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True}
                )
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucket":
            raise


def _ignore_missing(call):
    try:
        call()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code not in (
            "NoSuchBucket",
            "ResourceNotFoundException",
            "AWS.SimpleQueueService.NonExistentQueue",
        ):
            raise
