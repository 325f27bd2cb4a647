/*
 * The pages' way to the JSON API (docs/server.md), the status line, and markings on screen.
 *
 *   JointEx.api.get(url) / post(url, body)  fetch JSON; a POST carries the session's CSRF token
 *       (<meta name="csrf-token">) as X-CSRF-Token. An error answer rejects with an Error whose
 *       message is the API's {"detail"} and whose .status is the HTTP status; 401 also tells the
 *       user to sign in again (with a link).
 *   JointEx.api.command(name, args)  POST /api/exercises/{id}/commands with a fresh command_id.
 *   JointEx.api.status(text, kind)   the page's one aria-live status line (kind: ok | error | busy).
 *   JointEx.marks.badge(marking)     a portion mark such as (S//REL TO USA, TWN) in its colour.
 *   JointEx.marks.show(section, [markings])  what a part of the page shows; the banners top and
 *       bottom become the roll-up of every section (GET /web/rollup, jointex.markings.rollup).
 *   JointEx.dom.el(tag, attrs, children)     small DOM builder: text is never parsed as HTML.
 */
(function () {
  "use strict";

  var JointEx = (window.JointEx = window.JointEx || {});

  function meta(name) {
    var node = document.querySelector('meta[name="' + name + '"]');
    return node ? node.getAttribute("content") || "" : "";
  }

  /* --- DOM ------------------------------------------------------------------------------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = String(value);
      else if (key === "className") node.className = value;
      else if (key.indexOf("on") === 0 && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function replace(container, nodes, emptyText) {
    if (!container) return;
    while (container.firstChild) container.removeChild(container.firstChild);
    if (!nodes.length && emptyText) {
      var tag = container.tagName === "OL" || container.tagName === "UL" ? "li" : "p";
      container.appendChild(el(tag, { className: "jx-empty", text: emptyText }));
      return;
    }
    nodes.forEach(function (node) {
      container.appendChild(node);
    });
  }

  /* The first present field of an object among several names (the API's shapes vary by view). */
  function pick(object, names, fallback) {
    if (!object) return fallback;
    for (var i = 0; i < names.length; i += 1) {
      var value = object[names[i]];
      if (value !== undefined && value !== null) return value;
    }
    return fallback;
  }

  /* A list from an answer that is a list or an object holding one. */
  function list(data, names) {
    if (Array.isArray(data)) return data;
    var found = pick(data, (names || []).concat(["items", "entries", "results"]));
    return Array.isArray(found) ? found : [];
  }

  JointEx.dom = { el: el, replace: replace, pick: pick, list: list, meta: meta };

  /* --- status line ----------------------------------------------------------------------- */

  function status(text, kind) {
    var line = document.getElementById("jx-status");
    if (!line) return;
    line.className = "jx-status" + (kind ? " jx-status--" + kind : "");
    line.textContent = text;
    if (kind === "error" && line.dataset.login) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("a", { href: line.dataset.login, text: "Sign in again" }));
    }
  }

  /* --- requests -------------------------------------------------------------------------- */

  function describe(detail) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map(function (item) {
          var where = Array.isArray(item.loc) ? item.loc.filter(function (p) { return p !== "body"; }).join(".") : "";
          return (where ? where + ": " : "") + (item.msg || JSON.stringify(item));
        })
        .join("; ");
    }
    return JSON.stringify(detail);
  }

  function loginUrl() {
    var login = meta("jx-login") || "/login";
    return login + "?next=" + encodeURIComponent(location.pathname + location.search);
  }

  function request(method, url, body) {
    var headers = { Accept: "application/json" };
    var options = { method: method, credentials: "same-origin", headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = meta("csrf-token");
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (ignored) {
          data = null;
        }
        if (!response.ok) {
          var detail = data && data.detail !== undefined ? describe(data.detail) : text || response.statusText;
          var error = new Error(detail);
          error.status = response.status;
          if (response.status === 401) {
            var line = document.getElementById("jx-status");
            if (line) line.dataset.login = loginUrl();
          }
          throw error;
        }
        return data;
      });
    });
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "cmd-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* Run a command of the page's exercise; the status line says what happened. */
  function command(name, args, doneText) {
    var body = Object.assign({ command: name, command_id: newId() }, args || {});
    status("Sending " + name.replace(/_/g, " ") + "…", "busy");
    return request("POST", meta("jx-api") + "/commands", body).then(
      function (result) {
        status(doneText || name.replace(/_/g, " ") + ": done", "ok");
        return result;
      },
      function (error) {
        report(error, name.replace(/_/g, " "));
        throw error;
      }
    );
  }

  function report(error, what) {
    var code = error && error.status ? " (" + error.status + ")" : "";
    var prefix = what ? what + " refused" : "Error";
    if (error && error.status === 401) prefix = "Signed out";
    status(prefix + code + ": " + (error && error.message ? error.message : String(error)), "error");
  }

  JointEx.api = {
    get: function (url) {
      return request("GET", url);
    },
    post: function (url, body) {
      return request("POST", url, body);
    },
    command: command,
    status: status,
    report: report,
    base: function () {
      return meta("jx-api");
    },
    loginUrl: loginUrl
  };

  /* --- markings -------------------------------------------------------------------------- */

  var LEVELS = { "TOP SECRET": "TS", SECRET: "S", CONFIDENTIAL: "C", RESTRICTED: "R", UNCLASSIFIED: "U" };

  /* "//USA SECRET//NOFORN" -> "(//USA S//NF)"; "SECRET//REL TO USA, TWN" -> "(S//REL TO USA, TWN)". */
  function abbreviate(marking) {
    var text = String(marking || "").trim().toUpperCase();
    if (!text) return "(?)";
    var owner = "";
    if (text.indexOf("//") === 0) {
      var space = text.indexOf(" ");
      owner = text.slice(0, space + 1);
      text = text.slice(space + 1);
    }
    var blocks = text.split("//");
    var level = LEVELS[blocks[0].trim()] || blocks[0].trim();
    var controls = blocks.slice(1).map(function (block) {
      block = block.trim();
      return block === "NOFORN" ? "NF" : block;
    });
    return "(" + owner + [level].concat(controls).join("//") + ")";
  }

  function badge(marking) {
    var classify = JointEx.banner ? JointEx.banner.classify : function () { return "other"; };
    return el("span", {
      className: "pm pm--" + classify(marking),
      title: String(marking || ""),
      "data-marking": String(marking || ""),
      text: abbreviate(marking)
    });
  }

  var RANKS = { unclassified: 0, other: 1, confidential: 2, secret: 3, "top-secret": 4 };
  var sections = {};
  var pending = null;
  var asked = 0;

  /* Without the server's roll-up: the highest-level marking shown (never lower than the truth). */
  function naiveHighest(markings) {
    var best = "UNCLASSIFIED";
    var rank = -1;
    markings.forEach(function (marking) {
      var kind = JointEx.banner ? JointEx.banner.classify(marking) : "other";
      var r = RANKS[kind] === undefined ? 1 : RANKS[kind];
      if (r > rank || (r === rank && /NOFORN/.test(marking))) {
        rank = r;
        best = marking;
      }
    });
    return best;
  }

  function allMarkings() {
    var seen = {};
    Object.keys(sections).forEach(function (key) {
      sections[key].forEach(function (marking) {
        if (marking) seen[String(marking)] = true;
      });
    });
    return Object.keys(seen).sort();
  }

  function updateBanner() {
    pending = null;
    var markings = allMarkings();
    var ticket = (asked += 1);
    var url = meta("jx-rollup");
    if (!url || !JointEx.banner) return;
    var query = markings.map(function (m) { return "m=" + encodeURIComponent(m); }).join("&");
    request("GET", url + (query ? "?" + query : "")).then(
      function (answer) {
        if (ticket === asked) JointEx.banner.set(answer.banner);
      },
      function () {
        if (ticket === asked) JointEx.banner.set(naiveHighest(markings));
      }
    );
  }

  function show(section, markings) {
    sections[section] = (markings || []).filter(Boolean).map(String);
    if (pending === null) pending = setTimeout(updateBanner, 30);
  }

  JointEx.marks = { abbreviate: abbreviate, badge: badge, show: show, all: allMarkings };

  /* Marking choices for <select data-marking-select>: levels up to the seat's clearance with
   * REL TO the seat's nation and partners, and NOFORN. */
  function markingChoices(nation, partners, clearance) {
    var order = ["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET"];
    var top = order.indexOf(String(clearance || "SECRET").toUpperCase());
    if (top < 0) top = 2;
    var choices = [];
    order.slice(0, top + 1).forEach(function (level) {
      choices.push(level);
      if (level === "UNCLASSIFIED" || !nation) return;
      choices.push(level + "//REL TO " + nation);
      var others = (partners || []).filter(function (n) { return n && n !== nation; });
      others.forEach(function (partner) {
        choices.push(level + "//REL TO " + [nation, partner].sort(relOrder).join(", "));
      });
      if (others.length > 1) choices.push(level + "//REL TO " + [nation].concat(others).sort(relOrder).join(", "));
      // NOFORN names its owner: only the owner nation may read it (an owner-less NOFORN, nobody).
      choices.push("//" + nation + " " + level + "//NOFORN");
    });
    return choices;
  }

  /* USA first, then alphabetical: the usual order of REL TO lists. */
  function relOrder(a, b) {
    if (a === b) return 0;
    if (a === "USA") return -1;
    if (b === "USA") return 1;
    return a < b ? -1 : 1;
  }

  function fillMarkingSelects(nation, partners, clearance, root) {
    var choices = markingChoices(nation, partners, clearance);
    (root || document).querySelectorAll("select[data-marking-select]").forEach(function (select) {
      var keep = select.value;
      while (select.firstChild) select.removeChild(select.firstChild);
      choices.forEach(function (choice) {
        select.appendChild(el("option", { value: choice, text: choice }));
      });
      if (choices.indexOf(keep) !== -1) select.value = keep;
    });
    return choices;
  }

  JointEx.marks.choices = markingChoices;
  JointEx.marks.fillSelects = fillMarkingSelects;

  /* --- shared page pieces ---------------------------------------------------------------- */

  function setText(selector, text) {
    document.querySelectorAll(selector).forEach(function (node) {
      node.textContent = text === undefined || text === null ? "" : String(text);
    });
  }

  /* The big strip at the top: clock, status, escalation (the exercise answer of the API). */
  function renderStrip(exercise, ladder) {
    setText("[data-clock]", pick(exercise, ["clock", "time"], "–"));
    var state = pick(exercise, ["status"], "");
    setText("[data-exercise-status]", state);
    var strip = document.querySelector("[data-strip]");
    if (strip) strip.setAttribute("data-status", state);
    var mode = pick(exercise, ["mode", "clock_mode"], "");
    var speed = pick(exercise, ["speed", "clock_speed"], null);
    setText("[data-clock-mode]", mode ? mode + (mode !== "turn" && speed ? " ×" + speed : "") : "");
    setText("[data-exercise-name]", pick(exercise, ["name"], ""));
    var phase = pick(exercise, ["phase", "phase_id"], "");
    if (phase && typeof phase === "object") phase = pick(phase, ["name", "title", "id"], "");
    setText("[data-phase]", phase ? "phase " + phase : "");
    var escalation = pick(exercise, ["escalation"], null);
    var level = escalation && typeof escalation === "object" ? pick(escalation, ["level", "rung"], null) : escalation;
    var name = escalation && typeof escalation === "object" ? pick(escalation, ["name"], "") : "";
    if (!name && ladder && level !== null) {
      ladder.forEach(function (rung) {
        if (Number(pick(rung, ["level"], -1)) === Number(level)) name = pick(rung, ["name"], "");
      });
    }
    var unknown = level === null || level === undefined;
    setText("[data-escalation]", unknown ? "–" : level);
    // The API gives the escalation to the control cell only; other seats see a dash and why.
    setText("[data-escalation-name]", unknown ? "not shown to this seat" : name);
    var box = document.querySelector("[data-escalation-box]");
    if (box) box.setAttribute("data-level", level === null || level === undefined ? "" : String(level));
    var banner = pick(exercise, ["banner", "marking"], "");
    if (banner) show("exercise", [banner]);
  }

  function liveState(state) {
    var box = document.querySelector("[data-live-state]");
    if (!box) return;
    box.setAttribute("data-live-state", state);
    var text = { live: "live", connecting: "connecting", reconnecting: "reconnecting…", offline: "offline (retrying)" }[state] || state;
    var label = box.querySelector("[data-live-text]");
    if (label) label.textContent = text;
  }

  function when(minute, clock) {
    return clock || (minute === undefined || minute === null ? "" : "minute " + minute);
  }

  /* Submit handlers for <form data-form="name">: Enter in a field submits, as forms do. */
  function onForm(name, handler) {
    var form = document.querySelector('form[data-form="' + name + '"]');
    if (!form) return null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector('[type="submit"]');
      if (button) button.disabled = true;
      Promise.resolve()
        .then(function () {
          return handler(form);
        })
        .catch(function (error) {
          if (error && !error.status) report(error);
        })
        .then(function () {
          if (button) button.disabled = false;
        });
    });
    return form;
  }

  JointEx.page = { renderStrip: renderStrip, liveState: liveState, when: when, onForm: onForm, setText: setText };
})();
