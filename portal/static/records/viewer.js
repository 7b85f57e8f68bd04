// Page viewer: zoom and keyboard shortcuts on top of plain links (works without this file).
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  if (!viewer) { return; }
  var page = viewer.querySelector(".viewer-page");
  var image = viewer.querySelector(".viewer-image");
  var zoomBar = viewer.querySelector(".viewer-zoom");
  var level = viewer.querySelector(".viewer-zoom-level");
  var zoom = 1;
  var STEPS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];

  function apply() {
    if (!page) { return; }
    // Width in percent of the stage: the SVG hit boxes share the box and scale with it.
    page.style.width = Math.round(zoom * 100) + "%";
    if (level) { level.textContent = Math.round(zoom * 100) + "%"; }
  }

  function step(direction) {
    var i = STEPS.indexOf(zoom);
    if (i < 0) { i = STEPS.indexOf(1); }
    i = Math.min(STEPS.length - 1, Math.max(0, i + direction));
    zoom = STEPS[i];
    apply();
  }

  if (zoomBar && image) {
    zoomBar.hidden = false;
    zoomBar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) { return; }
      var what = button.getAttribute("data-zoom");
      if (what === "in") { step(1); } else if (what === "out") { step(-1); } else { zoom = 1; apply(); }
    });
  }

  function follow(selector) {
    var link = viewer.querySelector("a" + selector);
    if (link) { window.location.assign(link.href); }
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) { return; }
    switch (event.key) {
      case "ArrowLeft": follow(".viewer-prev"); break;
      case "ArrowRight": follow(".viewer-next"); break;
      case "+": case "=": step(1); break;
      case "-": step(-1); break;
      case "0": zoom = 1; apply(); break;
      case "g": {
        var jump = document.getElementById("jump-page");
        if (jump) { event.preventDefault(); jump.focus(); jump.select(); }
        break;
      }
      default: return;
    }
  });

  // Bring the first hit into view when the page opens from a search.
  var first = viewer.querySelector(".hit-box");
  if (first && image) {
    var scroll = function () { first.scrollIntoView({block: "center", inline: "nearest"}); };
    if (image.complete) { scroll(); } else { image.addEventListener("load", scroll); }
  }
  apply();
})();
