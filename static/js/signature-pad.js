// qportal: the signature pad (templates/core/attachments/_macros.html, signature_pad).
// Pointer Events draw the same way with a mouse, a finger or a pen (a pen's pressure widens
// the line). The drawing is kept as a PNG data URL in the pad's hidden input, empty while
// nothing is drawn. Pads arriving in htmx swaps are set up on htmx:load.
(function () {
  "use strict";

  var INK = "#0b2a63";
  var LINE = 2.4; // CSS px
  var MAX_SIZE = [4096, 2048]; // device px the server accepts

  function Pad(root) {
    this.root = root;
    this.canvas = root.querySelector("canvas");
    this.input = root.querySelector("[data-signature-input]");
    this.ctx = this.canvas.getContext("2d");
    // each stroke: its points in CSS px and the pad's size when drawn; a resize redraws the
    // strokes scaled evenly into the new size, so the signature keeps its shape
    this.strokes = [];
    this.pointer = null;
    this.background = null; // a drawing put back by the server after a refused form
    this.cssSize = [0, 0];
    this.bind();
    if (this.input.value.indexOf("data:image/png;base64,") === 0) {
      var img = new Image();
      var pad = this;
      img.onload = function () {
        pad.background = img;
        pad.redraw();
        pad.root.classList.add("is-signed");
      };
      img.src = this.input.value;
    }
    this.resize();
  }

  Pad.prototype.resize = function () {
    var rect = this.canvas.getBoundingClientRect();
    if (!rect.width || !rect.height) return; // hidden for now: the observer calls again
    var ratio = Math.min(window.devicePixelRatio || 1, MAX_SIZE[0] / rect.width, MAX_SIZE[1] / rect.height);
    this.cssSize = [rect.width, rect.height];
    this.canvas.width = Math.round(rect.width * ratio);
    this.canvas.height = Math.round(rect.height * ratio);
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.redraw();
  };

  Pad.prototype.redraw = function () {
    var ctx = this.ctx;
    var w = this.cssSize[0];
    var h = this.cssSize[1];
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    if (this.background) {
      var scale = Math.min(w / this.background.width, h / this.background.height);
      var bw = this.background.width * scale;
      var bh = this.background.height * scale;
      ctx.drawImage(this.background, (w - bw) / 2, (h - bh) / 2, bw, bh);
    }
    for (var i = 0; i < this.strokes.length; i++) this.drawStroke(this.strokes[i]);
  };

  // scale and offset that fit a stroke drawn at `size` into the pad as it is now
  Pad.prototype.fit = function (size) {
    var scale = Math.min(this.cssSize[0] / size[0], this.cssSize[1] / size[1]);
    return {
      scale: scale,
      dx: (this.cssSize[0] - size[0] * scale) / 2,
      dy: (this.cssSize[1] - size[1] * scale) / 2,
    };
  };

  Pad.prototype.drawStroke = function (stroke) {
    var fit = this.fit(stroke.size);
    if (stroke.points.length === 1) {
      this.dot(stroke.points[0], fit);
      return;
    }
    for (var i = 1; i < stroke.points.length; i++) this.segment(stroke.points[i - 1], stroke.points[i], fit);
  };

  Pad.prototype.dot = function (p, fit) {
    var ctx = this.ctx;
    ctx.fillStyle = INK;
    ctx.beginPath();
    ctx.arc(fit.dx + p.x * fit.scale, fit.dy + p.y * fit.scale, (p.w * fit.scale) / 2, 0, Math.PI * 2);
    ctx.fill();
  };

  Pad.prototype.segment = function (a, b, fit) {
    var ctx = this.ctx;
    ctx.strokeStyle = INK;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = ((a.w + b.w) / 2) * fit.scale;
    ctx.beginPath();
    ctx.moveTo(fit.dx + a.x * fit.scale, fit.dy + a.y * fit.scale);
    ctx.lineTo(fit.dx + b.x * fit.scale, fit.dy + b.y * fit.scale);
    ctx.stroke();
  };

  Pad.prototype.point = function (event) {
    var rect = this.canvas.getBoundingClientRect();
    var width = LINE;
    if (event.pointerType === "pen" && event.pressure > 0) width = LINE * (0.4 + 1.2 * event.pressure);
    return {
      x: Math.min(Math.max(event.clientX - rect.left, 0), rect.width),
      y: Math.min(Math.max(event.clientY - rect.top, 0), rect.height),
      w: width,
    };
  };

  Pad.prototype.bind = function () {
    var pad = this;
    var canvas = this.canvas;

    canvas.addEventListener("pointerdown", function (event) {
      if (pad.pointer !== null) return; // one stroke at a time (a second finger is ignored)
      if (event.pointerType === "mouse" && event.button !== 0) return;
      event.preventDefault();
      if (!pad.cssSize[0]) pad.resize();
      try {
        canvas.setPointerCapture(event.pointerId);
      } catch (e) {
        /* a synthetic pointer cannot be captured: drawing works without */
      }
      pad.pointer = event.pointerId;
      var stroke = { size: pad.cssSize.slice(), points: [pad.point(event)] };
      pad.strokes.push(stroke);
      pad.dot(stroke.points[0], pad.fit(stroke.size));
    });

    canvas.addEventListener("pointermove", function (event) {
      if (event.pointerId !== pad.pointer) return;
      event.preventDefault();
      var stroke = pad.strokes[pad.strokes.length - 1];
      var fit = pad.fit(stroke.size);
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) events = [event];
      for (var i = 0; i < events.length; i++) {
        var p = pad.point(events[i]);
        pad.segment(stroke.points[stroke.points.length - 1], p, fit);
        stroke.points.push(p);
      }
    });

    function end(event) {
      if (event.pointerId !== pad.pointer) return;
      pad.pointer = null;
      pad.commit();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    var clear = this.root.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        pad.strokes = [];
        pad.background = null;
        pad.redraw();
        pad.commit();
      });
    }

    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var rect = canvas.getBoundingClientRect();
        if (rect.width !== pad.cssSize[0] || rect.height !== pad.cssSize[1]) pad.resize();
      }).observe(canvas);
    } else {
      window.addEventListener("resize", function () {
        pad.resize();
      });
    }
  };

  Pad.prototype.isEmpty = function () {
    return !this.strokes.length && !this.background;
  };

  Pad.prototype.commit = function () {
    this.input.value = this.isEmpty() ? "" : this.canvas.toDataURL("image/png");
    this.root.classList.toggle("is-signed", !this.isEmpty());
    if (!this.isEmpty()) showHint(this.root, "");
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  function showHint(root, message) {
    var field = root.parentElement;
    var hint = field && field.querySelector("[data-signature-hint]");
    if (!hint) return;
    hint.textContent = message;
    hint.hidden = !message;
  }

  function init(scope) {
    if (!scope || !scope.querySelectorAll) return;
    var roots = Array.prototype.slice.call(scope.querySelectorAll("[data-signature-pad]"));
    if (scope.matches && scope.matches("[data-signature-pad]")) roots.push(scope);
    roots.forEach(function (root) {
      if (!root.signaturePad) root.signaturePad = new Pad(root);
    });
  }

  // A required pad left empty: say so beside it instead of sending the form (the server
  // refuses a blank signature anyway). Capturing on the document runs before htmx's handler.
  document.addEventListener(
    "submit",
    function (event) {
      var inputs = event.target.querySelectorAll("[data-signature-input][data-required]");
      for (var i = 0; i < inputs.length; i++) {
        if (!inputs[i].value) {
          var root = inputs[i].closest("[data-signature-pad]");
          event.preventDefault();
          event.stopPropagation();
          showHint(root, root.dataset.emptyMessage || "");
          return;
        }
      }
    },
    true
  );

  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
  window.qportalSignaturePads = { init: init };
})();
