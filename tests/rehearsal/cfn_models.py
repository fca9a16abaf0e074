"""What moto's CloudFormation cannot make, taught to the rehearsal's moto server, so that
`make deploy` runs against it unchanged: the same templates, change sets and outputs as in
AWS. Each resource type below is made through moto's own backend for its service where moto
has one (the SES configuration set, the CloudFront distribution, the SNS subscription, the
asynchronous-invocation config, queue and topic policies), and otherwise declared: it gets an
id and its properties are kept for tests to read (CloudFront's cache, origin-request and
response-headers policies, the origin access control, SES's event destination, the bucket
policies).

Not taught (the rehearsal's stages never use them; cfn-lint and tests/infra check their
templates): ACM certificates, WAF web ACLs, CloudWatch alarms, Route 53 record groups.

moto's RDS model is also given the two attributes database.yaml reads (DbiResourceId,
MasterUserSecret.SecretArn) and a parameter group's name as its Ref: its instance is a
record, with no PostgreSQL behind it."""

import contextlib
import json
import uuid

from moto.core.common_models import CloudFormationModel

DECLARED = {}  # physical id -> (type, properties), for tests


class _Made(CloudFormationModel):
    """A resource made by `make(properties, account, region)` and deleted by `unmake`."""

    TYPE = ""
    ATTRIBUTES = {}

    def __init__(self, physical_id, properties, account_id, region_name, attributes=None):
        self.physical_resource_id = physical_id
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.attributes = attributes or {}

    @staticmethod
    def cloudformation_name_type():
        return ""

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name):
        return self.attributes[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json.get("Properties", {})
        physical_id, attributes = cls.make(
            properties, account_id, region_name, kwargs.get("LogicalId", resource_name)
        )
        DECLARED[physical_id] = (cls.TYPE, properties)
        return cls(physical_id, properties, account_id, region_name, attributes)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass

    def delete(self, account_id, region_name):
        DECLARED.pop(self.physical_resource_id, None)
        self.unmake()

    def is_created(self):
        return True

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        return f"{logical_id}-{uuid.uuid4().hex[:12]}", {"Id": None}

    def unmake(self):
        pass


def _declared(type_name, *attributes):
    """A type that is only declared: an id, and its properties kept."""

    class Declared(_Made):
        TYPE = type_name
        ATTRIBUTES = dict.fromkeys(attributes)

        @classmethod
        def make(cls, properties, account_id, region_name, logical_id):
            physical_id = uuid.uuid4().hex[:14].upper()
            return physical_id, {a: physical_id for a in attributes}

    Declared.__name__ = Declared.__qualname__ = "Declared" + type_name.replace("::", "")
    return Declared


class ConfigurationSet(_Made):
    TYPE = "AWS::SES::ConfigurationSet"

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        from moto.sesv2.models import sesv2_backends

        name = properties["Name"]
        sesv2_backends[account_id][region_name].create_configuration_set(
            configuration_set_name=name,
            tracking_options={},
            delivery_options={},
            reputation_options=properties.get("ReputationOptions", {}),
            sending_options=properties.get("SendingOptions", {}),
            tags=[],
            suppression_options=properties.get("SuppressionOptions", {}),
            vdm_options={},
        )
        return name, {}

    def unmake(self):
        from moto.sesv2.models import sesv2_backends

        sesv2_backends[self.account_id][self.region_name].delete_configuration_set(self.physical_resource_id)


class Distribution(_Made):
    """The distribution in moto's CloudFront (invalidations need it), from the template's
    origins and default behaviour; the rest of its configuration is kept as declared."""

    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = {"DomainName": None, "Id": None}

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        from moto.cloudfront.models import cloudfront_backends

        config = properties["DistributionConfig"]
        origins = []
        for origin in config["Origins"]:
            made = {
                "Id": origin["Id"],
                "DomainName": origin["DomainName"],
                "OriginPath": origin.get("OriginPath", ""),
            }
            if "S3OriginConfig" in origin:
                made["S3OriginConfig"] = {"OriginAccessIdentity": ""}
            else:
                made["CustomOriginConfig"] = {
                    "HTTPPort": 80,
                    "HTTPSPort": 443,
                    "OriginProtocolPolicy": "https-only",
                }
                headers = origin.get("OriginCustomHeaders", [])
                made["CustomHeaders"] = {"Quantity": len(headers), "Items": {"OriginCustomHeader": headers}}
            origins.append(made)
        aliases = [a for a in config.get("Aliases", []) if a]
        api_config = {
            "CallerReference": uuid.uuid4().hex,
            "Comment": config.get("Comment", ""),
            "Enabled": True,
            "Aliases": {"Quantity": len(aliases), "Items": aliases},
            "Origins": {"Quantity": len(origins), "Items": origins},
            "DefaultCacheBehavior": {
                "TargetOriginId": config["DefaultCacheBehavior"]["TargetOriginId"],
                "ViewerProtocolPolicy": config["DefaultCacheBehavior"]["ViewerProtocolPolicy"],
            },
            "PriceClass": config.get("PriceClass", "PriceClass_All"),
        }
        backend = cloudfront_backends[account_id]["global"]
        distribution, _, _ = backend.create_distribution(api_config, [])
        return distribution.distribution_id, {
            "DomainName": distribution.domain_name,
            "Id": distribution.distribution_id,
        }

    def unmake(self):
        from moto.cloudfront.models import cloudfront_backends

        cloudfront_backends[self.account_id]["global"].distributions.pop(self.physical_resource_id, None)


class Subscription(_Made):
    TYPE = "AWS::SNS::Subscription"

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        from moto.sns.models import sns_backends

        backend = sns_backends[account_id][region_name]
        subscription = backend.subscribe(
            properties["TopicArn"], properties["Endpoint"], properties["Protocol"]
        )
        if properties.get("RedrivePolicy"):
            backend.set_subscription_attributes(
                subscription.arn, "RedrivePolicy", json.dumps(properties["RedrivePolicy"])
            )
        return subscription.arn, {}

    def unmake(self):
        from moto.sns.models import sns_backends

        sns_backends[self.account_id][self.region_name].unsubscribe(self.physical_resource_id)


class EventInvokeConfig(_Made):
    TYPE = "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        from moto.awslambda.models import lambda_backends

        config = {k: v for k, v in properties.items() if k not in ("FunctionName", "Qualifier")}
        lambda_backends[account_id][region_name].put_function_event_invoke_config(
            properties["FunctionName"], config
        )
        return f"{properties['FunctionName']}:{properties.get('Qualifier', '$LATEST')}", {}

    def unmake(self):
        from moto.awslambda.models import lambda_backends

        function_name = self.physical_resource_id.split(":")[0]
        with contextlib.suppress(Exception):  # the function went first (zappa undeploy)
            lambda_backends[self.account_id][self.region_name].delete_function_event_invoke_config(
                function_name
            )


class QueuePolicy(_Made):
    TYPE = "AWS::SQS::QueuePolicy"

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[account_id][region_name]
        for url in properties["Queues"]:
            backend.set_queue_attributes(
                url.rsplit("/", 1)[1], {"Policy": json.dumps(properties["PolicyDocument"])}
            )
        return f"{logical_id}-{uuid.uuid4().hex[:8]}", {}


class TopicPolicy(_Made):
    TYPE = "AWS::SNS::TopicPolicy"

    @classmethod
    def make(cls, properties, account_id, region_name, logical_id):
        from moto.sns.models import sns_backends

        backend = sns_backends[account_id][region_name]
        for arn in properties["Topics"]:
            backend.set_topic_attribute(arn, "Policy", json.dumps(properties["PolicyDocument"]))
        return f"{logical_id}-{uuid.uuid4().hex[:8]}", {}


MODELS = [
    ConfigurationSet,
    Distribution,
    Subscription,
    EventInvokeConfig,
    QueuePolicy,
    TopicPolicy,
    # Declared only: moto would apply its Deny-unless-TLS statement without reading the
    # condition, refusing everything (the stand-in speaks plain HTTP on 127.0.0.1).
    _declared("AWS::S3::BucketPolicy"),
    _declared("AWS::SES::ConfigurationSetEventDestination"),
    _declared("AWS::CloudFront::CachePolicy", "Id"),
    _declared("AWS::CloudFront::OriginRequestPolicy", "Id"),
    _declared("AWS::CloudFront::ResponseHeadersPolicy", "Id"),
    _declared("AWS::CloudFront::OriginAccessControl", "Id"),
]


def _rds_attributes(get_cfn_attribute):
    def attribute(self, name):
        if name == "DbiResourceId":
            return self.dbi_resource_id
        if name == "MasterUserSecret.SecretArn":
            return f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:rds!{self.db_instance_identifier}-AbCdEf"
        return get_cfn_attribute(self, name)

    return attribute


def _change_sets_as_in_aws(backend):
    """moto's change sets stop half-way: a stack made by one cannot import another stack's
    exports, and executing one leaves the stack's outputs, exports and parameters as they were
    (so the next identical change set sees changes). AWS does all of it; so does this."""
    create, execute = backend.create_change_set, backend.execute_change_set

    def create_change_set(self, *args, **kwargs):
        change_set_id, stack_id = create(self, *args, **kwargs)
        stack = self.stacks[stack_id]
        stack.cross_stack_resources = stack.resource_map.cross_stack_resources = self.exports
        return change_set_id, stack_id

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.describe_change_set(change_set_name)
        execute(self, change_set_name, stack_name)
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        stack.parameters = change_set.parameters
        for export in stack.exports:
            self.exports[export.name] = export

    backend.create_change_set = create_change_set
    backend.execute_change_set = execute_change_set


def _ec2(account_id, region_name):
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


def _network_deletions():
    """moto's CloudFormation never deletes an internet gateway, its attachment, a route table,
    a route or an association, so a deleted stack's VPC stays, refusing deletion for its
    dependencies; CloudFormation deletes them all."""
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    def gone_already(delete):
        # Deleted with its route table or gateway already: what CloudFormation counts as done.
        def tolerant(self, account_id, region_name):
            try:
                delete(self, _ec2(account_id, region_name))
            except Exception as error:
                if "NotFound" not in type(error).__name__ + str(error):
                    raise

        return tolerant

    def disassociate(self, backend):
        table = backend.get_route_table(self.route_table_id)
        for association, subnet in list(table.associations.items()):
            if subnet == self.subnet_id:
                backend.disassociate_route_table(association)

    VPCGatewayAttachment.delete = gone_already(
        lambda self, b: b.detach_internet_gateway(self.gateway_id, self.vpc_id)
    )
    InternetGateway.delete = gone_already(lambda self, b: b.delete_internet_gateway(self.id))
    Route.delete = gone_already(
        lambda self, b: b.delete_route(self.route_table.id, self.destination_cidr_block)
    )
    SubnetRouteTableAssociation.delete = gone_already(disassociate)
    RouteTable.delete = gone_already(lambda self, b: b.delete_route_table(self.id))


def install():
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend
    from moto.rds.models import DBInstance, DBParameterGroup

    DBInstance.get_cfn_attribute = _rds_attributes(DBInstance.get_cfn_attribute)
    DBInstance.has_cfn_attr = classmethod(
        lambda cls, attr: (
            attr in ("Endpoint.Address", "Endpoint.Port", "DbiResourceId", "MasterUserSecret.SecretArn")
        )
    )
    _change_sets_as_in_aws(CloudFormationBackend)
    _network_deletions()
    # A Ref to a parameter group is its name, as for every other resource.
    DBParameterGroup.physical_resource_id = property(lambda self: self.name)
    # moto finds its models among CloudFormationModel's direct subclasses, once (cached): add
    # these to the cached map itself.
    parsing.get_model_map().update({model.TYPE: model for model in MODELS})
    parsing.get_name_type_map().update(dict.fromkeys((model.TYPE for model in MODELS), ""))
