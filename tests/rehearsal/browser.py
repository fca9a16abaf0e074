"""A reader's or an editor's browser in the rehearsal: cookies kept, forms posted with their
CSRF token, through CloudFront to API Gateway's event (tests/rehearsal/lambda_service.py)."""

import json
import re
import urllib.parse
import uuid


class Browser:
    def __init__(self, function, viewer="198.51.100.7", through_cloudfront=True):
        self.function = function
        self.viewer = viewer
        self.through_cloudfront = through_cloudfront
        self.cookies = {}

    def request(self, method, path, *, body=b"", content_type=None, headers=None):
        sent = {
            "User-Agent": "Mozilla/5.0 (rehearsal)",
            "Accept": "text/html,application/json",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            sent["Content-Type"] = content_type
        if method == "POST":
            # What a browser on the site (its address: the edge stack's) sends with a form post.
            site = self.function.account.outputs["edge"]["PublicBaseUrl"]
            sent.setdefault("Origin", site)
            sent.setdefault("Referer", site + path)
            sent.setdefault("Sec-Fetch-Site", "same-origin")
        response = self.function.http(
            method,
            path,
            headers=sent,
            body=body,
            through_cloudfront=self.through_cloudfront,
            viewer=self.viewer,
        )
        self.cookies.update(response.cookies())
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, fields, **kwargs):
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request(
            "POST", path, body=body, content_type="application/x-www-form-urlencoded", **kwargs
        )

    def post_multipart(self, path, fields, files):
        """`files`: {field: (filename, content type, bytes)}."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode()
                )
        for name, (filename, kind, data) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {kind}\r\n\r\n"
            )
            parts.append(head.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body=body, content_type=f"multipart/form-data; boundary={boundary}")

    def form_token(self, path):
        """GET a page with a form; its CSRF token."""
        page = self.get(path)
        assert page.status == 200, (page.status, page.text[:500])
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def post_json(self, path, payload, token):
        return self.request(
            "POST", path, body=json.dumps(payload).encode(), content_type="application/json",
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )  # fmt: skip

    def upload_photo(self, filename, content_type, data, alt, storage):
        """What the admin's photo form does in a browser (blog/static/blog/admin/direct-upload.js):
        ask the site for a grant, post the file straight to storage with it (`storage(url,
        fields, data)`, never through the function), then save the photo with the key."""
        token = self.form_token("/admin/blog/photo/add/")
        answer = self.post_json(
            "/admin/blog/photo/upload-grant/",
            {"filename": filename, "type": content_type, "size": len(data)},
            token,
        )
        assert answer.status == 200, answer.text[:1000]
        grant = answer.json()
        storage(grant["url"], grant["fields"], data)
        saved = self.post(
            "/admin/blog/photo/add/",
            {
                "csrfmiddlewaretoken": token,
                "image": grant["key"],
                "alt_text": alt,
                "caption": "",
                "_save": "Save",
            },
        )
        return grant, saved

    def log_in(self, username, password):
        token = self.form_token("/admin/login/")
        response = self.post(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
        )
        assert response.status == 302, (response.status, response.text[:1000])
        return response
