// Print buttons (class "print-button"): the page's print stylesheet does the rest. Inline handlers are barred by the CSP.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".print-button");
    if (button) { window.print(); }
  });
})();
