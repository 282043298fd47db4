// The console's service worker: the console's pages opened recently, its stylesheet, script
// and icons are kept, so the diary form opens with no network. Pages are asked of the network
// first (what a person sees is current when there is signal) and the kept copy is shown when
// there is none. Writes are never touched here: an entry saved offline waits in IndexedDB
// (console.js) and is sent by the page.
"use strict";
var VERSION = "ocop-console-1";
var SHELL = ["/static/console.css", "/static/console.js", "/static/icon.svg", "/static/icon-192.png", "/console/offline"];
var KEEP_PAGES = 40;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(VERSION).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== VERSION; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// A page is kept under its path and language (`?saved=event` is the same page).
function pageKey(url) {
  var u = new URL(url);
  var lang = u.searchParams.get("lang");
  return u.origin + u.pathname + (lang ? "?lang=" + lang : "");
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    var pages = keys.filter(function (r) { return SHELL.indexOf(new URL(r.url).pathname) < 0; });
    return Promise.all(pages.slice(0, Math.max(0, pages.length - KEEP_PAGES)).map(function (r) { return cache.delete(r); }));
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    // The kept copy at once, refreshed from the network for next time (a new release's
    // stylesheet and script arrive on the following load).
    var fresh = fetch(req).then(function (res) {
      if (res.ok) { var copy = res.clone(); caches.open(VERSION).then(function (c) { c.put(url.pathname, copy); }); }
      return res;
    });
    e.waitUntil(fresh.catch(function () {}));
    e.respondWith(caches.match(url.pathname).then(function (hit) { return hit || fresh; }));
    return;
  }
  if (req.mode !== "navigate" || url.pathname.indexOf("/console") !== 0) { return; }
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok && res.type === "basic" && !res.redirected) {
      var copy = res.clone();
      caches.open(VERSION).then(function (c) { return c.put(pageKey(req.url), copy).then(function () { return trim(c); }); });
    }
    return res;
  }, function () {
    return caches.match(pageKey(req.url)).then(function (hit) {
      return hit || caches.match("/console/offline");
    });
  }));
});
