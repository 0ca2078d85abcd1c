// Activity form: once a body is chosen, show only its conventions (the server shows every
// body's when none is chosen). A group holding a ticked box stays visible. Without this
// script every group stays on the page and the server checks the choice.
(function () {
  "use strict";
  var body = document.getElementById("f-controller_id");
  var conventions = document.getElementById("f-convention_ids");
  if (!body || !conventions) { return; }
  var groups = conventions.querySelectorAll("fieldset[data-body]");
  function update() {
    groups.forEach(function (group) {
      var ticked = group.querySelector("input:checked") !== null;
      var mine = !body.value || group.getAttribute("data-body") === body.value ||
        group.getAttribute("data-body") === "autres";
      group.hidden = !(mine || ticked);
    });
  }
  body.addEventListener("change", update);
  update();
})();
