/* Rendezvous dashboard: small enhancements only. Every form works without this file. */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (!source) return;
      var label = copy.textContent;
      copyText(source.value || source.textContent).then(function () {
        copy.textContent = "Copied!";
        copy.classList.add("copied");
        setTimeout(function () { copy.textContent = label; copy.classList.remove("copied"); }, 2000);
      }, function () {
        source.select && source.select();
      });
      return;
    }
    var opener = event.target.closest("[data-dialog]");
    if (opener) {
      var dialog = document.querySelector(opener.getAttribute("data-dialog"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("dialog [data-close]");
    if (closer) {
      closer.closest("dialog").close();
      return;
    }
    // A button that posts back to a section of the page (formaction="…#day-mon") brings the
    // browser back to that section; remember where it was on the screen, to put it back there.
    var keeper = event.target.closest("button[formaction*='#']");
    if (keeper && window.sessionStorage) {
      var hash = keeper.getAttribute("formaction").split("#")[1];
      var section = document.getElementById(hash);
      if (section) {
        sessionStorage.setItem("rdv-place", JSON.stringify(
          { hash: hash, top: section.getBoundingClientRect().top }));
      }
    }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  function keepPlace() {
    // the field a button just added (a page with a #section ignores autofocus)
    var added = document.querySelector("[data-focus]");
    if (added) added.focus({ preventScroll: true });
    var saved = window.sessionStorage && sessionStorage.getItem("rdv-place");
    if (!saved) return;
    sessionStorage.removeItem("rdv-place");
    var place = JSON.parse(saved);
    var section = place.hash && location.hash === "#" + place.hash && document.getElementById(place.hash);
    if (!section) return;
    var top = Math.max(0, Math.min(place.top, window.innerHeight - section.offsetHeight));
    window.scrollBy(0, section.getBoundingClientRect().top - top);
  }

  // after the browser's own jump to the #section (and to an autofocused field)
  window.addEventListener("load", function () { requestAnimationFrame(keepPlace); });

  function ready() {
    document.querySelectorAll("select[data-detect-zone]").forEach(function (select) {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    });
    document.querySelectorAll("[data-preview]").forEach(function (field) {
      var target = document.querySelector(field.getAttribute("data-preview"));
      if (!target) return;
      var url = field.getAttribute("data-preview-url");
      var token = field.form && field.form.querySelector('input[name="csrf_token"]');
      var timer = null;
      field.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          // the server renders the notice's Markdown (escaped), as visitors will see it
          if (!field.value.trim() || !url || !token || !window.fetch) {
            target.textContent = field.value || "No privacy text yet.";
            return;
          }
          var body = new URLSearchParams({ text: field.value, csrf_token: token.value });
          fetch(url, { method: "POST", body: body, credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
            .then(function (html) { target.innerHTML = html; },
                  function () { target.textContent = field.value; });
        }, 200);
      });
    });
    // a switch that greys out the settings it doesn't put in force (GDPR: "Customise")
    document.querySelectorAll("input[data-enables]").forEach(function (box) {
      var target = document.querySelector(box.getAttribute("data-enables"));
      if (!target) return;
      var sync = function () { target.disabled = !box.checked; };
      box.addEventListener("change", sync);
      sync();
    });
    document.querySelectorAll("[data-mirror]").forEach(function (field) {
      var target = document.querySelector(field.getAttribute("data-mirror"));
      if (!target) return;
      field.addEventListener("input", function () { target.textContent = field.value; });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
