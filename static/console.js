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

