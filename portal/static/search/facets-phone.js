// On a phone the facets start folded under one "Filter" summary, so the results come first;
// on wider screens (and without scripts) they stay open and the summary is hidden by CSS.
(function () {
  "use strict";
  var panel = document.querySelector("details.facets-panel");
  if (panel && window.matchMedia("(max-width: 40rem)").matches) {
    panel.removeAttribute("open");
  }
})();
