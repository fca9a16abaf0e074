"""The rehearsal: every flow the function serves, as AWS delivers it, to the packaged zip
running under its own least-privilege role with IAM enforced, inside Lambda's limits, against
resources made by infra/'s templates (conftest.py, account.py, lambda_service.py).

The tests run in order, as one deployment's life: `zappa manage migrate`, the first editor,
readers, subscribers, photos, schedules, failures and their replay. Any AccessDenied met by
the function (even one the app caught), any payload over Lambda's limits and any unexpected
error fails the test it happens in; the last tests look back over the whole run."""

import email
import email.policy
import io
import json
import re
import zipfile

import pytest
from PIL import Image

from tests.rehearsal.browser import Browser

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


# --- the package ------------------------------------------------------------------------------


def test_the_package_is_small_and_ships_trusted_bytecode(rehearsal):
    """Under 25 MB zipped, no dev tools, no boto3 (Lambda has it), and bytecode Lambda uses
    without recompiling (unchecked-hash .pyc)."""
    assert rehearsal.zip_path.stat().st_size < 25 * 2**20
    for absent in ("pytest", "moto", "schemathesis", "ruff", "boto3", "botocore", "var", "tests", "bench"):
        assert not (rehearsal.tree / absent).exists(), absent
    pyc = next((rehearsal.tree / "django" / "__pycache__").glob("__init__.cpython-312.pyc"))
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01
    with zipfile.ZipFile(rehearsal.zip_path) as archive:
        assert "zappa_settings.py" in archive.namelist()


# --- ops: zappa manage and the first editor ---------------------------------------------------


def test_zappa_manage_migrate(rehearsal):
    """`zappa manage dev migrate`: Zappa's handler runs the command, with the secret key and
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
    assert "/dev/" not in response.text, "links never carry API Gateway's stage"


@pytest.mark.parametrize("path", ["/", "/api/v1/posts/", "/admin/login/"])
def test_a_request_straight_to_api_gateway_is_refused(rehearsal, path):
    """API Gateway's URL is public: without CloudFront's secret header the origin says 403."""
    response = Browser(rehearsal.function, through_cloudfront=False).get(path)
    assert response.status == 403
    assert response.headers["cache-control"] == "private, no-store"


def test_a_spoofed_forwarded_for_changes_no_rate_limit_decision(rehearsal):
    """Six subscribe posts from one viewer, each writing another address in X-Forwarded-For
    (which CloudFront passes on, then appends the viewer): the sixth is refused."""
    statuses = []
    for n in range(6):
        reader = Browser(rehearsal.function, viewer="203.0.113.66")
        response = reader.post(
            "/subscribe/",
            {"email": f"spoofer{n}@example.org", "website": ""},
            headers={"X-Forwarded-For": f"10.0.{n}.1"},
        )
        statuses.append(response.status)
    assert statuses == [303] * 5 + [429]


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


def links(message):
    text = message.get_body(("plain",)).get_content()
    confirm = re.search(r"https://dev\.blog\.example\.com(/confirm/\S+/)", text).group(1)
    unsubscribe = str(message["List-Unsubscribe"]).strip()[1:-1].removeprefix("https://dev.blog.example.com")
    return confirm, unsubscribe


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
    confirm, unsubscribe = links(welcome)
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
    assert links(second)[0] != confirm, "a new confirmation, for the new entry"


def test_a_bounce_from_ses_over_sns_suppresses_the_address(rehearsal):
    topic = rehearsal.account.outputs["data"]["SesNotificationsTopicArn"]
    notification = {
        "notificationType": "Bounce",
        "mail": {"timestamp": "2026-11-30T06:00:00.000Z", "source": "hello@dev.blog.example.com",
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
