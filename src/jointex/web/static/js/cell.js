/*
 * A playing cell's view: inbox, intelligence (search, publish, release a tearline), actions,
 * RFIs, the common operating picture and the timeline. Everything shown comes from the seat's
 * views in the JSON API; the banners are the roll-up of what is on screen.
 */
(function () {
  "use strict";

  var J = window.JointEx;
  var el = J.dom.el;
  var api = J.api;
  var base = api.base();
  var exercise = null;
  var me = null;
  var nation = null;
  var nations = [];
  var products = [];

  function q(selector) {
    return document.querySelector(selector);
  }

  function count(name, value) {
    J.page.setText('[data-count="' + name + '"]', "(" + value + ")");
  }

  /* --- exercise and seat ------------------------------------------------------------------ */

  function loadExercise() {
    return api.get(base).then(function (data) {
      exercise = data;
      J.page.renderStrip(data, data.escalation_ladder || []);
      var seatCell = data.seat ? data.seat.cell : J.dom.meta("jx-cell");
      nations = [];
      (data.cells || []).forEach(function (cell) {
        if (cell.id === seatCell) {
          nation = cell.nation;
          J.page.setText("[data-cell-name]", cell.name || cell.id);
        }
        if (cell.nation && nations.indexOf(cell.nation) === -1) nations.push(cell.nation);
      });
      J.marks.fillSelects(nation, nations, me ? me.clearance : "SECRET");
      renderNations();
      renderActionMenu(data);
    }, api.report);
  }

  function renderNations() {
    var box = q("[data-release-nations]");
    if (!box || box.querySelector("input")) return;
    var nodes = nations
      .filter(function (n) { return n !== nation; })
      .map(function (n) {
        return el("label", {}, [el("input", { type: "checkbox", name: "to", value: n }), " " + n]);
      });
    J.dom.replace(box, nodes, "No partner nations in this exercise.");
  }

  /* The action menu for the seat's role: from the exercise answer when the API gives it
   * ("actions"), otherwise the action id is typed (the white cell checks it). */
  function renderActionMenu(data) {
    var select = q("[data-action-menu]");
    if (!select || select.dataset.filled) return;
    var menu = data.actions || data.action_menu || null;
    if (!Array.isArray(menu)) {
      var input = el("input", { id: select.id, name: "action", type: "text", required: true, autocomplete: "off", placeholder: "action id from the scenario's menu", "data-action-menu": true, "data-filled": "text" });
      select.parentNode.replaceChild(input, select);
      return;
    }
    select.dataset.filled = "menu";
    J.dom.replace(select, [el("option", { value: "", text: "choose an action" })].concat(menu.map(function (a) {
      var id = typeof a === "string" ? a : a.id;
      var name = typeof a === "string" ? a : a.name || a.id;
      return el("option", { value: id, text: name + (a.adjudication ? " (adjudicated)" : "") });
    })));
  }

  /* --- inbox ----------------------------------------------------------------------------- */

  function loadInbox() {
    return api.get(base + "/inbox").then(function (data) {
      var items = J.dom.list(data);
      J.marks.show("inbox", items.map(function (i) { return i.marking; }).concat([data.banner]));
      count("inbox", items.length);
      var nodes = items.slice().reverse().map(function (i) {
        var item = el("li", { className: "jx-item jx-inject", "data-inject": i.inject_id }, [
          el("div", { className: "jx-item__head" }, [
            J.marks.badge(i.marking),
            " ",
            el("strong", { text: i.title }),
            el("span", { className: "jx-event__time", text: " " + i.clock + " · " + (i.sender || "") + " · " + i.channel })
          ]),
          el("p", { text: i.content })
        ]);
        if (i.acknowledged) {
          item.appendChild(el("p", { className: "jx-item__meta", text: "acknowledged" }));
        } else {
          var ack = el("button", { type: "button", className: "jx-button jx-button--small", text: "Acknowledge " + i.inject_id });
          ack.addEventListener("click", function () {
            api.command("acknowledge", { inject_id: i.inject_id }, i.inject_id + " acknowledged").then(loadInbox, function () {});
          });
          item.appendChild(ack);
        }
        return item;
      });
      J.dom.replace(q("[data-inbox]"), nodes, "Nothing received yet.");
    }, api.report);
  }

  /* --- intelligence ---------------------------------------------------------------------- */

  function searchParams() {
    var form = q('form[data-form="intel-search"]');
    var params = [];
    ["q", "kind", "marking"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) params.push(name + "=" + encodeURIComponent(value));
    });
    return params.length ? "?" + params.join("&") : "";
  }

  function fillFilter(select, values) {
    var keep = select.value;
    J.dom.replace(select, [el("option", { value: "", text: "any" })].concat(values.map(function (v) {
      return el("option", { value: v, text: v });
    })));
    if (values.indexOf(keep) !== -1) select.value = keep;
  }

  function loadIntel() {
    var filtered = searchParams() !== "";
    var all = filtered ? api.get(base + "/intel") : null;
    return Promise.all([api.get(base + "/intel" + searchParams()), all]).then(function (answers) {
      var data = answers[0];
      var everything = answers[1] || data;
      var items = J.dom.list(data);
      products = J.dom.list(everything);
      var shown = [];
      items.forEach(function (p) {
        shown.push(p.banner, p.title.marking);
        p.portions.forEach(function (portion) { shown.push(portion.marking); });
      });
      J.marks.show("intel", shown);
      count("intel", data.total === undefined ? items.length : data.total);
      var options = data.filter_options || {};
      fillFilter(q("[data-filter-kinds]"), options.kinds || []);
      fillFilter(q("[data-filter-markings]"), options.markings || []);
      var facets = data.facets || {};
      var kinds = facets.kind || {};
      J.dom.replace(q("[data-facets]"), Object.keys(kinds).length ? [el("span", { text: Object.keys(kinds).map(function (k) { return k + " " + kinds[k]; }).join(" · ") })] : []);
      J.dom.replace(q("[data-intel]"), items.slice().reverse().map(productCard), filtered ? "Nothing matches." : "No intelligence yet.");
      renderReleasable();
    }, api.report);
  }

  function productCard(p) {
    var released = p.derived_from || (p.released_to && p.released_to.length);
    var card = el("li", { className: "jx-item jx-product", "data-product": p.id, "data-banner": null }, [
      el("p", { className: "jx-product__banner jx-product__banner--" + J.banner.classify(p.banner), text: p.banner }),
      el("div", { className: "jx-item__head" }, [
        J.marks.badge(p.title.marking),
        " ",
        el("strong", { text: p.title.content }),
        el("span", { className: "jx-event__time", text: " " + p.id + " · " + p.kind + " · " + p.owner + " (" + p.originator + ") · " + p.clock })
      ]),
      released ? el("p", { className: "jx-item__meta", text: "tearline" + (p.derived_from ? " of " + p.derived_from : "") + (p.released_to && p.released_to.length ? " released to " + p.released_to.join(", ") : "") }) : null
    ]);
    var list = el("ol", { className: "jx-portions" });
    p.portions.forEach(function (portion) {
      list.appendChild(el("li", { "data-portion": portion.id }, [J.marks.badge(portion.marking), " ", portion.content]));
    });
    card.appendChild(list);
    return card;
  }

  function renderReleasable() {
    var select = q("[data-release-products]");
    var keep = select.value;
    var own = products.filter(function (p) { return p.owner === nation && !p.derived_from; });
    J.dom.replace(select, [el("option", { value: "", text: own.length ? "choose a product" : "none of your nation's yet" })].concat(own.map(function (p) {
      return el("option", { value: p.id, text: p.id + ": " + p.title.content + " (" + p.banner + ")" });
    })));
    if (own.some(function (p) { return p.id === keep; })) select.value = keep;
    renderReleasePortions();
  }

  function renderReleasePortions() {
    var id = q("[data-release-products]").value;
    var product = products.filter(function (p) { return p.id === id; })[0];
    var box = q("[data-release-portions]");
    if (!product) {
      J.dom.replace(box, [], "Choose a product.");
      return;
    }
    J.dom.replace(box, product.portions.map(function (portion) {
      return el("label", { className: "jx-check-portion" }, [
        el("input", { type: "checkbox", name: "portions", value: portion.id, checked: /NOFORN/.test(portion.marking) ? null : true }),
        " ",
        J.marks.badge(portion.marking),
        " " + portion.id + ": " + portion.content
      ]);
    }));
  }

  /* Publish: title + portions, each with a marking. */
  var portionCount = 0;

  function addPortion(focus) {
    portionCount += 1;
    var n = portionCount;
    var textId = "portion-text-" + n;
    var markId = "portion-marking-" + n;
    var select = el("select", { id: markId, name: "portion_marking", "data-marking-select": true });
    var row = el("div", { className: "jx-portion", "data-portion-row": n }, [
      el("label", { className: "jx-field", for: textId }, [el("span", { text: "Portion " + n }), el("input", { id: textId, name: "portion_text", type: "text", autocomplete: "off", required: n === 1 })]),
      el("label", { className: "jx-field", for: markId }, [el("span", { text: "Marking" }), select])
    ]);
    if (n > 1) {
      var remove = el("button", { type: "button", className: "jx-button jx-button--small", text: "Remove", "aria-label": "Remove portion " + n });
      remove.addEventListener("click", function () {
        row.parentNode.removeChild(row);
        q("[data-add-portion]").focus();
      });
      row.appendChild(remove);
    }
    q("[data-portions]").appendChild(row);
    J.marks.fillSelects(nation, nations, me ? me.clearance : "SECRET", row);
    if (focus) row.querySelector("input").focus();
  }

  /* --- actions, RFIs, timeline ----------------------------------------------------------- */

  function outcomeText(value) {
    if (value === null || value === undefined) return "–";
    if (typeof value !== "object") return String(value);
    return Object.keys(value).map(function (k) {
      var v = value[k];
      return k.replace(/_/g, " ") + " " + (typeof v === "number" ? J.charts.format(v) : JSON.stringify(v));
    }).join(", ");
  }

  function loadActions() {
    return api.get(base + "/actions").then(function (data) {
      var items = J.dom.list(data);
      J.marks.show("actions", items.map(function (a) { return a.marking; }));
      J.dom.replace(q("[data-actions]"), items.slice().reverse().map(function (a) {
        var adj = a.adjudication;
        return el("li", { className: "jx-item", "data-action": a.action_id }, [
          el("div", { className: "jx-item__head" }, [J.marks.badge(a.marking), " ", el("strong", { text: a.action }), el("span", { className: "jx-event__time", text: " " + a.action_id + " · " + a.clock })]),
          a.text ? el("p", { text: a.text }) : null,
          adj
            ? el("p", { className: "jx-outcome", "data-outcome": a.action_id }, [el("strong", { text: "Outcome (" + adj.decision + "): " }), outcomeText(adj.outcome), adj.rationale ? " — " + adj.rationale : ""])
            : el("p", { className: "jx-item__meta", text: "submitted" })
        ]);
      }), "No actions yet.");
    }, api.report);
  }

  function loadRfis() {
    return api.get(base + "/rfis").then(function (data) {
      var items = J.dom.list(data);
      J.marks.show("rfis", items.map(function (r) { return r.marking; }).concat(items.map(function (r) { return r.answer_marking; })));
      J.dom.replace(q("[data-rfis]"), items.slice().reverse().map(function (r) {
        return el("li", { className: "jx-item", "data-rfi": r.rfi_id }, [
          el("div", { className: "jx-item__head" }, [J.marks.badge(r.marking), " ", el("strong", { text: r.rfi_id }), el("span", { className: "jx-event__time", text: " " + r.clock })]),
          el("p", { text: r.question }),
          r.answer ? el("p", { className: "jx-answer" }, [J.marks.badge(r.answer_marking), " ", r.answer]) : el("p", { className: "jx-item__meta", text: "awaiting an answer" })
        ]);
      }), "No RFIs yet.");
    }, api.report);
  }

  var KIND_TEXT = { published: "published", released: "released", read: "read", "rfi-asked": "RFI asked", "rfi-answered": "RFI answered" };

  function loadTimeline() {
    return api.get(base + "/timeline").then(function (data) {
      var items = J.dom.list(data);
      J.marks.show("timeline", items.map(function (e) { return e.marking; }));
      J.dom.replace(q("[data-timeline]"), items.slice().reverse().map(function (e) {
        return el("li", { className: "jx-event", "data-subject": e.subject }, [
          el("span", { className: "jx-event__time", text: e.clock }),
          el("span", { className: "jx-tag", text: KIND_TEXT[e.kind] || e.kind }),
          J.marks.badge(e.marking),
          " ",
          el("strong", { text: e.subject }),
          " " + e.text,
          el("span", { className: "jx-event__meta", text: " · " + e.cell + (e.user ? " (" + e.user + ")" : "") + (e.to && e.to.length ? " → " + e.to.join(", ") : "") })
        ]);
      }), "Nothing yet.");
    }, api.report);
  }

  function reloadMap() {
    var map = J.map;
    var container = q("#map");
    if (!map || !map.reloadTracks || !container) return Promise.resolve();
    return map.reloadTracks();
  }

  /* --- refresh by channel ---------------------------------------------------------------- */

  var LOADERS = {
    clock: [loadExercise],
    world: [loadExercise],
    inbox: [loadInbox],
    intel: [loadIntel],
    timeline: [loadTimeline, loadRfis],
    actions: [loadActions],
    adjudications: [loadActions],
    msel: [],
    map: [reloadMap]
  };

  function refresh(channels) {
    var run = [];
    channels.forEach(function (channel) {
      (LOADERS[channel] || []).forEach(function (loader) {
        if (run.indexOf(loader) === -1) run.push(loader);
      });
    });
    return Promise.all(run.map(function (loader) { return loader(); }));
  }

  function wire() {
    J.page.onForm("intel-search", function () {
      return loadIntel().then(function () {
        api.status("Search: " + q("[data-count='intel']").textContent.replace(/[()]/g, "") + " found", "ok");
      });
    });
    q("[data-add-portion]").addEventListener("click", function () {
      addPortion(true);
    });
    q("[data-release-products]").addEventListener("change", renderReleasePortions);
    J.page.onForm("publish", function (form) {
      var portions = [];
      form.querySelectorAll("[data-portion-row]").forEach(function (row) {
        var text = row.querySelector('input[name="portion_text"]').value.trim();
        if (text) portions.push({ marking: row.querySelector("select").value, content: text });
      });
      var product = {
        kind: form.elements.kind.value,
        title: { marking: form.elements.title_marking.value, content: form.elements.title.value.trim() },
        portions: portions
      };
      return api.command("publish_intel", { product: product }, "Published: " + product.title.content).then(function () {
        form.reset();
        form.querySelectorAll("[data-portion-row]").forEach(function (row, index) {
          if (index > 0) row.parentNode.removeChild(row);
        });
        return refresh(["intel", "timeline"]);
      }, function () {});
    });
    J.page.onForm("release", function (form) {
      var to = Array.prototype.filter.call(form.querySelectorAll('input[name="to"]'), function (b) { return b.checked; }).map(function (b) { return b.value; });
      var portions = Array.prototype.filter.call(form.querySelectorAll('input[name="portions"]'), function (b) { return b.checked; }).map(function (b) { return b.value; });
      if (!to.length) {
        api.status("Choose the nations to release to", "error");
        return null;
      }
      var args = { product_id: form.elements.product_id.value, to: to, portions: portions };
      var title = form.elements.title.value.trim();
      if (title) {
        args.title = title;
        args.title_marking = form.elements.title_marking.value;
      }
      return api.command("release_intel", args, "Tearline of " + args.product_id + " released to " + to.join(", ")).then(function () {
        form.elements.title.value = "";
        return refresh(["intel", "timeline"]);
      }, function () {});
    });
    J.page.onForm("action", function (form) {
      var units = form.elements.units.value.split(",").map(function (u) { return u.trim(); }).filter(Boolean);
      var args = {
        action: form.elements.action.value.trim(),
        units: units,
        orders: form.elements.orders.value.trim(),
        text: form.elements.text.value.trim(),
        marking: form.elements.marking.value
      };
      return api.command("submit_action", args, "Action submitted: " + args.action).then(function () {
        form.elements.orders.value = "";
        form.elements.text.value = "";
        return refresh(["actions"]);
      }, function () {});
    });
    J.page.onForm("rfi", function (form) {
      var args = { question: form.elements.question.value.trim(), marking: form.elements.marking.value };
      return api.command("submit_rfi", args, "RFI sent").then(function () {
        form.elements.question.value = "";
        return refresh(["timeline"]);
      }, function () {});
    });
  }

  function start() {
    wire();
    api.get("/api/me").then(function (data) {
      me = data;
    }, function () {}).then(function () {
      return loadExercise();
    }).then(function () {
      addPortion(false);
      J.live.connect({ path: J.dom.meta("jx-ws"), refresh: refresh, onState: J.page.liveState });
      refresh(J.live.channels);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
