/*
 * The white-cell console: clock control, MSEL timeline, ad hoc injects, the adjudication queue
 * with outcome charts, cell actions as they arrive, RFIs, world state and the escalation ladder.
 * Every view is read from the JSON API and read again when the websocket names its channel.
 */
(function () {
  "use strict";

  var J = window.JointEx;
  var el = J.dom.el;
  var pick = J.dom.pick;
  var api = J.api;
  var base = api.base();
  var exercise = null;
  var ladder = [];
  var cells = [];

  function q(selector) {
    return document.querySelector(selector);
  }

  function count(name, value) {
    J.page.setText('[data-count="' + name + '"]', value === "" ? "" : "(" + value + ")");
  }

  /* --- exercise, clock, world, ladder ---------------------------------------------------- */

  function loadExercise() {
    return api.get(base).then(function (data) {
      exercise = data;
      ladder = data.escalation_ladder || [];
      J.page.renderStrip(data, ladder);
      renderLadder(data.escalation);
      renderWorld(data.world || {});
      if (!cells.length && data.cells) {
        cells = data.cells;
        renderRecipients();
      }
      var nation = null;
      (data.cells || []).forEach(function (cell) {
        if (data.seat && cell.id === data.seat.cell) nation = cell.nation;
      });
      var nations = [];
      (data.cells || []).forEach(function (cell) {
        if (cell.nation && nations.indexOf(cell.nation) === -1) nations.push(cell.nation);
      });
      J.marks.fillSelects(nation, nations, "TOP SECRET");
      document.querySelectorAll("[data-command]").forEach(function (button) {
        var name = button.getAttribute("data-command");
        var status = data.status;
        var usable =
          (name === "start" && status === "draft") ||
          (name === "advance" && status === "running") ||
          (name === "pause" && status === "running") ||
          (name === "resume" && status === "paused");
        button.setAttribute("aria-disabled", usable ? "false" : "true");
        button.classList.toggle("jx-button--muted", !usable);
      });
      var mode = q("#clock-mode");
      if (mode && document.activeElement !== mode) mode.value = data.mode || "turn";
    }, api.report);
  }

  function renderLadder(level) {
    var nodes = ladder
      .slice()
      .sort(function (a, b) {
        return b.level - a.level;
      })
      .map(function (rung) {
        var current = Number(rung.level) === Number(level);
        return el("li", { className: "jx-rung" + (current ? " jx-rung--current" : ""), "aria-current": current ? "step" : null, "data-level": rung.level }, [
          el("span", { className: "jx-rung__level", text: rung.level }),
          el("span", { className: "jx-rung__name", text: rung.name }),
          current ? el("span", { className: "jx-rung__here", text: "current" }) : null
        ]);
      });
    J.dom.replace(q("[data-ladder]"), nodes, "No escalation ladder in this scenario.");
  }

  function renderWorld(world) {
    var rows = Object.keys(world)
      .sort()
      .map(function (name) {
        var value = world[name];
        return el("tr", {}, [
          el("th", { scope: "row", text: name.replace(/_/g, " ") }),
          el("td", { className: "jx-value jx-value--" + typeof value, text: typeof value === "boolean" ? (value ? "yes" : "no") : value })
        ]);
      });
    J.dom.replace(q("[data-world]"), rows, "");
    if (!rows.length) q("[data-world]").appendChild(el("tr", {}, [el("td", { colspan: 2, text: "No world variables." })]));
  }

  function renderRecipients() {
    var box = q("[data-recipients]");
    if (!box) return;
    var nodes = [el("label", {}, [el("input", { type: "checkbox", name: "to", value: "all" }), " all cells"])];
    cells.forEach(function (cell) {
      if (cell.role === "control") return;
      nodes.push(el("label", {}, [el("input", { type: "checkbox", name: "to", value: cell.id }), " " + cell.id + (cell.nation ? " (" + cell.nation + ")" : "")]));
    });
    J.dom.replace(box, nodes);
  }

  /* --- MSEL ------------------------------------------------------------------------------ */

  var msel = [];

  function loadMsel() {
    return api.get(base + "/msel").then(function (data) {
      msel = J.dom.list(data);
      J.marks.show("msel", msel.map(function (i) { return i.marking; }));
      renderMsel();
    }, api.report);
  }

  function mselShown(status) {
    var key = status === "sent" || status === "due" || status === "waiting" ? status : "other";
    var box = q('[data-msel-filter="' + key + '"]');
    return !box || box.checked;
  }

  function renderMsel() {
    var nodes = msel.filter(function (item) { return mselShown(item.status); }).map(function (item) {
      var trigger = item.trigger;
      return el("li", { className: "jx-event jx-event--" + item.status, "data-inject": item.inject_id, "data-status": item.status }, [
        el("span", { className: "jx-event__time", text: item.clock }),
        el("span", { className: "jx-tag jx-tag--" + item.status, text: item.status }),
        J.marks.badge(item.marking),
        " ",
        el("strong", { text: item.title }),
        el("span", { className: "jx-event__meta", text: " " + item.inject_id + " → " + (item.to || []).join(", ") + " · " + item.channel + (item.adhoc ? " · ad hoc" : "") }),
        trigger
          ? el("span", { className: "jx-event__trigger", text: "trigger: " + trigger.when + (trigger.wait_until_clock ? " (waits until " + trigger.wait_until_clock + ")" : "") })
          : null,
        item.reason ? el("span", { className: "jx-event__trigger", text: item.reason }) : null
      ]);
    });
    J.dom.replace(q("[data-msel]"), nodes, "No injects to show.");
  }

  /* --- adjudications --------------------------------------------------------------------- */

  var actionsById = {};

  function loadAdjudications() {
    return api.get(base + "/adjudications").then(function (data) {
      var open = data.open || [];
      var decided = data.decided || [];
      count("adjudications-open", open.length + " open");
      var nodes = open.map(function (a) { return adjudicationCard(a, true); });
      decided.slice().reverse().forEach(function (a) {
        nodes.push(adjudicationCard(a, false));
      });
      // Keep the focus on the queue when the button that had it goes away.
      var hadFocus = q("[data-adjudications]").contains(document.activeElement);
      J.dom.replace(q("[data-adjudications]"), nodes, "No adjudications yet.");
      if (hadFocus) {
        var next = q("[data-adjudications] button");
        if (next) next.focus();
      }
    }, api.report);
  }

  function outcomeText(value) {
    if (value === null || value === undefined) return "–";
    if (typeof value !== "object") return String(value);
    return Object.keys(value)
      .map(function (k) {
        var v = value[k];
        return k.replace(/_/g, " ") + " " + (typeof v === "number" ? J.charts.format(v) : JSON.stringify(v));
      })
      .join(", ");
  }

  function adjudicationCard(a, open) {
    var id = a.adjudication_id;
    var action = actionsById[a.action_id];
    var heading = id + " · " + a.action_id + (action ? " · " + action.cell + ": " + action.action : "");
    var card = el("article", { className: "jx-adj" + (open ? " jx-adj--open" : " jx-adj--decided"), "data-adjudication": id, "aria-label": "Adjudication " + id }, [
      el("h3", { className: "jx-adj__title" }, [action ? J.marks.badge(action.marking) : null, " ", heading]),
      el("p", { className: "jx-adj__meta", text: "model " + (a.model || "–") + " · seed " + (a.seed === undefined ? "–" : a.seed) }),
      el("p", { className: "jx-adj__sample" }, [el("strong", { text: open ? "Sampled outcome: " : "Outcome (" + a.decision + "): " }), outcomeText(open ? a.sample : a.outcome)])
    ]);
    var charts = el("div", { className: "jx-adj__charts" });
    J.charts.distribution(a.distribution, a.sample, open ? null : a.outcome).forEach(function (figure) {
      charts.appendChild(figure);
    });
    if (!charts.childNodes.length) charts.appendChild(el("p", { className: "jx-empty", text: "No distribution: decide by hand (override)." }));
    card.appendChild(charts);
    if (!open) {
      if (a.rationale) card.appendChild(el("p", { className: "jx-adj__rationale", text: "Rationale: " + a.rationale }));
      card.appendChild(el("p", { className: "jx-adj__meta", text: "decided by " + (a.decided_by || "–") + (a.decided_minute !== null && a.decided_minute !== undefined ? " at minute " + a.decided_minute : "") }));
      return card;
    }
    var accept = el("button", { type: "button", className: "jx-button jx-button--primary", "data-accept": id, text: "Accept sampled outcome" });
    accept.addEventListener("click", function () {
      api.command("decide", { adjudication_id: id, decision: "accepted" }, id + " accepted").then(refreshAll, function () {});
    });
    var outcomeId = "override-outcome-" + id;
    var rationaleId = "override-rationale-" + id;
    var form = el("form", { className: "jx-form jx-adj__override", "data-override": id }, [
      el("label", { className: "jx-field", for: outcomeId }, [
        el("span", { text: "Override outcome (JSON or number)" }),
        el("input", { id: outcomeId, name: "outcome", type: "text", required: true, autocomplete: "off", value: a.sample === null || a.sample === undefined ? "" : JSON.stringify(a.sample) })
      ]),
      el("label", { className: "jx-field", for: rationaleId }, [
        el("span", { text: "Rationale (required)" }),
        el("input", { id: rationaleId, name: "rationale", type: "text", required: true, autocomplete: "off" })
      ]),
      el("button", { type: "submit", className: "jx-button", text: "Override with rationale" })
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var raw = form.elements.outcome.value.trim();
      var outcome;
      try {
        outcome = JSON.parse(raw);
      } catch (ignored) {
        outcome = raw;
      }
      api.command("decide", { adjudication_id: id, decision: "overridden", outcome: outcome, rationale: form.elements.rationale.value.trim() }, id + " overridden").then(refreshAll, function () {});
    });
    card.appendChild(el("div", { className: "jx-buttons" }, [accept]));
    card.appendChild(form);
    return card;
  }

  /* --- actions, RFIs, inbox -------------------------------------------------------------- */

  function loadActions() {
    return api.get(base + "/actions").then(function (data) {
      var items = J.dom.list(data);
      actionsById = {};
      items.forEach(function (a) {
        actionsById[a.action_id] = a;
      });
      J.marks.show("actions", items.map(function (a) { return a.marking; }));
      count("actions", items.length);
      var nodes = items.slice().reverse().map(function (a) {
        var adj = a.adjudication;
        return el("li", { className: "jx-item", "data-action": a.action_id }, [
          el("div", { className: "jx-item__head" }, [
            J.marks.badge(a.marking),
            " ",
            el("strong", { text: a.cell + ": " + a.action }),
            el("span", { className: "jx-event__time", text: " " + a.clock + " · " + a.action_id })
          ]),
          a.units && a.units.length ? el("p", { className: "jx-item__meta", text: "units " + a.units.join(", ") }) : null,
          a.orders ? el("p", { className: "jx-item__meta", text: "orders: " + a.orders }) : null,
          a.text ? el("p", { text: a.text }) : null,
          adj ? el("p", { className: "jx-item__meta", text: adj.open ? "adjudication " + adj.adjudication_id + " open" : "adjudication " + adj.adjudication_id + ": " + adj.decision + " — " + outcomeText(adj.outcome) }) : null
        ]);
      });
      J.dom.replace(q("[data-actions]"), nodes, "No actions yet.");
    }, api.report);
  }

  function loadRfis() {
    return api.get(base + "/rfis").then(function (data) {
      var items = J.dom.list(data);
      J.marks.show("rfis", [data.banner]);
      count("rfis-open", items.filter(function (r) { return !r.answer; }).length + " open");
      var nodes = items.slice().reverse().map(function (r) {
        var item = el("li", { className: "jx-item", "data-rfi": r.rfi_id }, [
          el("div", { className: "jx-item__head" }, [J.marks.badge(r.marking), " ", el("strong", { text: r.rfi_id + " from " + r.cell }), el("span", { className: "jx-event__time", text: " " + r.clock })]),
          el("p", { text: r.question })
        ]);
        if (r.answer) {
          item.appendChild(el("p", { className: "jx-answer" }, [J.marks.badge(r.answer_marking), " ", r.answer]));
          return item;
        }
        var answerId = "rfi-answer-" + r.rfi_id;
        var markingId = "rfi-answer-marking-" + r.rfi_id;
        var select = el("select", { id: markingId, name: "marking", "data-marking-select": true });
        var form = el("form", { className: "jx-form jx-form--inline" }, [
          el("label", { className: "jx-field", for: answerId }, [el("span", { text: "Answer" }), el("input", { id: answerId, name: "answer", type: "text", required: true, autocomplete: "off" })]),
          el("label", { className: "jx-field", for: markingId }, [el("span", { text: "Marking" }), select]),
          el("button", { type: "submit", className: "jx-button", text: "Answer" })
        ]);
        var template = q("#inject-marking");
        if (template) {
          Array.prototype.forEach.call(template.options, function (option) {
            select.appendChild(el("option", { value: option.value, text: option.text }));
          });
        }
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          api.command("answer_rfi", { rfi_id: r.rfi_id, answer: form.elements.answer.value.trim(), marking: select.value }, r.rfi_id + " answered").then(loadRfis, function () {});
        });
        item.appendChild(form);
        return item;
      });
      J.dom.replace(q("[data-rfis]"), nodes, "No RFIs yet.");
    }, api.report);
  }

  function loadInbox() {
    return api.get(base + "/inbox").then(function (data) {
      var items = J.dom.list(data);
      J.marks.show("inbox", items.map(function (i) { return i.marking; }));
      count("inbox", items.length);
      var nodes = items.slice().reverse().map(function (i) {
        return el("li", { className: "jx-item", "data-inject": i.inject_id }, [
          el("div", { className: "jx-item__head" }, [J.marks.badge(i.marking), " ", el("strong", { text: i.title }), el("span", { className: "jx-event__time", text: " " + i.clock + " · " + i.inject_id + " → " + (i.to || []).join(", ") })]),
          el("p", { text: i.content })
        ]);
      });
      J.dom.replace(q("[data-inbox]"), nodes, "Nothing delivered yet.");
    }, api.report);
  }

  /* --- refresh by channel ---------------------------------------------------------------- */

  var LOADERS = {
    clock: [loadExercise, loadMsel],
    world: [loadExercise],
    msel: [loadMsel],
    adjudications: [loadActions, loadAdjudications],
    actions: [loadActions, loadAdjudications],
    inbox: [loadInbox, loadMsel],
    timeline: [loadRfis],
    intel: [],
    map: []
  };

  function refresh(channels) {
    var run = [];
    channels.forEach(function (channel) {
      (LOADERS[channel] || []).forEach(function (loader) {
        if (run.indexOf(loader) === -1) run.push(loader);
      });
    });
    // Actions first, so adjudication cards can name the action and its cell.
    var chain = Promise.resolve();
    run.forEach(function (loader) {
      chain = chain.then(loader);
    });
    return chain;
  }

  function refreshAll() {
    return refresh(J.live.channels.concat(["timeline"]));
  }

  /* --- controls -------------------------------------------------------------------------- */

  function wire() {
    document.querySelectorAll("[data-command]").forEach(function (button) {
      button.addEventListener("click", function () {
        var name = button.getAttribute("data-command");
        var args = {};
        api.command(name, args, {
          start: "Exercise started",
          advance: "Advanced one move",
          pause: "Paused",
          resume: "Resumed"
        }[name]).then(function () {
          return refresh(["clock", "inbox", "actions"]);
        }, function () {});
      });
    });
    J.page.onForm("clock-mode", function (form) {
      var speed = Number(form.elements.speed.value);
      return api.command("set_clock_mode", { mode: form.elements.mode.value, speed: speed }, "Clock set to " + form.elements.mode.value).then(loadExercise, function () {});
    });
    J.page.onForm("end", function (form) {
      if (!window.confirm("End the exercise? This cannot be undone.")) return null;
      return api.command("end", { reason: form.elements.reason.value }, "Exercise ended").then(loadExercise, function () {});
    });
    J.page.onForm("inject", function (form) {
      var to = Array.prototype.filter.call(form.querySelectorAll('input[name="to"]'), function (box) {
        return box.checked;
      }).map(function (box) {
        return box.value;
      });
      if (!to.length) {
        api.status("Choose at least one recipient", "error");
        form.querySelector('input[name="to"]').focus();
        return null;
      }
      if (to.indexOf("all") !== -1) to = ["all"];
      var inject = {
        to: to,
        channel: form.elements.channel.value,
        marking: form.elements.marking.value,
        title: form.elements.title.value.trim(),
        content: form.elements.content.value.trim()
      };
      return api.command("send_inject", { inject: inject }, "Inject sent: " + inject.title).then(function () {
        form.elements.title.value = "";
        form.elements.content.value = "";
        return refresh(["inbox"]);
      }, function () {});
    });
    document.querySelectorAll("[data-msel-filter]").forEach(function (box) {
      box.addEventListener("change", renderMsel);
    });
  }

  function start() {
    wire();
    J.live.connect({
      path: J.dom.meta("jx-ws"),
      refresh: refresh,
      onState: J.page.liveState
    });
    refreshAll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
