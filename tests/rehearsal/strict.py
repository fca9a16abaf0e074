"""What makes moto refuse what AWS refuses, applied inside the rehearsal's moto server.

moto enforces IAM once `INITIAL_NO_AUTH_ACTION_COUNT` is spent: every request must be signed
by a known principal whose policies allow the action. But for most services it checks the
action against resource `*` only, so a policy naming its table, stream, parameters, identity
or distribution (as ours does) would be refused outright, and a policy granting `*` would
pass. Here each service the function or the deployer calls names the resource the request
touches, as AWS does: DynamoDB its table, streams their stream, SSM the parameter path, SES v2
the sending identity and the configuration set, CloudFront the distribution, CloudFormation the
stack, Lambda the function, IAM the role, EventBridge the rule, SNS the topic, Logs the log
group, Secrets Manager the secret. S3 and SQS already do.

Every decision is recorded, so the harness sees an AccessDenied even where the app catches
it (a failed CloudFront invalidation is logged, not raised), and the list of what the
function was granted and used is there to compare with what its policy grants."""

import json
import threading
import urllib.parse
from email.utils import parseaddr

_decisions = []
_lock = threading.Lock()


def decisions():
    with _lock:
        return list(_decisions)


def forget_decisions():
    with _lock:
        _decisions.clear()


def _arn(self, service, resource, region=True):
    where = self.region if region else ""
    return f"arn:aws:{service}:{where}:{self.current_account}:{resource}"


def _body(self):
    if isinstance(self.body, dict):  # moto's DynamoDB handler has parsed it already
        return self.body
    try:
        return json.loads(self.body or "{}")
    except ValueError:
        return {}


def dynamodb_resources(self):
    table = _body(self).get("TableName")
    return [_arn(self, "dynamodb", f"table/{table}")] if table else None


def streams_resources(self):
    body = _body(self)
    arn = body.get("StreamArn") or (body.get("ShardIterator") or "").split("|")[0]
    if arn:
        return [arn]
    if body.get("TableName"):  # ListStreams
        return [_arn(self, "dynamodb", f"table/{body['TableName']}/stream/*")]
    return None


def ssm_resources(self):
    body = _body(self)
    names = (
        [body["Path"]]
        if body.get("Path")
        else body.get("Names") or ([body["Name"]] if body.get("Name") else [])
    )
    return [_arn(self, "ssm", "parameter" + (n if n.startswith("/") else "/" + n)) for n in names] or None


def sesv2_resources(self):
    body = _body(self)
    sender = parseaddr(body.get("FromEmailAddress") or "")[1]
    if not sender:
        return None
    # AWS authorises a send against the identity that covers the sender (our domain) and
    # against the configuration set it names.
    found = [_arn(self, "ses", f"identity/{sender.rpartition('@')[2]}")]
    if body.get("ConfigurationSetName"):
        found.append(_arn(self, "ses", f"configuration-set/{body['ConfigurationSetName']}"))
    return found


def cloudfront_resources(self):
    parts = self.path.strip("/").split("/")
    if "distribution" in parts and parts.index("distribution") + 1 < len(parts):
        distribution = parts[parts.index("distribution") + 1]
        return [_arn(self, "cloudfront", f"distribution/{distribution}", region=False)]
    return None


def _param(self, name):
    try:
        value = self._get_param(name)
    except Exception:
        value = None
    return value or _body(self).get(name)


def cloudformation_resources(self):
    stack = _param(self, "StackName")
    if not stack:
        return None
    return [stack if stack.startswith("arn:") else _arn(self, "cloudformation", f"stack/{stack}/*")]


def lambda_resources(self):
    parts = self.path.strip("/").split("/")
    # /<version>/functions/<name or ARN>/..., /<version>/tags/<ARN>
    name = (
        parts[2] if len(parts) > 2 and parts[1] in ("functions", "tags") else _body(self).get("FunctionName")
    )
    if not name:
        return None
    name = urllib.parse.unquote(name)
    return [name if name.startswith("arn:") else _arn(self, "lambda", f"function:{name}")]


def iam_resources(self):
    role = _param(self, "RoleName")
    return [_arn(self, "iam", f"role/{role}", region=False)] if role else None


def events_resources(self):
    rule = _param(self, "Name") or _param(self, "Rule")
    return [_arn(self, "events", f"rule/{rule}")] if rule else None


def sns_resources(self):
    arn = _param(self, "TopicArn") or _param(self, "SubscriptionArn") or _param(self, "ResourceArn")
    if arn:
        return [arn]
    name = _param(self, "Name")
    return [_arn(self, "sns", name)] if name else None


def logs_resources(self):
    group = _param(self, "logGroupName")
    return [_arn(self, "logs", f"log-group:{group}:*")] if group else None


def secretsmanager_resources(self):
    secret = _param(self, "SecretId")
    if not secret:
        return None
    return [secret if secret.startswith("arn:") else _arn(self, "secretsmanager", f"secret:{secret}")]


def apigateway_by_verb(self, resource="*"):
    """API Gateway's IAM actions are the HTTP verbs on the resource's path (apigateway:GET on
    arn:aws:apigateway:<region>::/restapis/...), not moto's operation names."""
    from moto.core.authorization import ActionAuthenticatorMixin

    self._get_action = lambda: self.method  # an instance attribute: dispatch already happened
    try:
        arn = f"arn:aws:apigateway:{self.region}::{urllib.parse.urlsplit(self.uri).path}"
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, arn)
    finally:
        del self._get_action


def sqs_resource(determine):
    # moto finds the queue from QueueUrl; GetQueueUrl names it by QueueName instead.
    def resource(self):
        name = self._get_param("QueueName")
        if name and not self._get_param("QueueUrl"):
            return f"arn:aws:sqs:{self.region}:{self.current_account}:{name}"
        return determine(self)

    return resource


def s3_delete_keys(delete_keys):
    """DeleteObjects: AWS authorises s3:DeleteObject for each key (a policy may grant some
    prefixes only); moto checks the bucket and refuses every key when that fails."""

    def delete(self, bucket_name, authenticated=True):
        if authenticated:
            return delete_keys(self, bucket_name)
        # moto's bucket-wide check refused: not AWS's decision, so not recorded as one.
        with _lock:
            if _decisions and _decisions[-1]["action"] == "s3:DeleteObject" and not _decisions[-1]["allowed"]:
                _decisions.pop()
        import xmltodict
        from moto.s3.exceptions import S3AccessDeniedError

        objects = xmltodict.parse(self.body, strip_whitespace=False)["Delete"].get("Object", [])
        objects = objects if isinstance(objects, list) else [objects]
        allowed, denied = [], []
        for obj in objects:
            try:
                self._authenticate_and_authorize_s3_action(bucket_name=bucket_name, key_name=obj["Key"])
                allowed.append(obj)
            except S3AccessDeniedError:
                denied.append(obj["Key"])
        deleted, _ = self.backend.delete_objects(bucket_name, allowed, False)
        from moto.core.responses import ActionResult

        self.data["Action"] = "DeleteObjects"
        return self.serialized(
            ActionResult(
                {
                    "Deleted": [{"Key": k} for k, _v, _dv in deleted],
                    "Errors": [
                        {"Key": k, "Code": "AccessDenied", "Message": "Access Denied"} for k in denied
                    ],
                }
            )
        )

    return delete


def _post_policy_problem(self, bucket, fields, size):
    """Why S3 would refuse this browser POST (a presigned POST's fields), or None: the
    signature over the policy, its expiry, every condition, and s3:PutObject on the key for
    the principal that signed it. moto checks none of these; AWS checks all."""
    import base64
    import hashlib
    import hmac
    from datetime import UTC, datetime

    from moto.iam.access_control import IAMPolicy, PermissionResult, create_access_key

    try:
        akid, day, region, service, _ = fields["x-amz-credential"].split("/")
        headers = (
            {"X-Amz-Security-Token": fields["x-amz-security-token"]}
            if "x-amz-security-token" in fields
            else {}
        )
        key = create_access_key(
            account_id=self.current_account, partition="aws", access_key_id=akid, headers=headers
        )
        secret = key._secret_access_key
    except Exception as error:
        return akid if "akid" in locals() else "?", f"unknown credentials: {error}"

    def sign(k, message):
        return hmac.new(k, message.encode(), hashlib.sha256).digest()

    signing = sign(sign(sign(sign(("AWS4" + secret).encode(), day), region), service), "aws4_request")
    expected = hmac.new(signing, fields["policy"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        return akid, "the signature does not match the policy"
    policy = json.loads(base64.b64decode(fields["policy"]))
    if datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")) < datetime.now(UTC):
        return akid, "the policy has expired"
    values = {**fields, "bucket": bucket}
    covered = {"policy", "x-amz-signature", "file"}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            [(name, wanted)] = condition.items()
            operator, name = "eq", name.lower()
        else:
            operator, name, wanted = condition[0], str(condition[1]), condition[2:]
            if operator == "content-length-range":
                if not condition[1] <= size <= condition[2]:
                    return akid, f"{size} bytes is outside the policy's {condition[1]}-{condition[2]}"
                continue
            name, wanted = name.lstrip("$").lower(), wanted[0]
        covered.add(name)
        actual = {k.lower(): v for k, v in values.items()}.get(name, "")
        if (operator == "eq" and actual != wanted) or (
            operator == "starts-with" and not actual.startswith(wanted)
        ):
            return akid, f"{name}={actual!r} breaks the policy's {operator} {wanted!r}"
    # moto adds `bucketname` to the form's fields itself.
    extra = {k.lower() for k in fields} - covered - {"x-amz-signature", "bucketname"}
    if {e for e in extra if not e.startswith("x-ignore-")}:
        return akid, f"fields the policy does not cover: {sorted(extra)}"
    resource = f"arn:aws:s3:::{bucket}/{fields['key']}"
    verdicts = [IAMPolicy(p).is_action_permitted("s3:PutObject", resource) for p in key.collect_policies()]
    if PermissionResult.DENIED in verdicts or PermissionResult.PERMITTED not in verdicts:
        return akid, f"the signer may not s3:PutObject {resource}"
    return akid, None


def s3_browser_posts(post):
    """S3's browser-based upload (a presigned POST) authorised as AWS does (above)."""

    def checked(self, request, bucket_name):
        fields = {k: v[0] for k, v in self.querystring.items()}
        if "policy" not in fields or self.is_delete_keys():
            return post(self, request, bucket_name)
        akid, problem = _post_policy_problem(self, bucket_name, fields, len(self.body or b""))
        entry = {
            "action": "s3:PutObject",
            "resource": f"arn:aws:s3:::{bucket_name}/{fields.get('key')}",
            "key": akid,
        }
        with _lock:
            _decisions.append({**entry, "allowed": problem is None, **({"why": problem} if problem else {})})
        if problem:
            body = f"<Error><Code>AccessDenied</Code><Message>{problem}</Message></Error>"
            return 403, {"Content-Type": "application/xml"}, body
        self._browser_post_authorised = True
        return post(self, request, bucket_name)

    return checked


def s3_authorisation(authorise):
    def check(self, bucket_name=None, key_name=None):
        if getattr(self, "_browser_post_authorised", False):
            return None  # checked above, from the policy's own signature
        return authorise(self, bucket_name=bucket_name, key_name=key_name)

    return check


def _strict(resources_of):
    from moto.core.authorization import ActionAuthenticatorMixin

    def authorize(self, resource="*"):
        for arn in resources_of(self) or [resource]:
            ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, arn)

    return authorize


def _recording(check):
    def check_action_permitted(self, resource):
        entry = {"action": self._action, "resource": resource, "key": self._access_key._access_key_id}
        try:
            check(self, resource)
        except Exception:
            entry["allowed"] = False
            with _lock:
                _decisions.append(entry)
            raise
        entry["allowed"] = True
        with _lock:
            _decisions.append(entry)

    return check_action_permitted


# IAM authorises a few batch APIs as the single action they repeat (there is no
# sqs:SendMessageBatch action); moto checks the API's own name.
IAM_ACTION = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


def _iam_action_names(init):
    def named(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._action = IAM_ACTION.get(self._action, self._action)

    return named


def _documents(init):
    """moto keeps the inline policies of a role made by CloudFormation as dicts, where its
    access control expects JSON text: accept both (a moto gap, not a policy change)."""

    def accept(self, policy):
        if isinstance(policy, dict):
            document = policy.get("policy_document", policy) if "policy_document" in policy else policy
            policy = document if isinstance(document, str) else json.dumps(document)
        init(self, policy)

    return accept


def _signed_as_sent(create_aws_request):
    """moto checks a signature over a request it rebuilds with the parsed parameters as its
    body when the real body is empty: a GET with path or query parameters (SES v2's
    GetEmailIdentity, CloudFront's lists) never matches. A GET's body is what was sent: none."""

    def create(self):
        if self._method in ("GET", "HEAD", "DELETE") and not self._body:
            parsed, self._data = self._data, {}
            try:
                return create_aws_request(self)
            finally:
                self._data = parsed
        return create_aws_request(self)

    return create


def _no_docker_invocations(self, *args, **kwargs):
    # moto runs a stream's or queue's function in Docker (absent here) and, when that returns
    # anything, drops the stream's records. The rehearsal's own poller is the trigger.
    return None


def _no_inline_queue_mappings():
    """moto's SQS hands each new message straight to the queue's event source mapping: it
    receives it (spending one of the redrive policy's receives) and, the invocation returning
    nothing here, makes it visible again. A queue here keeps no mapping, so nothing receives
    a message but the rehearsal's own poller, playing the edge stack's NewsletterTrigger."""
    from moto.sqs.models import Queue

    Queue.lambda_event_source_mappings = property(lambda self: {}, lambda self, value: None)


def install():
    from moto.awslambda.models import LambdaBackend
    from moto.cloudfront.responses import CloudFrontResponse
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
    from moto.iam.access_control import IAMPolicy, IAMRequest, IAMRequestBase
    from moto.s3.responses import S3Response
    from moto.sesv2.responses import SESV2Response
    from moto.sqs.responses import SQSResponse
    from moto.ssm.responses import SimpleSystemManagerResponse

    DynamoHandler._authenticate_and_authorize_normal_action = _strict(dynamodb_resources)
    DynamoDBStreamsHandler._authenticate_and_authorize_normal_action = _strict(streams_resources)
    SimpleSystemManagerResponse._authenticate_and_authorize_normal_action = _strict(ssm_resources)
    SESV2Response._authenticate_and_authorize_normal_action = _strict(sesv2_resources)
    CloudFrontResponse._authenticate_and_authorize_normal_action = _strict(cloudfront_resources)
    # What the deployer calls (its policy names the project's stacks, function, roles, rules,
    # topics, log groups and secrets).
    from moto.apigateway.responses import APIGatewayResponse
    from moto.awslambda.responses import LambdaResponse
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.events.responses import EventsHandler
    from moto.iam.responses import IamResponse
    from moto.logs.responses import LogsResponse
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.sns.responses import SNSResponse

    for response, resources in (
        (CloudFormationResponse, cloudformation_resources),
        (LambdaResponse, lambda_resources),
        (IamResponse, iam_resources),
        (EventsHandler, events_resources),
        (SNSResponse, sns_resources),
        (LogsResponse, logs_resources),
        (SecretsManagerResponse, secretsmanager_resources),
    ):
        response._authenticate_and_authorize_normal_action = _strict(resources)
    APIGatewayResponse._authenticate_and_authorize_normal_action = apigateway_by_verb
    IAMRequestBase.check_action_permitted = _recording(IAMRequestBase.check_action_permitted)
    IAMPolicy.__init__ = _documents(IAMPolicy.__init__)
    IAMRequestBase.__init__ = _iam_action_names(IAMRequestBase.__init__)
    IAMRequest._create_aws_request = _signed_as_sent(IAMRequest._create_aws_request)
    LambdaBackend.send_dynamodb_items = _no_docker_invocations
    LambdaBackend.send_sqs_batch = _no_docker_invocations
    _no_inline_queue_mappings()
    SQSResponse._determine_resource = sqs_resource(SQSResponse._determine_resource)
    # HeadBucket is authorised as s3:ListBucket (moto asks for an "s3:HeadBucket" IAM lacks).
    from moto.s3 import responses as s3_responses

    s3_responses.ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"
    S3Response._bucket_response_delete_keys = s3_delete_keys(S3Response._bucket_response_delete_keys)
    S3Response._bucket_response_post = s3_browser_posts(S3Response._bucket_response_post)
    S3Response._authenticate_and_authorize_s3_action = s3_authorisation(
        S3Response._authenticate_and_authorize_s3_action
    )
