// Search page: apply the sort as soon as it changes (the button remains for use without JS).
(function () {
  "use strict";
  var select = document.getElementById("sort");
  if (select) {
    var button = select.form && select.form.querySelector(".sort-apply");
    if (button) { button.hidden = true; }
    select.addEventListener("change", function () { select.form.submit(); });
  }
  // "/" focuses the query box, as in many catalogues.
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key === "/" && !(t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"))) {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });
})();
