"""infra/database.yaml as CloudFormation reads it: PostgreSQL the function reaches without a
VPC, over TLS, with IAM tokens; no password typed anywhere; the data kept on deletion. moto's
RDS has no database behind it, so these read the template; the rehearsal makes the stack
(tests/rehearsal) and tests/common connects the backend to a real PostgreSQL."""

from tests.infra.cfn import DATABASE_TEMPLATE, load

TEMPLATE = load(DATABASE_TEMPLATE)
RESOURCES = TEMPLATE["Resources"]
INSTANCE = RESOURCES["Database"]["Properties"]


def test_no_password_is_typed_anywhere():
    """RDS generates the master password into Secrets Manager; the function has none at all."""
    assert INSTANCE["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in INSTANCE
    assert not [name for name, p in TEMPLATE["Parameters"].items() if "assword" in name or p.get("NoEcho")]
    assert INSTANCE["EnableIAMDatabaseAuthentication"] is True


def test_tls_is_required_of_every_connection():
    group = RESOURCES["ParameterGroup"]["Properties"]
    assert group["Parameters"] == {"rds.force_ssl": "1"}
    assert group["Family"] == {"Fn::Sub": "postgres${EngineVersion}"}
    assert INSTANCE["StorageEncrypted"] is True


def test_the_function_needs_no_vpc_and_the_instance_answers_on_5432_only():
    assert INSTANCE["PubliclyAccessible"] is True
    [rule] = RESOURCES["SecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (5432, 5432, "tcp")
    assert rule["CidrIp"] == {"Ref": "ClientCidr"}
    kinds = {r["Type"] for r in RESOURCES.values()}
    assert "AWS::EC2::NatGateway" not in kinds and "AWS::EC2::VPCEndpoint" not in kinds


def test_the_data_survives_a_deleted_stack_and_a_replaced_instance():
    database = RESOURCES["Database"]
    assert database["DeletionPolicy"] == "Snapshot" and database["UpdateReplacePolicy"] == "Snapshot"
    assert INSTANCE["DeletionProtection"] is True
    assert INSTANCE["BackupRetentionPeriod"] == {"Ref": "BackupRetentionDays"}


def test_the_role_may_connect_as_the_app_user_on_this_instance_only():
    policy = RESOURCES["ConnectAsTheApp"]["Properties"]
    assert policy["Roles"] == [{"Fn::ImportValue": {"Fn::Sub": "${DataStackName}-FunctionRoleName"}}]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "rds-db:connect"
    assert statement["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${Database.DbiResourceId}/${AppUser}"
    }


def test_the_outputs_name_what_the_function_and_the_deployer_need():
    assert {"DatabaseHost", "DatabasePort", "DatabaseName", "DatabaseUser", "MasterSecretArn", "MasterUsername",
            "DatabaseInstanceId"} <= set(TEMPLATE["Outputs"])  # fmt: skip
