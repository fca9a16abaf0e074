"""The subscriber table in DynamoDB.

The table (made in infra/, not by the app) is keyed by `email` (string, hash key only), has
TTL on `expires_at` and a stream with NEW_IMAGE (or NEW_AND_OLD_IMAGES) that triggers the
function. Every write is conditional (see welcome.store); `attribute_exists(email)` guards
each update, because an update of a missing item would otherwise create one."""

import json

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from common import aws
from welcome.store import SubscriberStore
from welcome.subscriber import Subscriber

_serialise = TypeSerializer().serialize
_deserialiser = TypeDeserializer()


def _is_condition_failure(error):
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _condition(expect):
    """A ConditionExpression (with its names and values) saying "the item exists and each
    attribute in `expect` has that value, or is absent where the value is None"."""
    parts, names, values = ["attribute_exists(#key)"], {"#key": "email"}, {}
    for n, (name, value) in enumerate(expect.items()):
        names[f"#c{n}"] = name
        if value is None:
            parts.append(f"attribute_not_exists(#c{n})")
        else:
            values[f":c{n}"] = _serialise(value)
            parts.append(f"#c{n} = :c{n}")
    return " AND ".join(parts), names, values


class DynamoDBSubscriberStore(SubscriberStore):
    def __init__(self, table_name, region=None):
        self.table_name = table_name
        self.region = region or None

    @property
    def _client(self):
        return aws.client("dynamodb", self.region)

    def _key(self, email):
        return {"email": {"S": email}}

    def get(self, email):
        response = self._client.get_item(TableName=self.table_name, Key=self._key(email), ConsistentRead=True)
        item = response.get("Item")
        return self._subscriber(item) if item else None

    def all(self):
        # A paginated scan: fine at a blog's scale (thousands of entries), and only editors
        # in the admin ask for it.
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table_name):
            yield from self._entries(page.get("Items", []), self._subscriber)

    def page(self, cursor=None, *, limit=1000):
        # A Scan page: DynamoDB reads `limit` items (or 1 MB) from where the last one stopped.
        params = {"TableName": self.table_name, "Limit": limit}
        if cursor:
            params["ExclusiveStartKey"] = json.loads(cursor)
        response = self._client.scan(**params)
        entries = list(self._entries(response.get("Items", []), self._subscriber))
        last = response.get("LastEvaluatedKey")
        return entries, json.dumps(last, sort_keys=True) if last else None

    def _put_new(self, subscriber):
        item = {k: _serialise(v) for k, v in subscriber.to_item().items()}
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": "email"},
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def _delete_if(self, email, expect):
        condition, names, values = _condition(expect)
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=self._key(email),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def _update_if(self, email, *, set_, remove, expect):
        condition, names, values = _condition(expect)
        clauses = []
        if set_:
            assignments = []
            for n, (name, value) in enumerate(set_.items()):
                names[f"#s{n}"] = name
                values[f":s{n}"] = _serialise(value)
                assignments.append(f"#s{n} = :s{n}")
            clauses.append("SET " + ", ".join(assignments))
        if remove:
            for n, name in enumerate(remove):
                names[f"#r{n}"] = name
            clauses.append("REMOVE " + ", ".join(f"#r{n}" for n in range(len(remove))))
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key=self._key(email),
                UpdateExpression=" ".join(clauses),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ReturnValues="ALL_NEW",
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return None
            raise
        return self._subscriber(response["Attributes"])

    def _subscriber(self, item):
        return Subscriber.from_item({k: _deserialiser.deserialize(v) for k, v in item.items()})
