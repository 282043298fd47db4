// The console's one script (progressive enhancement; every page works without it): explains a
// growing-area code as it is typed, asking the server, which parses it as the registry does.
"use strict";
document.querySelectorAll("input[data-explain]").forEach(function (input) {
  var out = document.getElementById(input.getAttribute("aria-describedby"));
  var timer = null;
  var lang = document.documentElement.lang;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var url = input.dataset.explain + "?lang=" + lang + "&code=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) { if (text) { out.textContent = text; } })
        .catch(function () {});
    }, 250);
  });
});

// The diary form: shows the inputs only for fertilizing and spraying and the reason only for a
// recall (a field with a mistake or a value stays visible), and fills an input's active
// ingredient, dose unit and pre-harvest interval when a trade name used before is picked.
(function () {
  var form = document.querySelector("form[enctype='multipart/form-data']");
  if (!form) { return; }
  var parts = form.querySelectorAll("[data-for-kinds]");
  function kind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "";
  }
  function filled(part) {
    return Array.prototype.some.call(part.querySelectorAll("input"), function (i) {
      return i.value !== "" || i.getAttribute("aria-invalid") === "true";
    });
  }
  function update() {
    var k = kind();
    parts.forEach(function (part) {
      var wanted = part.getAttribute("data-for-kinds").split(" ").indexOf(k) >= 0;
      part.hidden = !(wanted || filled(part));
    });
  }
  form.querySelectorAll("input[name=kind]").forEach(function (r) {
    r.addEventListener("change", update);
  });
  update();
  var known = {};
  document.querySelectorAll("#known-inputs option").forEach(function (o) {
    known[o.value.toLowerCase()] = o.dataset;
  });
  form.querySelectorAll("[data-input-row]").forEach(function (row) {
    var name = row.querySelector("input[id$='_product']");
    if (!name) { return; }
    name.setAttribute("list", "known-inputs");
    name.setAttribute("autocomplete", "off");
    name.addEventListener("change", function () {
      var k = known[name.value.trim().toLowerCase()];
      if (!k) { return; }
      [["_active_ingredient", k.ai], ["_dose_unit", k.unit], ["_phi_days", k.phi]].forEach(function (p) {
        var field = row.querySelector("input[id$='" + p[0] + "']");
        if (field && field.value === "" && p[1]) { field.value = p[1]; }
      });
    });
  });
})();


// Offline-first diary: an entry saved with no network is kept on the phone (IndexedDB, with its
// photo), listed as "not sent yet", and sent when the network returns (on the next page load,
// when the browser says it is online again, or on "Send now"). Each entry carries the
// idempotency key the form was shown with, so an entry sent twice is recorded once; an entry
// the server refuses stays on the phone with the server's words, to correct or discard.
(function () {
  var form = document.querySelector("form[action$='/events'][enctype='multipart/form-data']");
  if (!form || !window.indexedDB) { return; }
  var vi = document.documentElement.lang !== "en";
  var T = vi ? {
    pending: "Chưa gửi", sendNow: "Gửi ngay", discard: "Bỏ mục này", edit: "Sửa lại",
    waiting: "Đang chờ mạng để gửi", refused: "Máy chủ không nhận:", signIn: "Hãy đăng nhập lại rồi bấm Gửi ngay.",
    saved: "Đã lưu trên điện thoại, sẽ gửi khi có mạng.", photo: "có ảnh", at: "lúc"
  } : {
    pending: "Not sent yet", sendNow: "Send now", discard: "Discard", edit: "Edit",
    waiting: "Waiting for the network", refused: "The server refused it:", signIn: "Sign in again, then tap Send now.",
    saved: "Saved on this phone; it will be sent when the network is back.", photo: "with a photo", at: "at"
  };
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // The time the work was done, taken on the phone, as the form writes it (Vietnam, UTC+7).
  function vietnamNow() { return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 16); }
  // "2026-12-06T05:56" as the pages write a time: "05:56, 06/12/2026" or "6 Dec 2026, 05:56".
  function written(v) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(v || "");
    if (!m) { return v || ""; }
    if (vi) { return m[4] + ", " + m[3] + "/" + m[2] + "/" + m[1]; }
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return Number(m[3]) + " " + months[Number(m[2]) - 1] + " " + m[1] + ", " + m[4];
  }
  function open() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open("ocop-diary", 1);
      r.onupgradeneeded = function () { r.result.createObjectStore("pending", { keyPath: "key" }); };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction("pending", mode);
        var out = work(t.objectStore("pending"));
        t.oncomplete = function () { resolve(out && out.result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function all() { return tx("readonly", function (s) { return s.getAll(); }).then(function (l) { return (l || []).filter(function (e) { return e.action === form.action; }); }); }
  function put(e) { return tx("readwrite", function (s) { s.put(e); }); }
  function drop(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  var box = document.createElement("section");
  box.className = "card";
  box.id = "pending";
  box.hidden = true;
  // Above the form: what waits on the phone is the first thing seen.
  var card = document.getElementById("add-event") || form;
  card.parentNode.insertBefore(box, card);

  // The heading, the button and the list are made once (a tap on "Send now" never lands on a
  // button the list's refresh replaced); show() refreshes their contents.
  var heading = document.createElement("h2");
  var sendNow = document.createElement("button");
  sendNow.type = "button";
  sendNow.textContent = T.sendNow;
  sendNow.addEventListener("click", function () { sync(true); });
  var ol = document.createElement("ol");
  ol.className = "timeline";
  box.appendChild(heading); box.appendChild(sendNow); box.appendChild(ol);

  function show() {
    return all().then(function (list) {
      box.hidden = list.length === 0;
      heading.textContent = T.pending + " (" + list.length + ")";
      ol.textContent = "";
      list.sort(function (a, b) { return a.savedAt - b.savedAt; }).forEach(function (e) {
        var li = document.createElement("li");
        li.className = "pending " + e.status;
        li.setAttribute("data-key", e.key);
        var head = document.createElement("strong");
        var radio = form.querySelector("input[name=kind][value='" + (e.kind || "") + "']");
        var label = radio && radio.parentNode ? radio.parentNode.textContent.trim() : e.label;
        head.textContent = label + " · " + written(e.when) + (e.photo ? " · " + T.photo : "");
        li.appendChild(head);
        if (e.description) { var p = document.createElement("p"); p.textContent = e.description; li.appendChild(p); }
        var state = document.createElement("p");
        state.className = e.status === "refused" ? "alert" : "muted";
        state.textContent = e.status === "refused" ? T.refused + " " + e.message : (e.message || T.waiting);
        li.appendChild(state);
        if (e.status === "refused") {
          var edit = document.createElement("button");
          edit.type = "button"; edit.className = "link"; edit.textContent = T.edit;
          edit.addEventListener("click", function () {
            e.fields.forEach(function (f) {
              var el = form.elements[f[0]];
              if (!el || f[0] === "csrf") { return; }
              if (el.length && el[0] && el[0].type === "radio") { Array.prototype.forEach.call(el, function (r) { r.checked = r.value === f[1]; }); }
              else if (el.type !== "file") { el.value = f[1]; }
            });
            drop(e.key).then(show);
            form.scrollIntoView();
          });
          var discard = document.createElement("button");
          discard.type = "button"; discard.className = "link"; discard.textContent = T.discard;
          discard.addEventListener("click", function () { drop(e.key).then(show); });
          li.appendChild(edit); li.appendChild(document.createTextNode(" · ")); li.appendChild(discard);
        }
        ol.appendChild(li);
      });
    });
  }

  function body(fields, photo) {
    var fd = new FormData();
    var csrf = form.elements.csrf ? form.elements.csrf.value : "";
    fields.forEach(function (f) { fd.append(f[0], f[0] === "csrf" ? csrf : f[1]); });
    if (photo) { fd.append("photo", photo, photo.name || "photo.jpg"); }
    fd.set("answer", "json");
    return fd;
  }
  function post(fields, photo) {
    return fetch(form.action, { method: "POST", body: body(fields, photo), credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.type === "opaqueredirect" || r.status === 401 || r.status === 403) { return { signIn: true }; }
        var type = r.headers.get("content-type") || "";
        if (type.indexOf("json") < 0) { return { other: r.status }; }
        return r.json().then(function (j) { return { ok: r.ok, json: j, status: r.status }; });
      });
  }

  // One send at a time; asked again meanwhile (a tap, the network back), it runs once more.
  var syncing = false, again = false;
  function sync(reload) {
    if (syncing) { again = true; return Promise.resolve(); }
    syncing = true;
    again = false;
    var sent = 0, to = null;
    return all().then(function (list) {
      return list.filter(function (e) { return e.status !== "refused"; }).reduce(function (chain, e) {
        return chain.then(function () {
          return post(e.fields, e.photo).then(function (r) {
            if (r.ok) { sent += 1; to = r.json.location; return drop(e.key); }
            if (r.signIn) { e.message = T.signIn; return put(e); }
            if (r.json) { e.status = "refused"; e.message = r.json.message || String(r.status); return put(e); }
            e.message = T.waiting + " (HTTP " + r.other + ")";
            return put(e);
          }, function () { /* still no network: it waits */ });
        });
      }, Promise.resolve());
    }).then(function () {
      syncing = false;
      // Sent: the diary as the server now has it, with its "saved" note.
      if (sent && reload !== false) { location.href = to || location.href; return; }
      return show().then(function () { if (again) { return sync(reload); } });
    }, function () { syncing = false; return show(); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var fd = new FormData(form);
    if (!fd.get("occurred_at")) { fd.set("occurred_at", vietnamNow()); }
    var photo = fd.get("photo");
    fd.delete("photo");
    if (!(photo && photo.size)) { photo = null; }
    var fields = [];
    fd.forEach(function (v, k) { if (typeof v === "string") { fields.push([k, v]); } });
    var checked = form.querySelector("input[name=kind]:checked");
    var label = checked && checked.parentNode ? checked.parentNode.textContent.trim() : "";
    var entry = {
      key: fd.get("idempotency_key") || newKey(), action: form.action, fields: fields, photo: photo,
      savedAt: Date.now(), when: fd.get("occurred_at"), label: label, kind: fd.get("kind") || "",
      description: fd.get("description") || "", status: "waiting", message: ""
    };
    post(fields, photo).then(function (r) {
      if (r.ok && r.json && r.json.location) { location.href = r.json.location; return; }
      if (r.signIn) { HTMLFormElement.prototype.submit.call(form); return; }
      // Refused: the server shows each mistake at its field (nothing was recorded).
      HTMLFormElement.prototype.submit.call(form);
    }, function () {
      // No network: kept on the phone, the form emptied for the next entry.
      put(entry).then(function () {
        form.reset();
        if (form.elements.idempotency_key) { form.elements.idempotency_key.value = newKey(); }
        return show();
      }).then(function () {
        var note = document.createElement("p");
        note.className = "muted";
        note.setAttribute("role", "status");
        note.textContent = T.saved;
        box.insertBefore(note, sendNow);
      });
    });
  });

  window.addEventListener("online", function () { sync(); });
  show().then(function () { if (navigator.onLine !== false) { sync(); } });
})();

// The installable app: a service worker keeps the pages opened recently for use offline.
if ("serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker.register("/console/sw.js", { scope: "/console/" }).catch(function () {});
}
