"""`make deploy STAGE=<name>`: everything a stage needs, from nothing or from what is there,
changing only what is not right yet.

In order: the secrets in SSM (generated once), the SES identity, the certificate (us-east-1,
when the stage has a domain), the web ACL (us-east-1, when asked), the data stack, the
database stack, zappa_settings.json from the stacks' outputs, the package, the function
(`zappa deploy`, or `zappa update` when the code or settings differ), the edge stack, the
alarms stack, the static files, the migrations; then the site's address and what is left for
a person to do. The edge stack's outputs (the site's address, the distribution) feed the data
stack (CORS) and the function's settings: on a first deploy the steps run a second time with
them, and a run that changes nothing ends after one pass, saying so.

With AWS_ENDPOINT_URL set (the rehearsal's moto server) the same steps run against it; the
two that need the real data plane are skipped with the reason: making the database's login
role (moto's RDS has no PostgreSQL behind it) and running migrations in the function (moto
runs Lambda code only in Docker). The rehearsal runs the migrations through its own Lambda."""

import json
import os
import time
from dataclasses import dataclass, field

import boto3

from deploy import account, function, stacks
from deploy import settings as stage_settings

ORDER = ("created", "updated", "started", "unchanged")


@dataclass
class Report:
    say: object = print
    steps: dict = field(default_factory=dict)  # what -> (action, detail)
    todo: list = field(default_factory=list)

    def step(self, what, action, detail=""):
        self.say(f"{what}: {action}{f' ({detail})' if detail else ''}")
        before = self.steps.get(what)
        if before and before[0] in ORDER and action in ORDER and ORDER.index(before[0]) < ORDER.index(action):
            action = before[0]  # a second pass does not hide what the first one did
        self.steps[what] = (action, detail or (before[1] if before else ""))

    @property
    def changed(self):
        return any(action in ("created", "updated", "started") for action, _ in self.steps.values())


def stand_in():
    return os.environ.get("AWS_ENDPOINT_URL", "")


def deploy(name, say=print):
    own = stage_settings.stage(name)
    report = Report(say)
    caller = boto3.client("sts", region_name=own["region"]).get_caller_identity()
    say(f"Stage {name} of {own['project']}: account {caller['Account']}, {own['region']}, as {caller['Arn']}"
        + (f" (stand-in AWS at {stand_in()})" if stand_in() else ""))  # fmt: skip

    made = account.ensure_parameters(own)
    report.step("secrets in SSM", "created" if made else "unchanged", ", ".join(made))
    made, verified, records = account.ensure_sender(own)
    report.step(f"SES identity {own['sender_domain']}", "created" if made else "unchanged",
                "verified" if verified else "not verified yet")  # fmt: skip
    if not verified:
        report.todo.append(
            f"Verify {own['sender_domain']} for SES (welcome emails wait until then): add its DKIM records\n      "
            + "\n      ".join(
                records
                or [
                    f"(aws sesv2 get-email-identity --region {own['region']} --email-identity {own['sender_domain']})"
                ]
            )
        )
    certificate_arn = _certificate(own, report)
    web_acl = _web_acl(own, report)

    outputs = stacks.stage_outputs(own)
    package = {}
    function_action = None
    for attempt in range(3):
        before = json.dumps(outputs, sort_keys=True)
        outputs["data"] = _stack(own, report, "data", {
            "ProjectName": own["project"], "Stage": name, "SenderDomain": own["sender_domain"],
            "SiteOrigins": _site_origins(own, outputs), **_optional(own, replica_regions="ReplicaRegions"),
        })  # fmt: skip
        # The database's parameters do not depend on what a pass learns: once is enough.
        if attempt == 0 and own.get("database", "rds") == "rds":
            outputs["database"] = _stack(own, report, "database", {
                "ProjectName": own["project"], "Stage": name, "DataStackName": stacks.stack_name(own, "data"),
                **_optional(own, database_instance_class="InstanceClass", database_storage_gb="StorageGB",
                            database_multi_az="MultiAZ"),
            })  # fmt: skip
        settings = stage_settings.zappa_settings(name, outputs)
        stage_settings.write(name, settings)
        zip_path = _package(own, settings, package, report)
        action = function.deploy(own, zip_path, stage_settings.fingerprint(settings), say)
        function_action = function_action or (action if action == "created" else None)
        report.step(f"function {stage_settings.function_name(own)} (Zappa)", action)
        edge = {
            "DataStackName": stacks.stack_name(own, "data"),
            "FunctionName": stage_settings.function_name(own),
            "ApiDomainName": function.api_domain(own),
            "ApiStagePath": f"/{name}",
            "OriginVerifySecret": account.prefix(own) + "origin-verify",
            **_optional(own, price_class="PriceClass"),
        }
        if certificate_arn:
            edge.update(
                Aliases=own["domain"],
                CertificateArn=certificate_arn,
                **_optional(own, hosted_zone_id="HostedZoneId"),
            )
        if web_acl:
            edge["WebAclArn"] = web_acl
        outputs["edge"] = _stack(own, report, "edge", edge)
        if json.dumps(outputs, sort_keys=True) == before:
            break

    if own.get("alarm_email"):
        _stack(own, report, "alarms", {
            "DataStackName": stacks.stack_name(own, "data"), "FunctionName": stage_settings.function_name(own),
            "AlarmEmail": own["alarm_email"],
        })  # fmt: skip
        if report.steps[f"stack {stacks.stack_name(own, 'alarms')}"][0] == "created":
            report.todo.append(f"Confirm the subscription SNS emailed to {own['alarm_email']} (alarms)")

    copied, unmodified = function.collect_static(own, outputs["data"]["StaticBucketName"])
    report.step(
        "static files", "updated" if copied else "unchanged", f"{copied} copied, {unmodified} unmodified"
    )
    _database_role(own, outputs, report)
    if stand_in():
        report.step(
            "migrations", "skipped", "the stand-in cannot run the function's code; the rehearsal migrates"
        )
    else:
        lines = [line for line in function.migrate(own).splitlines() if line.strip().startswith("Applying")]
        report.step("migrations", "updated" if lines else "unchanged", f"{len(lines)} applied")

    _left_to_do(own, outputs, report, certificate_arn, function_action == "created")
    return report, outputs


def _optional(own, **keys):
    """Template parameters for the description keys the stage sets (others keep their default)."""
    values = {}
    for key, parameter in keys.items():
        if key in own:
            value = own[key]
            values[parameter] = str(value).lower() if isinstance(value, bool) else str(value)
    return values


def _site_origins(own, outputs):
    """Where the admin's browser posts photos from (the media bucket's CORS): the site's address
    and CloudFront's own; a placeholder no browser has until the edge stack exists."""
    edge = outputs.get("edge", {})
    origins = [edge.get("PublicBaseUrl")]
    if edge.get("DistributionDomainName"):
        origins.append(f"https://{edge['DistributionDomainName']}")
    if own.get("domain"):
        origins.append(f"https://{own['domain']}")
    origins = [o for o in dict.fromkeys(origins) if o]
    return ",".join(origins) or f"https://{own['project']}-{own['name']}.invalid"


def _stack(own, report, kind, parameters, wait=True):
    name = stacks.stack_name(own, kind)
    action, outputs = stacks.deploy(
        stacks.cloudformation(stacks.region_of(own, kind)), name, kind, parameters,
        tags={"project": own["project"], "stage": own["name"]}, capabilities=["CAPABILITY_NAMED_IAM"],
        wait=wait, say=report.say,
    )  # fmt: skip
    report.step(f"stack {name}", action)
    return outputs


def _package(own, settings, built, report):
    """The Lambda zip, built once per run unless what goes into it changes (the variables do not)."""
    from deploy.package import ROOT, build

    key = stage_settings.fingerprint({k: v for k, v in settings.items() if k != "aws_environment_variables"})
    if built.get("key") != key:
        built["key"] = key
        built["zip"] = build(own["name"], ROOT / "build" / f"{own['project']}-{own['name']}.zip",
                             settings_file=stage_settings.SETTINGS_FILE)  # fmt: skip
        report.say(
            f"package: {built['zip'].stat().st_size / 2**20:.1f} MiB, sha256 {function.code_sha256(built['zip'])}"
        )
    return built["zip"]


def _certificate(own, report):
    """The certificate's ARN once ACM has issued it; None before (the site stays on CloudFront's
    domain and the validation records are printed) or without a domain."""
    if not own.get("domain"):
        return None
    if own.get("certificate_arn"):
        return own["certificate_arn"]
    kind = "certificate"
    name = stacks.stack_name(own, kind)
    cfn = stacks.cloudformation(stacks.GLOBAL_REGION)
    parameters = {"DomainName": own["domain"], **_optional(own, hosted_zone_id="HostedZoneId")}
    if stacks.still_creating(cfn, name):
        report.step(f"stack {name}", "unchanged", "waiting for DNS validation")
    else:
        _stack(own, report, kind, parameters, wait=bool(own.get("hosted_zone_id")))
    # ACM names the validation record within seconds of the request.
    status, records, arn = "PENDING_VALIDATION", [], None
    for _ in range(20):
        arn = stacks.physical_id(cfn, name, "Certificate")
        if arn:
            status, records = account.certificate(arn)
            if records or status != "PENDING_VALIDATION":
                break
        time.sleep(3)
    if status == "ISSUED":
        return arn
    report.todo.append(
        f"Validate the certificate for {own['domain']} ({status}): add\n      " + "\n      ".join(records)
        + f"\n    then run make deploy STAGE={own['name']} again: the site moves to https://{own['domain']}"
    )  # fmt: skip
    return None


def _web_acl(own, report):
    if not own.get("waf"):
        return None
    outputs = _stack(own, report, "waf", {"NamePrefix": f"{own['project']}-{own['name']}"})
    return outputs.get("WebAclArn")


def _database_role(own, outputs, report):
    if own.get("database", "rds") != "rds":
        report.step("database", "skipped", f"external: the SecureString {account.prefix(own)}database-url")
        return
    if stand_in():
        report.step("database login role", "skipped", "the stand-in's RDS has no PostgreSQL behind it")
        return
    from deploy.database import bootstrap

    changed = bootstrap(own, outputs["database"])
    report.step(
        "database login role", "created" if changed else "unchanged", outputs["database"]["DatabaseUser"]
    )


def _left_to_do(own, outputs, report, certificate_arn, first):
    edge = outputs.get("edge", {})
    if certificate_arn and own.get("domain") and not own.get("hosted_zone_id"):
        report.todo.append(
            f"Point {own['domain']} at CloudFront: CNAME {own['domain']} -> {edge.get('DistributionDomainName')} "
            "(at a zone apex: an ALIAS/ANAME record, or give the stage a hosted_zone_id)"
        )
    if account.sending_limited(own):
        report.todo.append(
            "SES is in its sandbox here (it sends only to verified addresses): ask for production access, "
            f"aws sesv2 put-account-details --region {own['region']} --production-access-enabled "
            f"--mail-type TRANSACTIONAL --website-url {edge.get('PublicBaseUrl', '<site>')} "
            "--use-case-description 'Double opt-in welcome emails for blog subscribers'"
        )
    if first:
        report.todo.append(
            f"Make the first editor: README, 'First editor' (zappa invoke {own['name']} --raw ...)"
        )


def summary(report, outputs, say=print):
    edge = outputs.get("edge", {})
    say("")
    if edge.get("PublicBaseUrl"):
        say(f"The site: {edge['PublicBaseUrl']}/  (the admin: {edge['PublicBaseUrl']}/admin/)")
    say("No change: everything was already as described." if not report.changed else "Done.")
    if report.todo:
        say("Left for a person to do:")
        for item in report.todo:
            say(f"  - {item}")
