// qportal: htmx wiring shared by every page.
(function () {
  "use strict";
  // A 422 answer carries the form with its errors: swap it in place like a success.
  // Error fragments (403, 404, 409, 500 …) name their own target with HX-Retarget.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Network failure: say so instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var area = document.getElementById("flash-area");
    if (area) {
      var div = document.createElement("div");
      div.className = "alert alert-danger";
      div.setAttribute("role", "alert");
      div.textContent = area.dataset.offline || "The portal cannot be reached.";
      area.prepend(div);
    }
  });
})();
