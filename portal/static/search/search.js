// Search page: apply the sort and the page size as soon as they change (the button remains for use without JS).
(function () {
  "use strict";
  ["sort", "limit"].forEach(function (id) {
    var select = document.getElementById(id);
    if (!select) { return; }
    var button = select.form && select.form.querySelector(".sort-apply");
    if (button) { button.hidden = true; }
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // "/" focuses the query box, as in many catalogues.
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key === "/" && !(t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"))) {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });
})();
