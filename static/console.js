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
