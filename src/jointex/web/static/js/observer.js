/*
 * The observer's view: the scenario's objectives and their evaluation criteria, and a form per
 * criterion to record a timestamped note with an optional rating 1-5 (record_observation).
 */
(function () {
  "use strict";

  var J = window.JointEx;
  var el = J.dom.el;
  var api = J.api;
  var base = api.base();
  var built = false;

  function q(selector) {
    return document.querySelector(selector);
  }

  function loadExercise() {
    return api.get(base).then(function (data) {
      J.page.renderStrip(data, data.escalation_ladder || []);
    }, api.report);
  }

  function criterionForm(objective, criterion) {
    var key = criterion.id.replace(/[^A-Za-z0-9_-]/g, "_");
    var ratingId = "rating-" + key;
    var noteId = "note-" + key;
    var rating = el("select", { id: ratingId, name: "rating" }, [el("option", { value: "", text: "no rating" })].concat(
      [1, 2, 3, 4, 5].map(function (n) {
        return el("option", { value: n, text: n + " — " + ["poor", "weak", "adequate", "good", "excellent"][n - 1] });
      })
    ));
    var form = el("form", { className: "jx-form jx-form--inline", "data-criterion": criterion.id }, [
      el("label", { className: "jx-field", for: ratingId }, [el("span", { text: "Rating" }), rating]),
      el("label", { className: "jx-field jx-field--grow", for: noteId }, [el("span", { text: "Note" }), el("input", { id: noteId, name: "note", type: "text", autocomplete: "off" })]),
      el("button", { type: "submit", className: "jx-button", text: "Record" })
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var note = form.elements.note.value.trim();
      var value = form.elements.rating.value;
      if (!note && !value) {
        api.status("Write a note or choose a rating", "error");
        form.elements.note.focus();
        return;
      }
      var args = { objective: objective.id, criterion: criterion.id, note: note, rating: value ? Number(value) : null };
      api.command("record_observation", args, "Recorded for " + criterion.id).then(function () {
        form.reset();
        return loadObjectives();
      }, function () {});
    });
    return form;
  }

  function loadObjectives() {
    return api.get(base + "/objectives").then(function (data) {
      var objectives = data.objectives || [];
      var observations = data.observations || [];
      if (!built) {
        built = true;
        J.dom.replace(q("[data-objectives]"), objectives.map(function (o) {
          var section = el("article", { className: "jx-objective", "data-objective": o.id }, [
            el("h3", { text: o.id + " · " + o.title }),
            el("p", { className: "jx-item__meta", text: "cells " + (o.cells || []).join(", ") + (o.description ? " · " + o.description : "") })
          ]);
          var list = el("ol", { className: "jx-criteria" });
          (o.criteria || []).forEach(function (c) {
            list.appendChild(el("li", { className: "jx-criterion" }, [
              el("p", {}, [el("strong", { text: c.id + " " }), c.text]),
              el("p", { className: "jx-item__meta", text: "measure: " + c.measure + " · target: " + c.target }),
              el("p", { className: "jx-item__meta", "data-latest": c.id }),
              criterionForm(o, c)
            ]));
          });
          section.appendChild(list);
          return section;
        }), "No objectives in this scenario.");
      }
      J.page.setText('[data-count="observations"]', "(" + observations.length + ")");
      var latest = {};
      observations.forEach(function (ob) {
        latest[ob.criterion] = ob;
      });
      Object.keys(latest).forEach(function (id) {
        var ob = latest[id];
        var node = document.querySelector('[data-latest="' + id + '"]');
        if (node) node.textContent = "latest: " + (ob.rating ? ob.rating + "/5 " : "") + (ob.note || "") + " (" + ob.clock + ")";
      });
      J.dom.replace(q("[data-observations]"), observations.slice().reverse().map(function (ob) {
        return el("li", { className: "jx-event", "data-observation": ob.observation_id }, [
          el("span", { className: "jx-event__time", text: ob.clock }),
          ob.rating ? el("span", { className: "jx-rating jx-rating--" + ob.rating, text: ob.rating + "/5" }) : el("span", { className: "jx-tag", text: "note" }),
          " ",
          el("strong", { text: ob.criterion }),
          " " + (ob.note || ""),
          el("span", { className: "jx-event__meta", text: " · " + ob.observation_id + " · " + ob.cell })
        ]);
      }), "No notes yet.");
    }, api.report);
  }

  function refresh(channels) {
    var run = [];
    if (channels.indexOf("clock") !== -1 || channels.indexOf("world") !== -1) run.push(loadExercise());
    run.push(loadObjectives());
    return Promise.all(run);
  }

  function start() {
    J.live.connect({ path: J.dom.meta("jx-ws"), refresh: refresh, onState: J.page.liveState });
    refresh(["clock"]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
