// Live countdowns: every <time data-countdown datetime="…"> is rewritten each 20 s with the
// same words and rounding as the server (breach/deadlines.format_remaining): time left is
// rounded down, time overdue up, so the page never shows more time than there is. Without
// JavaScript the server's text stays, true at the moment the page was made.
(function () {
  "use strict";
  var DAYS_FROM = 96 * 3600 * 1000; // from four days on, days and hours (as the server)
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function words(leftMs) {
    var late = leftMs < 0;
    var span = Math.abs(leftMs);
    var text;
    if (span >= DAYS_FROM) {
      var hoursTotal = late ? Math.ceil(span / 3600000) : Math.floor(span / 3600000);
      text = Math.floor(hoursTotal / 24) + " j " + (hoursTotal % 24) + " h";
    } else {
      var minutes = late ? Math.ceil(span / 60000) : Math.floor(span / 60000);
      var h = Math.floor(minutes / 60), m = minutes % 60;
      text = h ? h + " h " + pad(m) + " min" : m + " min";
    }
    return (late ? "dépassé de " : "reste ") + text;
  }
  function refresh() {
    var now = Date.now();
    var clocks = document.querySelectorAll("time[data-countdown]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) { continue; }
      var left = due - now;
      el.textContent = words(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("urgent", left >= 0 && left < 6 * 3600000);
      el.classList.toggle("soon", left >= 6 * 3600000 && left < 24 * 3600000);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    window.setInterval(refresh, 20000);
  });
})();
