// ocop-trace scan page: checks the stamp's proof bundle in the browser, with WebCrypto only.
//
// 1. The stamp's hash is recomputed from the serial in the page's own address:
//    SHA-256(prev_hash ‖ serial ‖ batch id ‖ index, 8 bytes big-endian).
// 2. Its leaf, SHA-256(0x00 ‖ hash), leads along the run path to the run's Merkle root.
// 3. The run's ledger entry payload names that root; its leaf leads along the entry path to
//    the root of the signed checkpoint (RFC 9162 inclusion proofs).
// 4. The checkpoint (a C2SP signed note) is signed with Ed25519 by the pinned log key. The
//    key is pinned on first use in localStorage; so is the last checkpoint, and the next scan
//    asks for a consistency proof from it (RFC 9162), so the log cannot be rewritten unseen.
// 5. With witnesses (C2SP tlog-witness), the checkpoint must carry valid cosignatures
//    (Ed25519 cosignature/v1) of at least `quorum` of them; the witnesses and the quorum are
//    remembered like the key, and may grow but not be dropped or lowered.
// Green when all holds; amber when intact but short of the witness quorum; red when anything
// fails (a listed witness's cosignature that does not verify, too); grey when the browser
// lacks Ed25519.
"use strict";
(function () {
  var panel = document.getElementById("verify");
  if (!panel) return;
  var text = document.getElementById("verify-text");
  var STORE = "ocop-trace:log";

  function show(state, detail, extra) {
    panel.setAttribute("data-state", state);
    text.textContent = panel.getAttribute("data-" + state) + (detail ? " (" + detail + ")" : "") + (extra ? " " + extra : "");
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function fail(why) {
    var e = new Error(why);
    e.check = true;
    throw e;
  }

  function hex(s) {
    if (!/^([0-9a-f]{2})*$/.test(s)) fail("hex");
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function toHex(b) {
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
  }
  function b64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function utf8(s) { return new TextEncoder().encode(s); }
  function concat(parts) {
    var n = 0, i;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n), at = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  async function sha(parts) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(parts)));
  }
  var LEAF = new Uint8Array([0]), NODE = new Uint8Array([1]);
  function leaf(data) { return sha([LEAF, data]); }
  function node(l, r) { return sha([NODE, l, r]); }

  // RFC 9162 §2.1.3.2: the root that `path` gives for leaf `index` of a tree of `size`.
  async function rootFromInclusion(index, size, leafHash, path) {
    if (index >= size) fail("index");
    var fn = index, sn = size - 1, r = leafHash;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (sn === 0) fail("path too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("path too short");
    return r;
  }

  // RFC 9162 §2.1.4.2: is (first, firstRoot) a prefix of (second, secondRoot)?
  async function consistent(first, firstRoot, second, secondRoot, proof) {
    if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
    if (first > second || first < 1) return false;
    var path = proof.slice();
    if ((first & (first - 1)) === 0) path.unshift(firstRoot);
    if (path.length === 0) return false;
    var fn = first - 1, sn = second - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    var fr = path[0], sr = path[0];
    for (var i = 1; i < path.length; i++) {
      var c = path[i];
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = await node(c, fr); sr = await node(c, sr);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        sr = await node(sr, c);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
  }

  // A C2SP verifier key `name+hexid+base64(0x01 ‖ key)`.
  // A C2SP verifier key `name+id+base64(type ‖ key)`: 1 for a log's Ed25519 key, 4 for a
  // witness's cosignature/v1 key.
  function parseKey(vkey, type) {
    // The base64 part may itself contain "+": split at the first two only.
    var m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey);
    if (!m) fail("key");
    var raw = b64(m[3]);
    if (raw.length !== 33 || raw[0] !== type) fail("key type");
    return { name: m[1], id: hex(m[2]), key: raw.slice(1) };
  }

  // A C2SP signed note: text, a blank line, `— name base64(id ‖ signature)` lines.
  function splitNote(note) {
    var split = note.lastIndexOf("\n\n");
    if (split < 0) fail("note");
    return { body: note.slice(0, split + 1), sigs: note.slice(split + 2).split("\n") };
  }

  async function checkNote(note, key) {
    var parts = splitNote(note), body = parts.body, sigs = parts.sigs;
    var cryptoKey;
    try {
      cryptoKey = await crypto.subtle.importKey("raw", key.key, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      var u = new Error("unsupported");
      u.unsupported = true;
      throw u;
    }
    for (var i = 0; i < sigs.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(sigs[i]);
      if (!m || m[1] !== key.name) continue;
      var raw = b64(m[2]);
      if (raw.length !== 68 || !equal(raw.slice(0, 4), key.id)) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, raw.slice(4), utf8(body))) {
        var lines = body.split("\n");
        return { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) };
      }
    }
    fail("signature");
  }

  // Cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1) in the note by the listed
  // witnesses: the names of those that verify; a listed witness's line that does not verify
  // fails the check.
  async function cosigners(note, vkeys) {
    var parts = splitNote(note), body = parts.body, sigs = parts.sigs;
    var names = [];
    for (var w = 0; w < vkeys.length; w++) {
      var witness = parseKey(vkeys[w], 4);
      var key = await crypto.subtle.importKey("raw", witness.key, { name: "Ed25519" }, false, ["verify"]);
      for (var i = 0; i < sigs.length; i++) {
        var s = /^\u2014 (\S+) (\S+)$/.exec(sigs[i]);
        if (!s || s[1] !== witness.name) continue;
        var sig = b64(s[2]);
        if (sig.length !== 76 || !equal(sig.slice(0, 4), witness.id)) continue;
        var time = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0);
        var msg = concat([utf8("cosignature/v1\ntime " + time.toString() + "\n"), utf8(body)]);
        if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(12), msg))) fail("witness " + witness.name);
        names.push(witness.name);
        break;
      }
    }
    return names;
  }

  function serialFromAddress() {
    var segs = location.pathname.replace(/\/+$/, "").split("/");
    return decodeURIComponent(segs[segs.length - 1]).toUpperCase();
  }

  async function check() {
    if (!window.crypto || !crypto.subtle || !window.TextEncoder) return show("unsupported");
    var res = await fetch(panel.getAttribute("data-proof"), { headers: { accept: "application/json" } });
    if (!res.ok) fail("proof " + res.status);
    var b = await res.json();
    var serial = serialFromAddress();
    if (b.serial !== serial) fail("serial");

    // 1. The stamp, from the serial in the address.
    var index = new Uint8Array(8);
    new DataView(index.buffer).setBigUint64(0, BigInt(b.index_in_batch));
    var batch = hex(b.batch_id.replace(/-/g, ""));
    var stampHash = await sha([hex(b.prev_hash), utf8(serial), batch, index]);
    if (!equal(stampHash, hex(b.hash))) fail("stamp hash");

    // 2. The stamp in its run.
    var runRoot = await rootFromInclusion(b.run.leaf_index, b.run.count, await leaf(stampHash), b.run.path.map(hex));
    if (!equal(runRoot, hex(b.run.root))) fail("run root");

    // 3. The run in the log.
    var payload = JSON.parse(b.entry.payload);
    if (payload.root !== toHex(runRoot) || payload.id !== b.run.id) fail("run entry");
    // The leaf hashes the entry's public form, which names the payload by its SHA-256 (or,
    // for a run logged before the public form, the payload itself).
    var leafData = b.entry.payload;
    if (b.entry.public_form != null) {
      var form = JSON.parse(b.entry.public_form);
      if (form.kind !== "stamp_runs.created" || form.payload_sha256 !== toHex(await sha([utf8(b.entry.payload)]))) fail("run entry form");
      leafData = b.entry.public_form;
    }
    var logRoot = await rootFromInclusion(b.entry.index, b.entry.tree_size, await leaf(utf8(leafData)), b.entry.path.map(hex));

    // 4. The checkpoint, signed by the pinned key.
    var pinned = panel.getAttribute("data-key");
    var memory = null;
    try { memory = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { memory = null; }
    if (memory && memory.key && memory.key !== pinned) fail("the log key changed");
    var cp = await checkNote(b.checkpoint, parseKey(pinned, 1));
    if (cp.size !== b.entry.tree_size || !equal(cp.root, logRoot)) fail("checkpoint");

    // 5. The log only grew since this browser last looked.
    if (memory && memory.size) {
      var oldRoot = hex(memory.root);
      if (memory.size === cp.size) {
        if (!equal(oldRoot, cp.root)) fail("fork");
      } else if (memory.size < cp.size) {
        var r = await fetch("/api/v1/log/proof/consistency?first=" + memory.size + "&second=" + cp.size);
        if (!r.ok) fail("consistency " + r.status);
        var c = await r.json();
        if (!(await consistent(memory.size, oldRoot, cp.size, cp.root, c.proof.map(hex)))) fail("consistency");
      }
    }
    // 6. The witnesses: k of n cosigned this checkpoint.
    var policy = b.witnesses || { quorum: 0, keys: [] };
    var remembered = (memory && memory.witnesses) || { quorum: 0, keys: [] };
    for (var i = 0; i < remembered.keys.length; i++) {
      if (policy.keys.indexOf(remembered.keys[i]) < 0) fail("a witness was dropped");
    }
    if (policy.quorum < remembered.quorum) fail("the witness quorum was lowered");
    var names = policy.keys.length ? await cosigners(b.checkpoint, policy.keys) : [];
    if (!memory || !memory.size || memory.size <= cp.size) {
      try { localStorage.setItem(STORE, JSON.stringify({ key: pinned, size: cp.size, root: toHex(cp.root), witnesses: policy })); } catch (e) { /* private mode */ }
    }
    if (names.length < policy.quorum) {
      show("unconfirmed", null);
      text.textContent = fill(panel.getAttribute("data-unconfirmed"), { n: names.length, k: policy.quorum });
      return;
    }
    show("ok", null, names.length ? fill(panel.getAttribute("data-witnessed"), { n: names.length, names: names.join(", ") }) : "");
  }

  check().catch(function (e) {
    if (e && e.unsupported) show("unsupported");
    else show("fail", e && e.message);
  });
})();
