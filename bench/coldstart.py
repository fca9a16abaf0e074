"""Cold start of the Lambda package: a fresh process imports the handler, then serves its
first event. Our package for an HTTP request and for an S3 upload, beside a bare Zappa +
Django "hello" package built the same way, plus the package sizes.

    .venv/bin/python bench/coldstart.py [--runs 7] [--photo 1000x700] [--importtime]

Packages: ours is `zappa package dev` from `.venv-lambda` (deploy/package.py), kept twice:
as Zappa zips it (every .pyc judged stale) and after `deploy.package.recompile`. The bare one
is a one-view Django project (no apps, no middleware, no database) with a venv holding only
the Django and Zappa pins of requirements.txt (cached in build/.bench-bare-venv), packaged by
`zappa package` with the same settings that matter and recompiled the same way.

Each run is a fresh `python -S -B` process whose sys.path is the unpacked package, the
standard library, then boto3 and its dependencies linked from the dev venv, as Lambda's
runtime provides them after the package (Zappa's handler imports boto3 on every path, so
both HTTP packages pay for it too). -B because Lambda's package directory is read-only: a
stale .pyc is compiled again on every cold start, never rewritten. The clock starts at the
probe's first line and stops when the handler returns its first answer; the interpreter's
own start-up is not counted. Both clocks are read: the process's CPU time (the targets'
clock: on a shared machine wall time is mostly the neighbours') and wall time. Variants are
interleaved within each round so a busy neighbour slows all alike; the table shows the median,
the best and the worst of `--runs`. Each blog probe also checks that the garbage collector is
back on and has frozen start-up's objects once the first event is handled (dispatch/entry.py).

HTTP: an API Gateway (v1 proxy) GET / against a SQLite database migrated and seeded
(`seed_demo`) beforehand, in processes of their own, through the packaged entry point's
`manage` events. The secrets come from SSM under SSM_PREFIX, as in production, from a moto
server (a separate process on 127.0.0.1, as AWS is outside the function): through the
Parameters and Secrets extension, played by a stand-in process of its own as AWS runs the
real one beside the function (bench/lambda_stage.py; every probe a new container, so its cache
starts empty), which is the headline; through boto3 (the fallback); and, for comparison with
earlier runs, in plain environment variables. No buckets: the page makes no other AWS call.
S3: an ObjectCreated event for a photo in a moto server (a separate process on 127.0.0.1,
reached with AWS_ENDPOINT_URL_S3, over plain HTTP), so the timed process pays for boto3 as on
Lambda and never imports moto. The photo is small by default (1000x700, 6 renditions): the
targets are about start-up, bench/thumbnails.py measures the image work. The same event is
then handled again in the same process: first minus second is the S3 path's start-up.
"""

import argparse
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lambda_stage import (  # noqa: E402
    REGION,
    build_bare,
    build_ours,
    check_generated_settings,
    lambda_runtime,
    start_moto,
    start_secrets_extension,
    unpack,
)
from common.events import api_gateway_request, s3_object_created_event  # noqa: E402
from deploy.package import unzipped_size  # noqa: E402

ORIGIN_SECRET = "bench-origin-secret"

HOST = "abc123.execute-api.eu-west-1.amazonaws.com"
BUCKET = "blog-dev-media"
PHOTO_KEY = "uploads/bench/coldstart.jpg"
HTTP_TARGET, S3_TARGET, ZIP_TARGET = 1.2, 0.5, 25 * 10**6

# The timed child. Its first line starts the clock; it imports nothing else before that.
PROBE = """\
import time

T0, C0 = time.perf_counter(), time.process_time()
import json
import os
import sys

package, runtime, entry, event_path, marker = sys.argv[1:6]
sys.path[:] = [package, *[p for p in sys.path[1:] if "site-packages" not in p], runtime]
os.chdir(package)  # Lambda's working directory is the package root
with open(event_path) as file:
    event = json.load(file)
marks = {}
if entry == "zappa":
    from handler import lambda_handler as handler
else:
    from dispatch.entry import handler
marks["import"] = time.perf_counter(), time.process_time()
if entry == "entry-s3":
    import thumbnails.handler  # what the router imports for an S3 record

    marks["router"] = time.perf_counter(), time.process_time()
    import boto3  # what the first S3 call imports

    marks["boto3"] = time.perf_counter(), time.process_time()
result = handler(event, None)
marks["done"] = time.perf_counter(), time.process_time()
if entry == "entry-s3":
    handler(event, None)  # the same work again, warm: what of the first was start-up
    marks["again"] = time.perf_counter(), time.process_time()
if "statusCode" in result:
    summary = {"status": result["statusCode"], "marker": marker in result.get("body", "")}
elif "done" in result:
    summary = {"done": len(result["done"]), "django": "django" in sys.modules}
else:
    summary = result
import gc  # after the clock stops

wall = {k: (v[0] - T0) * 1000 for k, v in marks.items()}
cpu = {k: (v[1] - C0) * 1000 for k, v in marks.items()}
summary["gc"] = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count() > 0}
print(json.dumps({"ms": wall, "cpu": cpu, "result": summary}, default=str))
"""


def photo_jpeg(width, height):
    """A camera-like JPEG: colour fields, shapes, grain (flat colour would flatter the codec)."""
    from PIL import Image, ImageDraw

    rng = random.Random(7)
    field = Image.new("RGB", (8, 6))
    field.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(48)])
    image = field.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(width // 40, width // 8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, grain, 0.15)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def aws_env(endpoint):
    return {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_S3": endpoint,
    }


def upload_photo(endpoint, data):
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing")  # fmt: skip
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    put = s3.put_object(Bucket=BUCKET, Key=PHOTO_KEY, Body=data, ContentType="image/jpeg")
    return s3_object_created_event(BUCKET, PHOTO_KEY, len(data), put["ETag"].strip('"'), REGION)


class Probe:
    """Runs the probe script in fresh processes, each with its own environment."""

    def __init__(self, work):
        self.work = work
        self.script = work / "probe.py"
        self.script.write_text(PROBE)
        self.runtime = lambda_runtime(work)
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(work),
        }

    def run(self, tree, entry, event, env, marker="", flags=()):
        event_path = self.work / "event.json"
        event_path.write_text(json.dumps(event))
        arguments = [self.script, tree, self.runtime, entry, event_path, marker]
        command = [sys.executable, "-S", "-B", *flags, *arguments]
        done = subprocess.run(
            command, env={**self.base_env, **env}, cwd=self.work, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            sys.exit(f"probe failed ({entry} in {tree}):\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def check(name, outcome, **expected):
    for key, value in expected.items():
        if outcome["result"].get(key) != value:
            sys.exit(f"{name}: expected {key}={value!r}, got {outcome['result']!r}")


def imported(stderr):
    """{module: self µs} from a child's `-X importtime` lines."""
    modules = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            own, _, name = (part.strip() for part in line[len("import time:") :].split("|"))
            modules[name] = int(own)
    return modules


def print_importtime(blog, bare, top=12):
    """What blog's HTTP cold start imports that the bare package's does not, by package."""
    extra = {name: own for name, own in blog.items() if name not in bare}
    by_package = {}
    for name, own in extra.items():
        package = name.split(".")[0]
        if package == "django":
            package = ".".join(name.split(".")[:3])
        by_package[package] = by_package.get(package, 0) + own
    print(
        f"\n-X importtime, HTTP /: blog imports {len(blog)} modules ({sum(blog.values()) / 1000:.0f} ms "
        f"self time), bare {len(bare)} ({sum(bare.values()) / 1000:.0f} ms). Only in blog: {len(extra)} "
        f"modules, {sum(extra.values()) / 1000:.0f} ms (importtime inflates times); costliest:"
    )
    for package, own in sorted(by_package.items(), key=lambda item: -item[1])[:top]:
        print(f"  {own / 1000:6.1f} ms  {package}")


def mib(size):
    return f"{size / 2**20:.1f} MiB"


SSM_PREFIX = "/blog/dev/"


def put_secrets(endpoint):
    """The stage's parameters in moto's SSM, as `make deploy` makes them; returns them."""
    import boto3

    ssm = boto3.client("ssm", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                       aws_secret_access_key="testing")  # fmt: skip
    values = {
        "secret-key": ("SecureString", secrets.token_urlsafe(50)),
        "log-hash-salt": ("SecureString", secrets.token_urlsafe(24)),
        "origin-verify": ("String", ORIGIN_SECRET),
    }
    for name, (kind, value) in values.items():
        ssm.put_parameter(Name=SSM_PREFIX + name, Type=kind, Value=value, Overwrite=True)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per variant (default 7)")
    parser.add_argument("--photo", default="1000x700", help="the S3 event's photo, WxH (default 1000x700)")
    parser.add_argument("--importtime", action="store_true", help="also print blog HTTP's costliest imports")
    args = parser.parse_args()
    width, height = (int(n) for n in args.photo.lower().split("x"))

    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        raw_zip, blog_zip = build_ours(work)
        bare_zip = build_bare(work)
        for path in (raw_zip, blog_zip, bare_zip):
            check_generated_settings(path)
        trees = {
            name: str(unpack(path, work / f"tree-{name}"))
            for name, path in (("blog", blog_zip), ("raw", raw_zip), ("bare", bare_zip))
        }
        print(f"Built and unpacked the three packages in {time.perf_counter() - started:.0f} s.", flush=True)

        probe = Probe(work)
        var = work / "var"
        var.mkdir()
        base_env = {
            "AWS_LAMBDA_FUNCTION_NAME": "blog-dev",
            "AWS_REGION": REGION,
            "DJANGO_SETTINGS_MODULE": "blog.settings",
            "DEBUG": "false",
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
            "VAR_DIR": str(var),
            "SITE_URL": "https://dev.blog.example.com",
            "FORCE_SCRIPT_NAME": "",
            "LOG_LEVEL": "INFO",
        }
        # Secrets in plain variables: how this bench ran before it read them as production does.
        plain_env = {**base_env, "SECRET_KEY": secrets.token_urlsafe(50), "ORIGIN_VERIFY": ORIGIN_SECRET}
        bare_env = {key: base_env[key] for key in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "LOG_LEVEL")}
        for command in ("migrate --noinput", "seed_demo"):
            probe.run(trees["blog"], "entry", {"manage": command}, plain_env)

        server, endpoint = start_moto(work)
        token = secrets.token_urlsafe(24)
        extension = None
        try:
            put_secrets(endpoint)
            extension, port = start_secrets_extension(work, endpoint, token)
            # As production: the secrets from SSM under SSM_PREFIX, the function's credentials.
            ssm_env = {**base_env, **aws_env(endpoint), "SSM_PREFIX": SSM_PREFIX, "AWS_SESSION_TOKEN": token}
            ssm_env["AWS_ENDPOINT_URL_SSM"] = endpoint
            extension_env = {**ssm_env, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(port)}
            s3_event = upload_photo(endpoint, photo_jpeg(width, height))
            s3_env = {**extension_env, "MEDIA_BUCKET": BUCKET}
            get = api_gateway_request("/", HOST)
            get["headers"]["X-Origin-Verify"] = ORIGIN_SECRET
            variants = {
                "bare": lambda: probe.run(trees["bare"], "zappa", get, bare_env, marker="hello"),
                "blog": lambda: probe.run(trees["blog"], "entry", get, extension_env, marker="Field Notes"),
                "sdk": lambda: probe.run(trees["blog"], "entry", get, ssm_env, marker="Field Notes"),
                "plain": lambda: probe.run(trees["blog"], "entry", get, plain_env, marker="Field Notes"),
                "raw": lambda: probe.run(trees["raw"], "entry", get, extension_env, marker="Field Notes"),
                "s3": lambda: probe.run(trees["blog"], "entry-s3", s3_event, s3_env),
            }
            times = {name: [] for name in variants}
            for _ in range(args.runs):
                for name, run in variants.items():
                    outcome, _ = run()
                    if name == "s3":
                        check(name, outcome, done=1, django=False)
                    else:
                        check(name, outcome, status=200, marker=True)
                    if name != "bare":
                        check(name, outcome, gc={"enabled": True, "frozen": True})
                    times[name].append(outcome)
            if args.importtime:
                importtimes = [
                    imported(probe.run(*call, flags=("-X", "importtime"))[1])
                    for call in (
                        (trees["blog"], "entry", get, extension_env),
                        (trees["bare"], "zappa", get, bare_env),
                    )
                ]
        finally:
            for process in (server, extension):
                if process:
                    process.terminate()
                    process.wait(timeout=10)

        print_report(args, times, (width, height), (blog_zip, raw_zip, bare_zip), started)
        if args.importtime:
            print_importtime(*importtimes)


def median(times, name, mark="done", start=None, clock="cpu"):
    return statistics.median(run[clock][mark] - (run[clock][start] if start else 0) for run in times[name])


def print_report(args, times, photo, zips, started):
    def row(label, name, ratio=""):
        cpu = [run["cpu"]["done"] for run in times[name]]
        wall = [run["ms"]["done"] for run in times[name]]
        print(
            f"{label:<50} {statistics.median(cpu):6.0f} {min(cpu):6.0f} {max(cpu):6.0f}"
            f" {statistics.median(wall):7.0f}  {ratio}"
        )

    bare, blog, sdk, plain, raw, s3 = (
        median(times, name) for name in ("bare", "blog", "sdk", "plain", "raw", "s3")
    )
    s3_warm = median(times, "s3", "again", "done")
    print(
        f"\nCold start: a fresh process imports the handler, then serves its first event ({args.runs} runs)."
        "\nCPU ms of the process (the targets' clock), median, min and max; wall ms, median."
    )
    print(f"{'variant':<50} {'cpu':>6} {'min':>6} {'max':>6} {'wall':>7}  ratio of CPU medians")
    row("bare Zappa+Django hello, HTTP GET /", "bare")
    row("blog HTTP GET /, secrets via the extension", "blog", f"{blog / bare:.2f} x bare")
    row("blog HTTP GET /, secrets via boto3 SSM (fallback)", "sdk", f"{sdk / bare:.2f} x bare")
    row("blog HTTP GET /, secrets in plain env (before)", "plain", f"{plain / bare:.2f} x bare")
    row("blog HTTP GET / (raw zappa zip, stale .pyc)", "raw", f"{raw / blog:.2f} x blog HTTP")
    row(f"blog S3 put, {photo[0]}x{photo[1]} JPEG, first event", "s3", f"{s3 / blog:.2f} x blog HTTP")
    print("  S3 cold start, split (CPU ms, medians):")
    for label, mark, start in (
        ("probe start to dispatch.entry imported", "import", None),
        ("import thumbnails.handler (the router's import)", "router", "import"),
        ("import boto3 (Lambda's, outside the package)", "boto3", "router"),
        ("the event: S3 client, get, renditions, puts", "done", "boto3"),
    ):
        print(f"    {label:<50} {median(times, 's3', mark, start):5.0f}")
    print(f"    {'the same event again, warm (the work alone)':<50} {s3_warm:5.0f}")
    startup = s3 - s3_warm
    print(
        f"    {'start-up: first event minus warm one':<50} {startup:5.0f}  ({startup / blog:.2f} x blog HTTP)"
    )

    blog_zip, raw_zip, bare_zip = zips
    size = blog_zip.stat().st_size
    print(
        f"\nSize: blog {size / 1e6:.1f} MB = {mib(size)} zipped, {mib(unzipped_size(blog_zip))} unzipped "
        f"(raw zappa zip {mib(raw_zip.stat().st_size)}); bare {mib(bare_zip.stat().st_size)} zipped, "
        f"{mib(unzipped_size(bare_zip))} unzipped."
    )
    verdict = {True: "met", False: "MISSED"}
    print("Targets (CPU):")
    print(
        f"  HTTP <= {HTTP_TARGET} x bare, secrets included:  {blog / bare:.3f} x  {verdict[blog <= HTTP_TARGET * bare]}"
    )
    print(f"  S3 start-up, as a ratio to HTTP (reported): {startup / blog:.2f} x")
    print(f"  S3 first event <= {S3_TARGET} x HTTP:  {s3 / blog:.2f} x  {verdict[s3 <= S3_TARGET * blog]}")
    print(f"  zip <= 25 MB:       {size / 1e6:.1f} MB  {verdict[size <= ZIP_TARGET]}")
    print(f"(whole run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
