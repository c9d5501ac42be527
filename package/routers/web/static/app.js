// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Register: say what is happening while the registry reads the source (a few seconds upstream).
  var form = document.querySelector("form[data-progress=register]");
  if (form) {
    form.addEventListener("submit", function () {
      var note = document.getElementById("register-progress");
      var button = document.getElementById("register-submit");
      if (note) { note.textContent = "Reading the source's metadata and files…"; }
      if (button) { button.setAttribute("aria-disabled", "true"); button.classList.add("busy"); }
    });
  }

  // Reset: the button stays inert until the confirmation phrase is typed exactly.
  var confirmation = document.getElementById("confirmation");
  var reset = document.getElementById("reset-submit");
  if (confirmation && reset) {
    var sync = function () {
      var ok = confirmation.value.trim() === confirmation.getAttribute("data-confirm");
      reset.setAttribute("aria-disabled", ok ? "false" : "true");
    };
    confirmation.addEventListener("input", sync);
    sync();
    reset.form.addEventListener("submit", function (event) {
      if (reset.getAttribute("aria-disabled") === "true") { event.preventDefault(); confirmation.focus(); }
    });
  }

  // Artifact page: follow the background copy until it is done.
  var mirror = document.getElementById("mirror");
  if (mirror && window.fetch) {
    var active = function (status) { return status === "pending" || status === "mirroring"; };
    var poll = function () {
      fetch(mirror.getAttribute("data-progress-url"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) { return; }
          mirror.querySelector(".mirror-status").textContent = state.status;
          var bar = document.getElementById("mirror-progress");
          if (bar) { bar.value = state.bytes_done; }
          var detail = mirror.querySelector(".mirror-detail");
          if (detail) { detail.textContent = state.files_done + " of " + state.files_total + " files"; }
          if (active(state.status)) { window.setTimeout(poll, 1500); }
        })
        .catch(function () { /* the page still shows the last known state */ });
    };
    if (active(mirror.getAttribute("data-status"))) { window.setTimeout(poll, 1000); }
  }
})();
