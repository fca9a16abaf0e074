"""Where the handler reads uploads and writes renditions: S3 in AWS, a folder on disk on the
embedded defaults. One small interface, so the handler is the same in both modes. No Django."""

import contextlib
import contextvars
from datetime import UTC, datetime
from pathlib import Path

from common import aws

# The bucket name the app's own local events carry (common.events): its objects live in the
# folder whoever delivers the event names with `local_media_root` (dispatch.local: Django's
# MEDIA_ROOT), for the length of the delivery.
LOCAL_BUCKET = "local-media"
_local_root = contextvars.ContextVar("local_media_root", default=None)
# Larger uploads are refused before they are read: a Lambda holds the object in memory.
MAX_SOURCE_BYTES = 80 * 2**20


class ObjectMissing(Exception):
    """The object is not there (deleted since the event was sent)."""


class DeleteRefused(Exception):
    """S3 refused to delete some of the objects asked for."""


class S3Objects:
    def __init__(self, bucket):
        self.bucket = bucket

    @property
    def client(self):
        # One client per container, shared by every record and every bucket.
        return aws.client("s3")

    def read(self, key):
        """(bytes, etag) of the object; ObjectMissing if it is gone."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey as exc:
            raise ObjectMissing(key) from exc
        if response["ContentLength"] > MAX_SOURCE_BYTES:
            response["Body"].close()
            return None, response["ETag"]
        return response["Body"].read(), response["ETag"]

    def etag(self, key):
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)["ETag"]
        except self.client.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                raise ObjectMissing(key) from exc
            raise

    def read_start(self, key, length):
        """(the first `length` bytes, the object's size): a ranged GET, so a photo's header
        can be read without fetching the photo. ObjectMissing if it is gone."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{length - 1}")
        except self.client.exceptions.NoSuchKey as exc:
            raise ObjectMissing(key) from exc
        except self.client.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] != "InvalidRange":  # an empty object
                raise
            return b"", 0
        total = response.get("ContentRange", "").rpartition("/")[2]
        data = response["Body"].read()
        return data, int(total) if total.isdigit() else len(data)

    def list_all(self, prefix):
        """[(key, last modified, an aware datetime)] of every object under `prefix`, sub-folders
        included."""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found.extend((item["Key"], item["LastModified"]) for item in page.get("Contents", ()))
        return found

    def write(self, key, data, content_type, cache_control):
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=cache_control
        )

    def list(self, prefix):
        """The keys starting with `prefix` and with no `/` after it: for a folder, the files
        directly in it, not those in its sub-folders (another photo's renditions)."""
        keys = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        )
        for page in pages:
            keys.extend(item["Key"] for item in page.get("Contents", ()))
        return keys

    def delete(self, keys):
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            response = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk]}
            )
            # S3 answers 200 even when it refused some keys (AccessDenied per key): say so.
            refused = response.get("Errors") or []
            if refused:
                first = refused[0]
                raise DeleteRefused(
                    f"S3 kept {len(refused)} of {len(chunk)} object(s), e.g. {first.get('Key')!r}: "
                    f"{first.get('Code')} {first.get('Message', '')}".rstrip()
                )


class LocalObjects:
    """The same operations on a folder; keys are paths below it."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key escapes the media folder: {key!r}")
        return path

    def read(self, key):
        etag = self.etag(key)
        path = self._path(key)
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return None, etag
        return path.read_bytes(), etag

    def etag(self, key):
        path = self._path(key)
        if not path.is_file():
            raise ObjectMissing(key)
        stat = path.stat()
        return f'"{stat.st_size}-{stat.st_mtime_ns}"'

    def read_start(self, key, length):
        path = self._path(key)
        if not path.is_file():
            raise ObjectMissing(key)
        with path.open("rb") as file:
            return file.read(length), path.stat().st_size

    def list_all(self, prefix):
        base = self._path(prefix)
        folder = base if prefix.endswith("/") else base.parent
        root = self.root.resolve()
        found = []
        for path in folder.rglob("*") if folder.is_dir() else ():
            key = path.relative_to(root).as_posix()
            if path.is_file() and key.startswith(prefix) and not key.endswith(".part"):
                found.append((key, datetime.fromtimestamp(path.stat().st_mtime, UTC)))
        return sorted(found)

    def write(self, key, data, content_type, cache_control):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # readers never see half a file

    def list(self, prefix):
        base = self._path(prefix)
        folder = base if prefix.endswith("/") else base.parent
        if not folder.is_dir():
            return []
        keys = (p.relative_to(self.root.resolve()).as_posix() for p in folder.iterdir() if p.is_file())
        return sorted(key for key in keys if key.startswith(prefix))

    def delete(self, keys):
        for key in keys:
            self._path(key).unlink(missing_ok=True)


@contextlib.contextmanager
def local_media_root(root):
    """Events for LOCAL_BUCKET delivered inside are about the folder `root`."""
    token = _local_root.set(str(root))
    try:
        yield
    finally:
        _local_root.reset(token)


def objects_for(bucket):
    """The store for `bucket`, chosen when the event arrives."""
    if bucket == LOCAL_BUCKET:
        root = _local_root.get()
        if not root:
            raise RuntimeError(f"An event for {LOCAL_BUCKET!r} arrived outside local_media_root()")
        return LocalObjects(root)
    return S3Objects(bucket)
