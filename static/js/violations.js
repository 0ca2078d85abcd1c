// Breach pages: choosing the body on the declaration page shows its activities at once
// (the form still has its button: without JavaScript, it is one click more).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-autosubmit]");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        var select = form.querySelector("select");
        if (!select) { return; }
        select.addEventListener("change", function () {
          if (select.value) { form.submit(); }
        });
      })(forms[i]);
    }
  });
})();
