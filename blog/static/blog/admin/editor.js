/* The post editor in the admin: EasyMDE over the body's textarea, a live preview rendered by
 * the server, a photo picker, drafts kept in this browser and a warning before leaving with
 * unsaved changes. Without JavaScript the textarea and the form's buttons do everything.
 * blog/admin_forms.py puts the URLs this needs on the textarea (data-*). */
"use strict";
(function () {
  const PREVIEW_DELAY = 500; // ms after the last keystroke
  const DRAFT_DELAY = 700;
  const TRACKED = ["title", "slug", "summary", "body"];

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function debounce(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([name, value]) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }

  // EasyMDE's own icons come from Font Awesome on a CDN: ours are text, nothing downloaded.
  function button(name, title, icon, action) {
    return { name: name, title: title, icon: '<span aria-hidden="true">' + icon + "</span>", action: action };
  }

  function Desk(textarea) {
    this.textarea = textarea;
    this.form = textarea.form;
    this.data = textarea.dataset;
    this.draftKey = "blog:draft:" + this.data.draftKey;
    this.submitting = false;
    this.otherFieldsChanged = false;
    this.previewOpen = window.matchMedia("(min-width: 1100px)").matches;
    this.mde = this.makeEditor();
    this.initial = this.values();
    this.makePreview();
    this.makePicker();
    this.keepDrafts();
    this.warnBeforeLeaving();
  }

  Desk.prototype.makeEditor = function () {
    const desk = this;
    const mde = new EasyMDE({
      element: this.textarea,
      autoDownloadFontAwesome: false,
      spellChecker: false, // it downloads dictionaries; the browser's own checker works
      nativeSpellcheck: true,
      inputStyle: "contenteditable",
      forceSync: true,
      minHeight: "420px",
      autosave: { enabled: false }, // drafts are kept below, with the server's version in mind
      shortcuts: { togglePreview: null, toggleSideBySide: null, toggleFullScreen: null },
      status: ["lines", "words", { className: "draft-status", defaultValue: function () {} }],
      toolbar: [
        button("bold", "Bold", "B", EasyMDE.toggleBold),
        button("italic", "Italic", "<i>I</i>", EasyMDE.toggleItalic),
        button("heading", "Heading", "H", EasyMDE.toggleHeadingSmaller),
        "|",
        button("quote", "Quote", "&ldquo;", EasyMDE.toggleBlockquote),
        button("unordered-list", "Bulleted list", "&bull;", EasyMDE.toggleUnorderedList),
        button("ordered-list", "1. Numbered list", "1.", EasyMDE.toggleOrderedList),
        "|",
        button("link", "Link", "Link", EasyMDE.drawLink),
        button("insert-photo", "Insert photo", "Photo", function () {
          desk.openPicker();
        }),
        button("code", "Code", "&lt;/&gt;", EasyMDE.toggleCodeBlock),
        button("table", "Table", "Table", EasyMDE.drawTable),
        "|",
        button("toggle-preview", "Show or hide the preview", "Preview", function () {
          desk.togglePreview();
        }),
        "|",
        button("undo", "Undo", "&#8630;", EasyMDE.undo),
        button("redo", "Redo", "&#8631;", EasyMDE.redo),
        "|",
        {
          name: "guide",
          title: "Markdown guide (opens in a new tab)",
          icon: '<span aria-hidden="true">?</span>',
          action: "https://commonmark.org/help/",
        },
      ],
    });
    // EasyMDE takes its buttons out of the tab order; keyboard users need them.
    mde.toolbar_div.querySelectorAll("button").forEach(function (b) {
      b.tabIndex = 0;
    });
    mde.toolbar_div.setAttribute("role", "toolbar");
    mde.toolbar_div.setAttribute("aria-label", "Formatting");
    // The field's label names the editor too.
    const label = document.querySelector('label[for="' + this.textarea.id + '"]');
    const input = mde.codemirror.getInputField();
    // CodeMirror marks its editable area "presentation": to assistive technology it is a
    // multi-line text box, named by the field's label.
    input.setAttribute("role", "textbox");
    input.setAttribute("aria-multiline", "true");
    if (label) {
      label.id = label.id || this.textarea.id + "_label";
      input.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () {
        mde.codemirror.focus();
      });
    }
    if (this.textarea.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", this.textarea.getAttribute("aria-describedby"));
    }
    return mde;
  };

  Desk.prototype.values = function () {
    const values = {};
    TRACKED.forEach(function (name) {
      const field = this.form.elements.namedItem(name);
      if (field) values[name] = name === "body" ? this.mde.value() : field.value;
    }, this);
    return values;
  };

  Desk.prototype.setValues = function (values) {
    TRACKED.forEach(function (name) {
      if (!(name in values)) return;
      if (name === "body") this.mde.value(values.body);
      else if (this.form.elements.namedItem(name)) this.form.elements.namedItem(name).value = values[name];
    }, this);
  };

  Desk.prototype.textChanged = function () {
    const now = this.values();
    const before = this.initial;
    return TRACKED.some(function (name) {
      return (now[name] || "").replace(/\r\n/g, "\n") !== (before[name] || "").replace(/\r\n/g, "\n");
    });
  };

  // --- the live preview: the server renders the form as it stands -----------------------------

  Desk.prototype.makePreview = function () {
    const desk = this;
    this.pane = this.textarea.closest(".md-desk").querySelector(".md-preview");
    this.frame = this.pane.querySelector("iframe");
    this.previewStatus = this.pane.querySelector(".md-preview-status");
    this.pane.closest(".md-desk").classList.add("md-desk-ready");
    this.refreshPreview = debounce(function () {
      desk.renderPreview();
    }, PREVIEW_DELAY);
    this.mde.codemirror.on("change", function () {
      if (desk.previewOpen) desk.refreshPreview();
    });
    ["title", "summary"].forEach(function (name) {
      const field = desk.form.elements.namedItem(name);
      if (field) field.addEventListener("input", function () {
        if (desk.previewOpen) desk.refreshPreview();
      });
    });
    this.showPreview(this.previewOpen);
  };

  Desk.prototype.showPreview = function (open) {
    this.previewOpen = open;
    this.pane.hidden = !open;
    this.pane.closest(".md-desk").classList.toggle("md-desk-split", open);
    const toggle = this.mde.toolbar_div.querySelector(".toggle-preview");
    if (toggle) {
      toggle.setAttribute("aria-pressed", String(open));
      toggle.classList.toggle("active", open);
    }
    if (open) this.renderPreview();
  };

  Desk.prototype.togglePreview = function () {
    this.showPreview(!this.previewOpen);
  };

  Desk.prototype.renderPreview = function () {
    const desk = this;
    const data = new FormData(this.form);
    data.set("body", this.mde.value());
    data.set("_pane", "1");
    // The tags chosen so far (the admin's two-box selector selects them only on submit).
    const chosen = document.getElementById("id_tags_to");
    if (chosen) {
      data.delete("tags");
      Array.from(chosen.options).forEach(function (option) {
        data.append("tags", option.value);
      });
    }
    const asked = (this.previewAsked = (this.previewAsked || 0) + 1);
    this.previewStatus.textContent = "Updating the preview…";
    fetch(this.data.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("the server answered " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (asked !== desk.previewAsked) return; // a newer one is on its way
        const scroll = desk.frame.contentWindow ? desk.frame.contentWindow.scrollY : 0;
        desk.frame.addEventListener(
          "load",
          function () {
            if (desk.frame.contentWindow) desk.frame.contentWindow.scrollTo(0, scroll);
          },
          { once: true }
        );
        // A <base> so the preview's links open in a new tab, not inside the pane.
        desk.frame.srcdoc = html.replace("<head>", '<head><base target="_blank">');
        desk.previewStatus.textContent = "Preview as readers will see it, at " + clock(Date.now()) + ".";
      })
      .catch(function (error) {
        if (asked === desk.previewAsked) desk.previewStatus.textContent = "The preview could not be updated: " + error.message + ".";
      });
  };

  // --- photos: pick one, or upload one in the admin's own add-photo page --------------------

  Desk.prototype.makePicker = function () {
    const desk = this;
    this.uploadInput = el("input", { type: "hidden", id: "photo_picker_upload" });
    const search = el("input", { type: "search", id: "photo-picker-q", placeholder: "Alt text or caption" });
    const list = el("ul", { class: "photo-picker-list", "aria-live": "polite" });
    const status = el("p", { class: "photo-picker-status", role: "status" });
    const close = el("button", { type: "button", class: "button", text: "Close" });
    const heading = el("h2", { id: "photo-picker-heading", text: "Insert a photo" });
    const tools = el("div", { class: "photo-picker-tools" }, [
      el("label", { for: "photo-picker-q", text: "Find a photo" }),
      search,
    ]);
    if (this.data.photoAddUrl) {
      const upload = el("button", { type: "button", class: "button", text: "Upload a new photo…" });
      upload.addEventListener("click", function () {
        desk.uploadPhoto();
      });
      tools.append(upload);
    }
    this.dialog = el("dialog", { class: "photo-picker", "aria-labelledby": "photo-picker-heading" }, [
      heading,
      tools,
      status,
      list,
      el("div", { class: "photo-picker-footer" }, [close]),
    ]);
    this.pickerList = list;
    this.pickerStatus = status;
    this.pickerSearch = search;
    document.body.append(this.dialog, this.uploadInput);
    close.addEventListener("click", function () {
      desk.dialog.close();
    });
    search.addEventListener(
      "input",
      debounce(function () {
        desk.loadPhotos();
      }, 250)
    );
    this.dialog.addEventListener("close", function () {
      desk.mde.codemirror.focus();
    });
  };

  Desk.prototype.openPicker = function () {
    this.dialog.showModal();
    this.pickerSearch.focus();
    this.loadPhotos();
  };

  Desk.prototype.loadPhotos = function (highlightId) {
    const desk = this;
    const url = new URL(this.data.photosUrl, window.location.href);
    if (this.pickerSearch.value.trim()) url.searchParams.set("q", this.pickerSearch.value.trim());
    this.pickerStatus.textContent = "Loading photos…";
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the server answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        desk.showPhotos(data.results, highlightId);
        const count = data.results.length;
        desk.pickerStatus.textContent = count
          ? count + (data.more ? "+" : "") + " photo" + (count === 1 ? "" : "s") + ". Choose one to insert it where the cursor is."
          : "No photo matches.";
      })
      .catch(function (error) {
        desk.pickerStatus.textContent = "The photos could not be listed: " + error.message + ".";
      });
  };

  Desk.prototype.showPhotos = function (photos, highlightId) {
    const desk = this;
    this.pickerList.replaceChildren();
    photos.forEach(function (photo) {
      const item = el("li", { class: "photo-picker-item photo-" + photo.status });
      const figure = photo.thumb
        ? el("img", { src: photo.thumb, alt: "", loading: "lazy", width: "160", height: "107" })
        : el("span", { class: "photo-picker-nothumb", text: photo.status === "failed" ? "Failed" : "Being made…" });
      const text = el("span", { class: "photo-picker-text" }, [
        el("span", { class: "photo-picker-alt", text: photo.alt }),
        photo.caption ? el("span", { class: "photo-picker-caption", text: photo.caption }) : "",
        photo.status === "failed"
          ? el("span", { class: "photo-picker-reason", text: "Cannot be shown: " + photo.reason })
          : photo.status === "pending"
            ? el("span", { class: "photo-picker-reason", text: "Pictures being made: it shows once they are ready." })
            : "",
      ]);
      if (photo.insertable) {
        const choose = el("button", { type: "button", class: "photo-picker-choose", "data-photo-id": String(photo.id) }, [figure, text]);
        choose.addEventListener("click", function () {
          desk.insertPhoto(photo);
        });
        item.append(choose);
      } else {
        item.append(el("div", { class: "photo-picker-choose", "aria-disabled": "true" }, [figure, text]));
      }
      desk.pickerList.append(item);
      if (highlightId && String(photo.id) === String(highlightId)) {
        item.classList.add("photo-picker-new");
        const target = item.querySelector("button");
        if (target) target.focus();
      }
    });
  };

  Desk.prototype.insertPhoto = function (photo) {
    const cm = this.mde.codemirror;
    const cursor = cm.getCursor();
    const line = cm.getLine(cursor.line);
    // Its own paragraph, so it shows as a figure with its caption.
    const before = line.trim() === "" ? (cursor.line > 0 && cm.getLine(cursor.line - 1).trim() !== "" ? "\n" : "") : "\n\n";
    cm.replaceSelection(before + photo.markdown + "\n\n");
    this.dialog.close();
    cm.focus();
  };

  Desk.prototype.uploadPhoto = function () {
    // The admin's own add-photo page in a popup (whatever that form becomes, this works with
    // it): its "popup response" gives the new photo's id to #photo_picker_upload through
    // RelatedObjectLookups.js and closes the window; the list is refreshed when it closes.
    const desk = this;
    const url = new URL(this.data.photoAddUrl, window.location.href);
    url.searchParams.set("_popup", "1");
    this.uploadInput.value = "";
    const popup = window.open(url, "photo_picker_upload__1", "height=700,width=900,resizable=yes,scrollbars=yes");
    if (!popup) {
      this.pickerStatus.textContent = "The browser blocked the upload window: allow pop-ups for this site.";
      return;
    }
    this.pickerStatus.textContent = "Upload the photo in the new window; this list refreshes when it closes.";
    const watch = setInterval(function () {
      if (!popup.closed) return;
      clearInterval(watch);
      desk.loadPhotos(desk.uploadInput.value);
    }, 400);
  };

  // --- drafts kept in this browser, and the warning before leaving ---------------------------

  Desk.prototype.readDraft = function () {
    try {
      return JSON.parse(window.localStorage.getItem(this.draftKey) || "null");
    } catch (error) {
      return null;
    }
  };

  Desk.prototype.writeDraft = function () {
    const status = this.mde.gui.statusbar.querySelector(".draft-status");
    try {
      if (this.textChanged()) {
        const saved = Date.now();
        window.localStorage.setItem(
          this.draftKey,
          JSON.stringify({ saved: saved, base: this.data.savedAt, fields: this.values() })
        );
        status.textContent = "Unsaved changes kept in this browser at " + clock(saved);
      } else {
        window.localStorage.removeItem(this.draftKey);
        status.textContent = "";
      }
    } catch (error) {
      status.textContent = "This browser cannot keep a draft: save often.";
    }
  };

  Desk.prototype.dropDraft = function () {
    try {
      window.localStorage.removeItem(this.draftKey);
    } catch (error) {
      /* nothing kept, nothing to drop */
    }
  };

  Desk.prototype.keepDrafts = function () {
    const desk = this;
    const keep = debounce(function () {
      desk.writeDraft();
    }, DRAFT_DELAY);
    this.mde.codemirror.on("change", keep);
    TRACKED.forEach(function (name) {
      const field = desk.form.elements.namedItem(name);
      if (field && name !== "body") field.addEventListener("input", keep);
    });
    if (document.querySelector(".errornote")) {
      // The server sent the form back with errors: what is on screen is not saved anywhere.
      this.initial = {};
      this.writeDraft();
      return;
    }
    const draft = this.readDraft();
    if (!draft || !draft.fields) return;
    const same = TRACKED.every(function (name) {
      return (draft.fields[name] || "").replace(/\r\n/g, "\n") === (desk.initial[name] || "").replace(/\r\n/g, "\n");
    });
    if (same) {
      this.dropDraft();
      return;
    }
    if (draft.base === this.data.savedAt) {
      // Nothing was saved since the draft began: it is simply the newer text.
      this.setValues(draft.fields);
      this.notice(
        "Your unsaved changes from " + clock(draft.saved) + " were kept in this browser and are back. Save to keep them.",
        [["Discard them", function () { desk.setValues(desk.initial); desk.dropDraft(); }]]
      );
    } else {
      this.notice(
        "This browser kept changes you had not saved (" + clock(draft.saved) + "), but the post has been saved since.",
        [
          ["Restore them", function () { desk.setValues(draft.fields); desk.writeDraft(); }],
          ["Discard them", function () { desk.dropDraft(); }],
        ]
      );
    }
  };

  Desk.prototype.notice = function (text, actions) {
    const box = el("div", { class: "draft-notice", role: "status" }, [el("p", { text: text })]);
    actions.forEach(function ([label, act]) {
      const b = el("button", { type: "button", class: "button", text: label });
      b.addEventListener("click", function () {
        act();
        box.remove();
      });
      box.append(b);
    });
    const where = document.querySelector("fieldset.publishing") || this.form.firstElementChild;
    where.parentNode.insertBefore(box, where);
  };

  Desk.prototype.warnBeforeLeaving = function () {
    const desk = this;
    this.form.addEventListener("change", function (event) {
      if (!TRACKED.includes(event.target.name)) desk.otherFieldsChanged = true;
    });
    this.form.addEventListener("submit", function (event) {
      const submitter = event.submitter;
      if (submitter && submitter.getAttribute("formtarget") === "_blank") return; // Preview
      desk.submitting = true;
      // The server has it now; if it sends the form back with errors, the draft is kept again.
      desk.dropDraft();
    });
    window.addEventListener("beforeunload", function (event) {
      if (desk.submitting || !(desk.textChanged() || desk.otherFieldsChanged)) return;
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to ask
    });
  };

  // Two gaps of the admin's own widgets on this page, which axe-core reports: the cover's
  // select2 box is named by its (empty) selection, and the tag selector's search icons carry
  // an aria-label without a role.
  function nameAdminWidgets() {
    const cover = document.querySelector('label[for="id_cover"]');
    document.querySelectorAll('.field-cover .select2-selection[role="combobox"], .field-cover .select2-selection__rendered[role="textbox"]').forEach(function (box) {
      cover.id = cover.id || "id_cover_label";
      box.setAttribute("aria-labelledby", cover.id);
    });
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  window.addEventListener("load", function () {
    setTimeout(nameAdminWidgets, 0); // after the admin's own load handlers built them
  });

  ready(function () {
    const textarea = document.querySelector("textarea[data-markdown-editor]");
    if (!textarea || typeof EasyMDE === "undefined") return;
    window.blogEditorDesk = new Desk(textarea);
  });
})();
