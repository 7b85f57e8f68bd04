// Batch editing: the header checkbox ticks or clears every record of the list.
(function () {
  "use strict";
  var all = document.querySelector(".js-select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll(".js-pick").forEach(function (box) { box.checked = all.checked; });
  });
})();
