/* The list of exercises the user has a seat in (GET /api/exercises), each opening its seat's page. */
(function () {
  "use strict";

  var J = window.JointEx;
  var el = J.dom.el;

  function start() {
    J.api.get("/api/exercises").then(function (items) {
      var rows = J.dom.list(items).map(function (x) {
        var seat = x.seat || {};
        return el("tr", { "data-exercise": x.id }, [
          el("th", { scope: "row", text: x.name || x.id }),
          el("td", { text: x.scenario_title || x.scenario }),
          el("td", { text: x.status }),
          el("td", { className: "jx-mono", text: x.clock }),
          el("td", {}, [el("a", { href: "/exercises/" + encodeURIComponent(x.id), text: "Open as " + (seat.cell || "member") })])
        ]);
      });
      var body = document.querySelector("[data-exercise-list] tbody");
      J.dom.replace(body, rows);
      if (!rows.length) body.appendChild(el("tr", {}, [el("td", { colspan: 5, text: "You have no seat in any exercise yet." })]));
    }, function (error) {
      if (error.status === 401) {
        location.assign(J.api.loginUrl());
        return;
      }
      J.api.report(error, "Listing exercises");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
