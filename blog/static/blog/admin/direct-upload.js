// The photo form's direct upload. The file goes from this browser straight to storage (S3 in
// AWS, the app's stand-in for S3 locally) with a POST the app signed for one key; the form
// then saves only that key. A photo never passes through the Lambda function, whose requests
// stop at 6 MB. Without this script the file input has no name, so nothing is sent and the
// form says why the photo is missing (blog/upload_forms.py).
(function () {
  "use strict";

  // Image types the site renders, recognised by their first bytes (as the server checks
  // them again after the upload): a file's name and the type the OS gives it can lie.
  function sniff(b) {
    const ascii = (start, end) => String.fromCharCode(...b.subarray(start, end));
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
    if (ascii(0, 8) === "\x89PNG\r\n\x1a\n") return "image/png";
    if (ascii(0, 4) === "GIF8") return "image/gif";
    if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
    if (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*") return "image/tiff";
    if (ascii(4, 8) === "ftyp") {
      // The major brand, then the compatible brands after a 4-byte minor version.
      const end = Math.min(new DataView(b.buffer).getUint32(0), b.length);
      const brands = [ascii(8, 12)];
      for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(i, i + 4));
      if (brands.some((x) => x === "avif" || x === "avis")) return "image/avif";
      if (brands.some((x) => /^(hei[cxms]|hev[cxms]|mif1|msf1)$/.test(x))) return "image/heic";
    }
    return "";
  }

  // S3's refusals (XML with a Code), said for editors. The local stand-in answers the same.
  function storageError(xhr, maxBytes) {
    const xml = new DOMParser().parseFromString(xhr.responseText || "<x/>", "application/xml");
    const code = xml.querySelector("Code")?.textContent || "";
    const message = xml.querySelector("Message")?.textContent || "";
    if (code === "EntityTooLarge") return `The photo is too large: the limit is ${mb(maxBytes)}.`;
    if (/expired/i.test(message)) return "The permission to upload expired before the upload began: choose the file again.";
    if (/Content-Type/.test(message)) return "The file is not an image type the site takes.";
    return `Storage refused the upload (${code || "HTTP " + xhr.status}): choose the file again.`;
  }

  const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
  // "<size>; the limit is <limit>", in bytes where megabytes would print the same.
  const sizes = (size, limit) =>
    mb(size) === mb(limit)
      ? `${size.toLocaleString("en")} bytes; the limit is ${limit.toLocaleString("en")} bytes`
      : `${mb(size)}; the limit is ${mb(limit)}`;

  function setUp(box) {
    const picker = box.querySelector("input[type=file]");
    const key = box.querySelector("input[type=hidden]");
    const progress = box.querySelector("progress");
    const status = box.querySelector(".upload-status");
    const form = box.closest("form");
    const maxBytes = Number(box.dataset.maxBytes);
    let busy = false;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("upload-error", Boolean(isError));
    }

    // Saving mid-upload would save the photo without its file: wait for it.
    function setBusy(value) {
      busy = value;
      form.querySelectorAll("[type=submit]").forEach((button) => (button.disabled = value));
    }
    form.addEventListener("submit", (event) => {
      if (busy) event.preventDefault();
    });

    async function grantFor(file, type) {
      const response = await fetch(box.dataset.grantUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify({ filename: file.name, type: type, size: file.size }),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(answer.error?.message || `The site refused the upload (HTTP ${response.status}).`);
      return answer;
    }

    // XMLHttpRequest, not fetch: only it reports upload progress.
    function send(grant, file) {
      return new Promise((resolve, reject) => {
        const body = new FormData();
        for (const [name, value] of Object.entries(grant.fields)) body.append(name, value);
        body.append("file", file); // S3 reads fields up to the file and ignores any after it
        const xhr = new XMLHttpRequest();
        xhr.open("POST", grant.url);
        xhr.upload.addEventListener("progress", (event) => {
          if (!event.lengthComputable) return;
          progress.value = Math.round((100 * event.loaded) / event.total);
          say(`Uploading… ${progress.value} % of ${mb(event.total)}`);
        });
        xhr.addEventListener("load", () =>
          xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(storageError(xhr, grant.max_bytes))),
        );
        xhr.addEventListener("error", () => reject(new Error("The upload failed: storage could not be reached. Check the connection and choose the file again.")));
        xhr.send(body);
      });
    }

    picker.addEventListener("change", async () => {
      key.value = key.dataset.original; // until a new upload succeeds, the photo keeps its file
      const file = picker.files[0];
      if (!file) return say("");
      if (file.size > maxBytes) {
        picker.value = "";
        return say(`“${file.name}” is too large: ${sizes(file.size, maxBytes)}.`, true);
      }
      setBusy(true);
      progress.value = 0;
      progress.hidden = false;
      try {
        const type = sniff(new Uint8Array(await file.slice(0, 64).arrayBuffer()));
        const grant = await grantFor(file, type);
        await send(grant, file);
        key.value = grant.key;
        say(`Uploaded “${file.name}” (${mb(file.size)}). Save to keep it.`);
      } catch (error) {
        picker.value = "";
        say(error.message, true);
      } finally {
        progress.hidden = true;
        setBusy(false);
      }
    });
  }

  // The admin puts form media in <head>: wait for the form to exist.
  const start = () => document.querySelectorAll(".direct-upload").forEach(setUp);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
