// qportal: file inputs made by photo_upload (templates/core/attachments/_macros.html) warn
// about a file over the size limit as soon as it is chosen, before anything is sent. The
// server checks size and type again; this only saves a long wait for a refusal.
(function () {
  "use strict";

  function check(input) {
    var maxBytes = Number(input.dataset.maxBytes || 0);
    var maxTotal = Number(input.dataset.maxTotal || 0);
    var message = "";
    var total = 0;
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      total += file.size;
      if (maxBytes && file.size > maxBytes && !message) {
        message = (input.dataset.tooLarge || "").replace("{name}", file.name);
      }
    }
    if (!message && maxTotal && total > maxTotal) message = input.dataset.tooMuch || "";
    input.setCustomValidity(message);
    input.classList.toggle("is-invalid", !!message);
    var field = input.parentElement;
    var hint = field && field.querySelector("[data-upload-hint]");
    if (hint) {
      hint.textContent = message;
      hint.hidden = !message;
    }
    return !message;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) check(input);
  });

  // htmx sends a form even when an input is invalid unless told otherwise: stop it here.
  document.addEventListener(
    "submit",
    function (event) {
      var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
      for (var i = 0; i < inputs.length; i++) {
        if (!check(inputs[i])) {
          event.preventDefault();
          event.stopPropagation();
          return;
        }
      }
    },
    true
  );
})();
