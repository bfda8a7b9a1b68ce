// The settings page's only script (docs/settings-page.md): optional; the
// page works without it. After Save or a test message, the report takes the
// keyboard focus, so a screen reader reads the outcome first.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var report = document.getElementById("report");
  if (report) report.focus();
});
