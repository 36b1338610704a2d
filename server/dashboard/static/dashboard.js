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
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  function ready() {
    document.querySelectorAll("select[data-detect-zone]").forEach(function (select) {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    });
    document.querySelectorAll("[data-preview]").forEach(function (field) {
      var target = document.querySelector(field.getAttribute("data-preview"));
      if (!target) return;
      field.addEventListener("input", function () {
        target.textContent = field.value || "No privacy text yet.";
      });
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
