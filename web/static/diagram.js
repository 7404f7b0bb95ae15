/* Zoom and pan for the case diagram (web/templates/_diagram.html).
 *
 * The SVG is drawn at its natural size in a scrolling box, so its 11 px labels stay
 * readable on a tablet; this script adds the zoom buttons and the keyboard: + and - zoom
 * around the centre of the view, 0 returns to the actual size, the arrow keys pan. It is
 * served from /static because the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";
  var view = document.getElementById("diagram-view");
  var tools = document.querySelector("[data-diagram-tools]");
  var svg = view ? view.querySelector("svg.bpmn") : null;
  if (!view || !tools || !svg) {
    return;
  }
  var width = parseFloat(svg.getAttribute("width"));
  var height = parseFloat(svg.getAttribute("height"));
  var level = tools.querySelector("[data-zoom-level]");
  var MIN = 0.6;
  var MAX = 3;
  var STEP = 1.25;
  var PAN = 60;
  var zoom = 1;

  function show(next) {
    var centreX = (view.scrollLeft + view.clientWidth / 2) / zoom;
    var centreY = (view.scrollTop + view.clientHeight / 2) / zoom;
    zoom = Math.min(MAX, Math.max(MIN, next));
    svg.setAttribute("width", String(Math.round(width * zoom)));
    svg.setAttribute("height", String(Math.round(height * zoom)));
    view.scrollLeft = centreX * zoom - view.clientWidth / 2;
    view.scrollTop = centreY * zoom - view.clientHeight / 2;
    view.setAttribute("data-zoom", String(zoom));
    if (level) {
      level.textContent = Math.round(zoom * 100) + " %";
    }
  }

  function act(what) {
    if (what === "in") {
      show(zoom * STEP);
    } else if (what === "out") {
      show(zoom / STEP);
    } else if (what === "reset") {
      show(1);
    }
  }

  tools.hidden = false;
  tools.addEventListener("click", function (event) {
    var button = event.target.closest("[data-zoom]");
    if (button) {
      act(button.getAttribute("data-zoom"));
    }
  });
  view.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var keys = {
      "+": function () { act("in"); },
      "=": function () { act("in"); },
      "-": function () { act("out"); },
      "0": function () { act("reset"); },
      "ArrowLeft": function () { view.scrollLeft -= PAN; },
      "ArrowRight": function () { view.scrollLeft += PAN; },
      "ArrowUp": function () { view.scrollTop -= PAN; },
      "ArrowDown": function () { view.scrollTop += PAN; }
    };
    var handler = keys[event.key];
    if (handler) {
      handler();
      event.preventDefault();
    }
  });
  show(1);
}());
