"""The rehearsal: every flow the function serves, as AWS delivers it, to the packaged zip
running under its own least-privilege role with IAM enforced, inside Lambda's limits, against
resources made by infra/'s templates (conftest.py, account.py, lambda_service.py).

The tests run in order, as one deployment's life: `make deploy` (twice: the second run changes
nothing) and the wiring it made, `zappa manage migrate`, the first editor,
readers, subscribers, photos, schedules, failures and their replay. Any AccessDenied met by
the function (even one the app caught), any payload over Lambda's limits and any unexpected
error fails the test it happens in; the last tests look back over the whole run."""

import email
import email.policy
import io
import json
import random
import re
import zipfile

import pytest
from PIL import Image

from tests.rehearsal.browser import Browser
from tests.rehearsal.lambda_service import PayloadTooLarge, s3_put_event

pytestmark = pytest.mark.slow
EDITOR = ("ada", "rehearsal-Editor-pass-9!")


def clean(invocation):
    """The invocation succeeded, met no refusal and logged no error."""
    assert invocation.ok, invocation.error + "\n" + invocation.log[-3000:]
    assert not invocation.denied, invocation.denied
    assert "Traceback" not in invocation.log, invocation.log[-3000:]
    return invocation.result


def jpeg(size=(1200, 800), quality=90):
    buffer = io.BytesIO()
    Image.effect_mandelbrot(size, (-2.0, -1.2, 1.0, 1.2), 60).convert("RGB").save(
        buffer, "JPEG", quality=quality
    )
    return buffer.getvalue()


def scheduled(function, task):
    return {
        "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-11-30T06:00:00Z", "region": "eu-west-1",
        "resources": [f"arn:aws:events:eu-west-1:123456789012:rule/{function}-{task}"], "detail": {},
    }  # fmt: skip


def editor(rehearsal):
    browser = Browser(rehearsal.function, viewer="198.51.100.50")
    browser.log_in(*EDITOR)
    return browser


def media_keys(rehearsal, prefix):
    s3 = rehearsal.account.client("s3")
    bucket = rehearsal.account.outputs["data"]["MediaBucketName"]
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


# --- the deploy -------------------------------------------------------------------------------


def test_make_deploy_made_everything_and_a_second_run_changed_nothing(rehearsal):
    """From nothing: secrets, sender identity, the data, database and edge stacks, the
    function by Zappa, the static files. Then the same command again: nothing to change."""
    first, second = rehearsal.deploys
    for made in ("secrets in SSM: created", "stack blog-data-rehearsal: created",
                 "stack blog-database-rehearsal: created", "function blog-rehearsal (Zappa): created",
                 "stack blog-edge-rehearsal: created", "static files: updated"):  # fmt: skip
        assert made in first, first
    assert "No change: everything was already as described." in second, second
    assert ": created" not in second and ": updated" not in second, second
    assert "The site: https://" in second


def test_the_function_is_wired_to_what_the_stacks_made(rehearsal):
    """Every resource-naming variable the function got is its stack's output (none typed); it
    runs under the data stack's role with our entry point; Zappa scheduled every task, on the
    function, and put the S3 trigger on the media bucket for uploads only."""
    from deploy.stack_outputs import OUTPUT_FOR_VARIABLE

    configuration, outputs = rehearsal.configuration, rehearsal.account.outputs
    variables = configuration["Environment"]["Variables"]
    for name, (stack, key) in OUTPUT_FOR_VARIABLE.items():
        assert variables[name] == str(outputs[stack][key]), name
    assert variables["SSM_PREFIX"] == "/blog/rehearsal/"
    assert configuration["Role"] == outputs["data"]["FunctionRoleArn"]
    assert configuration["Handler"] == "dispatch.entry.handler"
    assert configuration["Runtime"] == "python3.12"
    events = rehearsal.account.client("events")
    schedules = {}
    for rule in events.list_rules()["Rules"]:
        [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        if target["Arn"] == configuration["FunctionArn"]:
            schedules[rule["Name"]] = rule["ScheduleExpression"]
    assert {name.split("-", 2)[2]: expression for name, expression in schedules.items()} == {
        "blog.tasks.publish_due_posts": "rate(1 minute)",
        "blog.tasks.refresh_photo_renditions": "rate(1 minute)",
        "blog.tasks.delete_orphan_uploads": "rate(1 hour)",
    }
    trigger = rehearsal.function.s3_trigger
    assert trigger["LambdaFunctionArn"] == configuration["FunctionArn"]
    assert [(r["Name"].lower(), r["Value"]) for r in trigger["Filter"]["Key"]["FilterRules"]] == [
        ("prefix", "uploads/")
    ]


# --- the package ------------------------------------------------------------------------------


def test_the_package_is_small_and_ships_trusted_bytecode(rehearsal):
    """Under 25 MB zipped, no dev tools, no boto3 (Lambda has it), and bytecode Lambda uses
    without recompiling (unchecked-hash .pyc)."""
    assert rehearsal.zip_path.stat().st_size < 25_000_000
    for absent in ("pytest", "moto", "schemathesis", "ruff", "boto3", "botocore", "var", "tests", "bench"):
        assert not (rehearsal.tree / absent).exists(), absent
    pyc = next((rehearsal.tree / "django" / "__pycache__").glob("__init__.cpython-312.pyc"))
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01
    with zipfile.ZipFile(rehearsal.zip_path) as archive:
        assert "zappa_settings.py" in archive.namelist()


# --- ops: zappa manage and the first editor ---------------------------------------------------


def test_zappa_manage_migrate(rehearsal):
    """`zappa manage rehearsal migrate`: Zappa's handler runs the command, with the secret key and
    database URL read from SSM under the role."""
    invocation = rehearsal.function.invoke({"manage": "migrate --noinput"})
    assert clean(invocation) == {}
    assert invocation.modules["django"].startswith(str(rehearsal.tree))
    assert invocation.modules["dispatch.entry"].startswith(str(rehearsal.tree))
    assert not invocation.modules["boto3"].startswith(str(rehearsal.tree)), "boto3 is Lambda's own"


def test_the_first_editor_as_the_ops_guide_makes_them(rehearsal):
    username, password = EDITOR
    command = (
        "from django.contrib.auth.models import User, Group; "
        f"u = User.objects.create_user({username!r}, 'ada@example.com', {password!r}, is_staff=True); "
        "u.groups.add(Group.objects.get(name='Editors'))"
    )
    clean(rehearsal.function.invoke({"raw_command": command}))


# --- readers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/feeds/rss.xml", "/sitemap.xml", "/robots.txt", "/api/v1/posts/"])
def test_readers_get_cacheable_pages_through_cloudfront(rehearsal, path):
    response = Browser(rehearsal.function).get(path)
    clean(response.invocation)
    assert response.status == 200, response.text[:500]
    assert "s-maxage" in response.headers["cache-control"]
    assert "set-cookie" not in response.multi
    assert "/rehearsal/" not in response.text, "links never carry API Gateway's stage"


@pytest.mark.parametrize("path", ["/", "/api/v1/posts/", "/admin/login/"])
def test_a_request_straight_to_api_gateway_is_refused(rehearsal, path):
    """API Gateway's URL is public: without CloudFront's secret header the origin says 403."""
    response = Browser(rehearsal.function, through_cloudfront=False).get(path)
    assert response.status == 403
    assert response.headers["cache-control"] == "private, no-store"


def test_a_spoofed_forwarded_for_changes_no_rate_limit_decision(rehearsal):
    """Eleven subscribe posts from one viewer, each writing another address in X-Forwarded-For
    (which CloudFront passes on, then appends the viewer). The limit is 5 a minute in fixed
    windows, and the posts take seconds, so they meet at most two windows: were the written
    address trusted, all eleven would pass; as it is not, some are refused."""
    statuses = []
    for n in range(11):
        reader = Browser(rehearsal.function, viewer="203.0.113.66")
        response = reader.post(
            "/subscribe/",
            {"email": f"spoofer{n}@example.org", "website": ""},
            headers={"X-Forwarded-For": f"10.0.{n}.1"},
        )
        statuses.append(response.status)
    assert set(statuses) == {303, 429}
    assert statuses[:5] == [303] * 5 or statuses.count(303) <= 10


# --- editors ------------------------------------------------------------------------------------


def test_an_editor_publishes_from_the_admin_and_cloudfront_is_invalidated(rehearsal):
    """Log in through CloudFront, write a draft, publish it with the bulk action: readers see
    it, and one invalidation (sent as the role, on this stage's distribution) covers its pages."""
    browser = editor(rehearsal)
    token = browser.form_token("/admin/blog/post/add/")
    saved = browser.post("/admin/blog/post/add/", {
        "csrfmiddlewaretoken": token, "title": "Harbour at dawn", "slug": "harbour-at-dawn",
        "author": "1", "summary": "Boats before the sun.", "body": "The *quiet* hour.",
        "publish_at_0": "", "publish_at_1": "", "_save": "Save",
    })  # fmt: skip
    assert saved.status == 302, saved.text[:2000]
    clean(saved.invocation)
    assert Browser(rehearsal.function).get("/posts/harbour-at-dawn/").status == 404, "a draft is invisible"

    token = browser.form_token("/admin/blog/post/")
    published = browser.post("/admin/blog/post/", {
        "csrfmiddlewaretoken": token, "action": "publish_now", "select_across": "0", "index": "0",
        "_selected_action": "1",
    })  # fmt: skip
    assert published.status == 302
    clean(published.invocation)

    page = Browser(rehearsal.function).get("/posts/harbour-at-dawn/")
    assert page.status == 200 and "Harbour at dawn" in page.text
    distribution = rehearsal.account.outputs["edge"]["DistributionId"]
    [paths] = rehearsal.account.server.invalidations(distribution)
    assert {"/posts/harbour-at-dawn/", "/", "/feeds/*", "/sitemap.xml"} <= set(paths), sorted(paths)


# --- subscribers --------------------------------------------------------------------------------


def welcome_emails(rehearsal, address):
    found = []
    for sent in rehearsal.account.server.sent_emails():
        if address in sent["destinations"]:
            found.append(email.message_from_string(sent["raw"], policy=email.policy.default))
    return found


def links(rehearsal, message):
    """The confirm and unsubscribe paths, on the site's address (the CloudFront domain)."""
    site = rehearsal.account.outputs["edge"]["PublicBaseUrl"]
    text = message.get_body(("plain",)).get_content()
    confirm = re.search(re.escape(site) + r"(/confirm/\S+/)", text).group(1)
    unsubscribe = str(message["List-Unsubscribe"]).strip()[1:-1]
    assert unsubscribe.startswith(site)
    return confirm, unsubscribe.removeprefix(site)


def test_subscribe_confirm_unsubscribe_and_subscribe_again(rehearsal):
    """A reader subscribes; the table's stream (read by the trigger as the role) sends the
    welcome through SES; they confirm, leave with one click, and later come back: the old
    entry is deleted and a new one written (DeleteItem, PutItem), so a new confirmation goes."""
    reader = Browser(rehearsal.function, viewer="198.51.100.80")
    address = "returning.reader@example.org"
    response = reader.post("/subscribe/", {"email": address, "website": ""})
    assert response.status == 303
    clean(response.invocation)
    [welcome] = welcome_emails(rehearsal, address)
    confirm, unsubscribe = links(rehearsal, welcome)
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert reader.get(confirm).status == 200
    assert reader.post(confirm, {}).status == 200
    table = rehearsal.account.client("dynamodb")
    name = rehearsal.account.outputs["data"]["SubscribersTableName"]

    def status():
        return table.get_item(TableName=name, Key={"email": {"S": address}})["Item"]["status"]["S"]

    assert status() == "confirmed"
    one_click = Browser(rehearsal.function, viewer="192.0.2.200").request(
        "POST", unsubscribe, body=b"List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded", headers={"Origin": "null", "Sec-Fetch-Site": "none"},
    )  # fmt: skip
    assert one_click.status == 200
    assert status() == "unsubscribed"

    again = Browser(rehearsal.function, viewer="198.51.100.81").post(
        "/subscribe/", {"email": address, "website": ""}
    )
    assert again.status == 303
    clean(again.invocation)
    assert status() == "pending"
    _, second = welcome_emails(rehearsal, address)
    assert links(rehearsal, second)[0] != confirm, "a new confirmation, for the new entry"


def test_a_bounce_from_ses_over_sns_suppresses_the_address(rehearsal):
    topic = rehearsal.account.outputs["data"]["SesNotificationsTopicArn"]
    notification = {
        "notificationType": "Bounce",
        "mail": {"timestamp": "2026-11-30T06:00:00.000Z", "source": "hello@rehearsal.blog.example.com",
                 "messageId": "0100018c-bounce", "destination": ["gone@example.org"]},
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": "2026-11-30T06:00:01.000Z",
                   "feedbackId": "0100018c-feedback", "bouncedRecipients": [{"emailAddress": "gone@example.org"}]},
    }  # fmt: skip
    event = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                          "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                          "Sns": {"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                                  "TopicArn": topic, "Subject": None, "Message": json.dumps(notification),
                                  "Timestamp": "2026-11-30T06:00:02.000Z", "SignatureVersion": "1",
                                  "Signature": "EXAMPLE", "SigningCertUrl": "https://sns.eu-west-1.amazonaws.com/x.pem",
                                  "UnsubscribeUrl": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
                                  "MessageAttributes": {}}}]}  # fmt: skip
    [attempt] = rehearsal.function.invoke_async(event)
    clean(attempt)
    table = rehearsal.account.client("dynamodb")
    name = rehearsal.account.outputs["data"]["SubscribersTableName"]
    item = table.get_item(TableName=name, Key={"email": {"S": "gone@example.org"}})["Item"]
    assert item["status"]["S"] == "suppressed"


# --- the newsletter ---------------------------------------------------------------------------


def newsletter_emails(rehearsal, title):
    found = []
    for sent in rehearsal.account.server.sent_emails():
        message = email.message_from_string(sent["raw"], policy=email.policy.default)
        if message["Subject"] == title:
            found.append((sent["destinations"], message))
    return found


def test_a_post_published_from_the_admin_is_emailed_once_to_each_confirmed_subscriber(rehearsal):
    """A reader subscribes and confirms. The editor publishes a post from its admin page: the
    first page of its newsletter goes on the queue inside the publishing (as the role); the
    queue's trigger (polling as the role) hands it to the function, which reads the
    subscribers and queues one message per confirmed one; each is claimed in the claims table
    and sent through SES, all under the role. The reader who came back but has not confirmed
    (still pending) gets nothing. A copy of a send message delivered again sends nothing."""
    reader = Browser(rehearsal.function, viewer="198.51.100.90")
    address = "newsletter.reader@example.org"
    clean(reader.post("/subscribe/", {"email": address, "website": ""}).invocation)
    [welcome] = welcome_emails(rehearsal, address)
    confirm, _ = links(rehearsal, welcome)
    assert reader.post(confirm, {}).status == 200

    browser = editor(rehearsal)
    token = browser.form_token("/admin/blog/post/add/")
    published = browser.post("/admin/blog/post/add/", {
        "csrfmiddlewaretoken": token, "title": "Lighthouse at dusk", "slug": "lighthouse-at-dusk", "author": "1",
        "summary": "The lamp, the rocks, the last boat in.", "body": "A *long* exposure.",
        "email_subscribers": "on", "_publish": "1",
    })  # fmt: skip
    assert published.status == 302, published.text[:2000]
    clean(published.invocation)
    batches = [i for i in rehearsal.function.invocations if i.kind == "sqs"]
    assert batches, "the queue's trigger delivered nothing"
    for invocation in batches:
        assert clean(invocation) == {"batchItemFailures": []}

    sent = newsletter_emails(rehearsal, "Lighthouse at dusk")
    assert [set(to) for to, _ in sent] == [{address}], "one email, to the one confirmed reader"
    _, message = sent[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    site = rehearsal.account.outputs["edge"]["PublicBaseUrl"]
    assert f"{site}/posts/lighthouse-at-dusk/" in message.get_body(("plain",)).get_content()
    claims = rehearsal.account.client("dynamodb")
    table = rehearsal.account.outputs["data"]["NewsletterClaimsTableName"]
    items = claims.scan(TableName=table)["Items"]
    assert sorted(item["status"]["S"] for item in items) == ["done", "sent"]

    # SQS delivers a message twice now and then: the copy finds its pair claimed.
    send = next(json.loads(r["body"]) for i in batches for r in i.event["Records"] if "send" in r["body"])
    sqs = rehearsal.account.client("sqs")
    sqs.send_message(
        QueueUrl=rehearsal.account.outputs["data"]["NewsletterQueueUrl"], MessageBody=json.dumps(send)
    )
    start = len(rehearsal.function.invocations)
    rehearsal.function.settle()
    [again] = rehearsal.function.invocations[start:]
    assert clean(again) == {"batchItemFailures": []}
    assert len(newsletter_emails(rehearsal, "Lighthouse at dusk")) == 1


# --- photos -----------------------------------------------------------------------------------


def upload_photo(rehearsal, browser, filename, data, alt):
    """The admin's direct upload: a grant from the function, the file straight to S3 as the
    browser posts it, then the photo saved with the key. Returns (grant, the save's response)."""

    def storage(url, fields, body):
        posted = rehearsal.account.server.browser_post(url, fields, body, "image/jpeg")
        assert posted.status_code == 204, posted.text[:500]
        rehearsal.function.settle()  # S3's notification of the new object

    grant, saved = browser.upload_photo(filename, "image/jpeg", data, alt, storage)
    assert saved.status == 302, saved.text[:2000]
    return grant, saved


def photo_status(rehearsal, browser, alt):
    """What the admin's photo list says of the photo (it reads the manifests too)."""
    listing = browser.get("/admin/blog/photo/?q=" + alt.replace(" ", "+")).text
    return re.search(r'class="renditions renditions-(\w+)">([^<]*)<', listing).groups()


def test_an_uploaded_photo_gets_its_renditions_from_the_s3_event(rehearsal):
    """The editor uploads in the admin: the browser posts the file to S3 with the grant the
    function signed; S3's notification for `uploads/` runs the handler, which writes renditions
    elsewhere: they trigger nothing. The schedule then reads the manifest into the photo."""
    browser = editor(rehearsal)
    grant, saved = upload_photo(rehearsal, browser, "dawn.jpg", jpeg((1400, 900)), "Boats at dawn")
    clean(saved.invocation)
    [upload] = media_keys(rehearsal, "uploads/")
    assert upload == grant["key"]
    s3_runs = [
        i for i in rehearsal.function.invocations
        if i.kind == "async" and i.event.get("Records", [{}])[0].get("eventSource") == "aws:s3"
    ]  # fmt: skip
    assert [r["s3"]["object"]["key"] for i in s3_runs for r in i.event["Records"]] == [upload]
    clean(s3_runs[-1])
    folder = upload.replace("uploads/", "renditions/").rsplit(".", 1)[0]
    assert f"{folder}/1280.webp" in media_keys(rehearsal, "renditions/")

    clean(
        rehearsal.function.invoke_async(
            scheduled(rehearsal.account.function_name, "blog.tasks.refresh_photo_renditions")
        )[-1]
    )
    assert photo_status(rehearsal, browser, "Boats at dawn") == ("ready", "Ready (320, 640, 960, 1280 px)")


def test_the_s3_path_never_starts_django_in_a_cold_container(rehearsal):
    [upload] = media_keys(rehearsal, "uploads/")
    cold = rehearsal.make_container("cold-s3")

    [invocation] = cold.invoke_async(s3_put_event(cold.bucket, upload, 99))
    assert clean(invocation)["done"][0]["status"] == "done"
    assert invocation.modules["django"] is None
    assert invocation.init_ms is not None


def test_a_rendition_key_event_does_nothing(rehearsal):
    """Were the trigger ever widened to renditions, the handler would still not loop."""

    rendition = media_keys(rehearsal, "renditions/")[0]
    before = media_keys(rehearsal, "")
    [invocation] = rehearsal.function.invoke_async(s3_put_event(rehearsal.function.bucket, rendition, 100))
    assert clean(invocation)["done"] == [] and clean(invocation)["skipped"]
    assert media_keys(rehearsal, "") == before


@pytest.mark.parametrize("task", ["blog.tasks.publish_due_posts", "blog.tasks.refresh_photo_renditions"])
def test_every_schedule_runs_through_zappas_handler(rehearsal, task):
    [invocation] = rehearsal.function.invoke_async(scheduled(rehearsal.account.function_name, task))
    assert isinstance(clean(invocation), dict)


def test_an_s3_event_failed_for_good_lands_in_the_queue_and_is_replayed_into_renditions(rehearsal):
    """S3 is down for one photo: the handler fails, Lambda retries twice, then sends the event
    to the failed-records queue as the role. Once S3 is back, `zappa manage rehearsal replay_failed`
    makes the renditions, the schedule marks the photo ready, and the queue is empty."""
    server, function = rehearsal.account.server, rehearsal.function
    browser = editor(rehearsal)
    server.fail_reads_of(function.bucket, "stormy-night")
    try:
        start = len(function.invocations)
        upload_photo(rehearsal, browser, "stormy-night.jpg", jpeg((900, 600)), "Storm over the bay")
        failed = [i for i in function.invocations[start:] if i.kind == "async"]
        assert [i.ok for i in failed] == [False, False, False], "the first try and two retries"
        assert "TransientFailure" in failed[-1].error
        rehearsal.expected_failures.extend(failed)
    finally:
        server.heal()
    sqs = rehearsal.account.client("sqs")
    queue = rehearsal.account.outputs["data"]["FailedRecordsQueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"

    replay = function.invoke({"manage": "replay_failed"})
    clean(replay)
    assert "1 message(s) replayed and deleted, 0 kept in the queue." in replay.log
    assert any(
        "stormy-night" in key and key.endswith("/640.webp") for key in media_keys(rehearsal, "renditions/")
    )
    clean(
        function.invoke_async(
            scheduled(rehearsal.account.function_name, "blog.tasks.refresh_photo_renditions")
        )[-1]
    )
    assert photo_status(rehearsal, browser, "Storm over the bay")[0] == "ready"
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (
        attributes["ApproximateNumberOfMessages"]
        == attributes["ApproximateNumberOfMessagesNotVisible"]
        == "0"
    )


def test_a_deleted_photo_takes_its_files_and_is_invalidated(rehearsal):
    browser = editor(rehearsal)
    listing = browser.get("/admin/blog/photo/?q=Storm").text
    photo_id = re.search(r'href="/admin/blog/photo/(\d+)/change/', listing).group(1)
    stormy = [k for k in media_keys(rehearsal, "") if "stormy-night" in k]
    assert len(stormy) > 5

    token = browser.form_token(f"/admin/blog/photo/{photo_id}/delete/")
    deleted = browser.post(
        f"/admin/blog/photo/{photo_id}/delete/", {"csrfmiddlewaretoken": token, "post": "yes"}
    )
    assert deleted.status == 302
    clean(deleted.invocation)
    assert not [k for k in media_keys(rehearsal, "") if "stormy-night" in k]
    paths = rehearsal.account.server.invalidations(rehearsal.account.outputs["edge"]["DistributionId"])[-1]
    assert len(paths) == 1 and paths[0].startswith("/renditions/") and "stormy-night" in paths[0]


# --- limits and boundaries --------------------------------------------------------------------


def test_a_48_megapixel_25_mb_photo_goes_straight_to_s3_and_comes_out_ready(rehearsal):
    """The photos the platform is for: the browser posts 25 MB to S3 under the grant (signed by
    the function's role, so its s3:PutObject on uploads/ is what S3 checks), no request to the
    function comes near 6 MB, and every width is made."""
    image = Image.effect_mandelbrot((8000, 6000), (-2.0, -1.2, 1.0, 1.2), 80).convert("RGB")
    image = Image.blend(image, Image.effect_noise((8000, 6000), 90).convert("RGB"), 0.35)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=96)
    assert 20 * 2**20 < buffer.tell() < 50 * 2**20
    browser = editor(rehearsal)
    start = len(rehearsal.function.invocations)

    grant, saved = upload_photo(
        rehearsal, browser, "harbour-48mp.jpg", buffer.getvalue(), "The harbour, wide"
    )

    clean(saved.invocation)
    requests = [i for i in rehearsal.function.invocations[start:] if i.kind == "sync"]
    assert max(len(json.dumps(i.event)) for i in requests) < 100_000
    rendered = [i for i in rehearsal.function.invocations[start:] if i.kind == "async"]
    assert clean(rendered[-1])["done"][0]["key"] == grant["key"]
    clean(
        rehearsal.function.invoke_async(
            scheduled(rehearsal.account.function_name, "blog.tasks.refresh_photo_renditions")
        )[-1]
    )
    assert photo_status(rehearsal, browser, "The harbour, wide") == (
        "ready",
        "Ready (320, 640, 960, 1280, 1920 px)",
    )


def test_a_photo_of_a_few_megabytes_cannot_pass_through_the_function(rehearsal):
    """Why the upload goes straight to S3: API Gateway hands a body to Lambda base64-encoded,
    and Lambda takes 6 MB, so a 5 MB photo posted through the function never arrives."""
    noise = Image.frombytes("RGB", (1900, 1900), random.Random(7).randbytes(1900 * 1900 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=97)
    assert buffer.tell() > 4_800_000
    browser = editor(rehearsal)
    with pytest.raises(PayloadTooLarge, match="request payload"):
        browser.post_multipart(
            "/admin/blog/photo/add/",
            {"alt_text": "Too big"},
            {"image": ("huge.jpg", "image/jpeg", buffer.getvalue())},
        )


def test_records_nobody_owns_fail_loudly(rehearsal):
    invocation = rehearsal.function.invoke({"Records": [{"eventSource": "aws:kinesis"}]})
    assert not invocation.ok and invocation.error.startswith("UnknownEvent")
    rehearsal.expected_failures.append(invocation)


def test_the_role_reaches_nothing_of_another_stage(rehearsal):
    """The rehearsal function cannot read or delete prod's media, subscribers or secrets."""
    deployer, function = rehearsal.account.client, rehearsal.account.function
    prod_bucket = "blog-prod-media-123456789012-eu-west-1"
    deployer("s3").create_bucket(
        Bucket=prod_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    deployer("s3").put_object(Bucket=prod_bucket, Key="uploads/2026/11/prod.jpg", Body=b"x")
    deployer("dynamodb").create_table(
        TableName="blog-prod-subscribers", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
    )  # fmt: skip
    deployer("ssm").put_parameter(Name="/blog/prod/secret-key", Value="prod-secret", Type="SecureString")
    attempts = {
        "delete prod media": lambda: deployer("s3", function).delete_object(Bucket=prod_bucket, Key="uploads/2026/11/prod.jpg"),
        "read prod media": lambda: deployer("s3", function).get_object(Bucket=prod_bucket, Key="uploads/2026/11/prod.jpg"),
        "read prod subscribers": lambda: deployer("dynamodb", function).scan(TableName="blog-prod-subscribers"),
        "read prod secrets": lambda: deployer("ssm", function).get_parameters_by_path(Path="/blog/prod/"),
        "write its own static files": lambda: deployer("s3", function).put_object(
            Bucket=rehearsal.account.outputs["data"]["StaticBucketName"], Key="static/x.css", Body=b"x"),
    }  # fmt: skip
    refused = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            refused[name] = False
        except Exception as error:
            refused[name] = "AccessDenied" in str(error) or "403" in str(error)
    assert refused == dict.fromkeys(attempts, True)


# --- the whole run ------------------------------------------------------------------------------


def test_nothing_was_refused_and_nothing_failed_unexpectedly(rehearsal):
    """Over every invocation of the run: no AccessDenied, and no error but the rehearsed ones."""
    invocations = [i for c in rehearsal.containers for i in c.invocations]
    assert len(invocations) > 40
    assert [i.denied for i in invocations if i.denied] == []
    unexpected = [i for i in invocations if not i.ok and i not in rehearsal.expected_failures]
    assert [(i.kind, i.error) for i in unexpected] == []


def test_every_action_used_is_one_the_static_check_knows(rehearsal):
    """The rehearsal's real calls and tests/rehearsal/policy.py's reading of the code agree:
    nothing the function did in the run is missing from what the policy check covers."""
    from tests.rehearsal.policy import needed_actions

    used = set().union(*(i.allowed for c in rehearsal.containers for i in c.invocations))
    assert {"dynamodb:DeleteItem", "ses:SendEmail", "cloudfront:CreateInvalidation", "s3:PutObject"} <= used
    assert {"sqs:SendMessage", "dynamodb:UpdateItem", "dynamodb:Scan"} <= used, "the newsletter's"
    assert sorted(used - set(needed_actions())) == []


def test_nothing_was_written_into_the_package(rehearsal):
    """Lambda's /var/task is read-only: the function wrote nothing there."""
    assert {p.relative_to(rehearsal.tree) for p in rehearsal.tree.rglob("*")} == rehearsal.files_before


# --- teardown -----------------------------------------------------------------------------------


def test_make_destroy_takes_the_stage_down_and_keeps_its_data(rehearsal, tmp_path):
    """As the deployer: the edge stack, the function, its API and schedules go; the data and
    database stacks, every photo, subscriber and secret stay, for `make deploy` to come back to."""
    from tests.rehearsal.account import make_deploy

    account = rehearsal.account
    photos = media_keys(rehearsal, "")
    output = make_deploy(account, tmp_path, "destroy")
    assert "stack blog-edge-rehearsal: deleted" in output and "function blog-rehearsal: deleted" in output
    stacks = {s["StackName"] for s in account.client("cloudformation").describe_stacks()["Stacks"]}
    assert stacks == {"blog-data-rehearsal", "blog-database-rehearsal"}
    assert account.client("lambda").list_functions()["Functions"] == []
    assert [
        r for r in account.client("events").list_rules()["Rules"] if r["Name"].startswith("blog-rehearsal")
    ] == []
    assert media_keys(rehearsal, "") == photos and photos
    table = account.outputs["data"]["SubscribersTableName"]
    assert account.client("dynamodb").scan(TableName=table)["Count"] > 0
    assert account.client("ssm").get_parameter(Name="/blog/rehearsal/secret-key", WithDecryption=True)


def test_make_destroy_with_delete_data_leaves_nothing_of_the_stage(rehearsal, tmp_path):
    from tests.rehearsal.account import make_deploy

    account = rehearsal.account
    output = make_deploy(account, tmp_path, "destroy", "DELETE_DATA=yes")
    assert "data: deleted" in output
    assert account.client("cloudformation").describe_stacks()["Stacks"] == []
    buckets = [b["Name"] for b in account.client("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith("blog-rehearsal-")]
    assert "blog-rehearsal-subscribers" not in account.client("dynamodb").list_tables()["TableNames"]
    assert account.client("ssm").get_parameters_by_path(Path="/blog/rehearsal/")["Parameters"] == []
    assert account.client("rds").describe_db_instances()["DBInstances"] == []
