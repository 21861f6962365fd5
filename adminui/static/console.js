// Progressive enhancement only: the console works without this file.
// A section's "Select all" box ticks and unticks the section's boxes, as in
// One IYSS. The server reads the "select all" box itself, so nothing here
// is needed for the change to be right.
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var key = all.getAttribute("data-select-all");
    var boxes = document.querySelectorAll('input[name="grant"][data-section="' + key + '"]');
    all.addEventListener("change", function () {
      boxes.forEach(function (b) {
        if (!b.closest("tr").classList.contains("deprecated")) { b.checked = all.checked; }
      });
    });
    boxes.forEach(function (b) {
      b.addEventListener("change", function () { if (!b.checked) { all.checked = false; } });
    });
  });
})();
