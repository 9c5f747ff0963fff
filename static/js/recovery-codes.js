/* The recovery codes page: a "Print the codes" button. Without this file the page works as it
   is (the browser's own print, and the download button, which needs no script). No inline script. */
(function () {
  "use strict";

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
