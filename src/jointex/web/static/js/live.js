/*
 * Live updates: WS /ws/exercises/{id} sends {"version", "channels", "sent"} after each append,
 * only for the channels whose view changed for this seat (never content). The page refetches
 * those views through the API.
 *
 *   JointEx.live.connect({ path, refresh: function (channels) {...}, onState: fn })
 *
 * On every (re)connection the page refetches everything (it may have missed pushes), and while
 * the socket is down it polls every 15 s so a page never stays stale. Reconnects back off from
 * 1 s to 15 s.
 */
(function () {
  "use strict";

  var ALL = ["clock", "world", "inbox", "intel", "timeline", "actions", "adjudications", "msel", "map"];

  function connect(options) {
    var attempt = 0;
    var socket = null;
    var poll = null;
    var stopped = false;
    var lastVersion = -1;
    var state = function (s) {
      document.documentElement.setAttribute("data-live", s);
      if (options.onState) options.onState(s);
    };

    function url() {
      var scheme = location.protocol === "https:" ? "wss:" : "ws:";
      return scheme + "//" + location.host + options.path;
    }

    function startPolling() {
      if (poll !== null) return;
      poll = setInterval(function () {
        options.refresh(ALL.slice());
      }, 15000);
    }

    function stopPolling() {
      if (poll !== null) clearInterval(poll);
      poll = null;
    }

    function open() {
      if (stopped) return;
      state(attempt ? "reconnecting" : "connecting");
      try {
        socket = new WebSocket(url());
      } catch (error) {
        retry();
        return;
      }
      socket.addEventListener("open", function () {
        attempt = 0;
        stopPolling();
        state("live");
        options.refresh(ALL.slice());
      });
      socket.addEventListener("message", function (event) {
        var push;
        try {
          push = JSON.parse(event.data);
        } catch (ignored) {
          return;
        }
        if (!push || !Array.isArray(push.channels)) return;
        if (typeof push.version === "number") lastVersion = Math.max(lastVersion, push.version);
        document.documentElement.setAttribute("data-live-version", String(lastVersion));
        options.refresh(push.channels);
      });
      socket.addEventListener("close", function (event) {
        socket = null;
        if (stopped) return;
        if (event.code === 4401 || event.code === 1008) {
          // Refused: signed out or no seat. Polling shows the API's error in the status line.
          state("offline");
        }
        retry();
      });
      socket.addEventListener("error", function () {
        /* close follows */
      });
    }

    function retry() {
      state("offline");
      startPolling();
      attempt += 1;
      var delay = Math.min(15000, 1000 * Math.pow(2, Math.min(attempt - 1, 4)));
      setTimeout(open, delay);
    }

    open();
    return {
      close: function () {
        stopped = true;
        stopPolling();
        if (socket) socket.close();
      },
      version: function () {
        return lastVersion;
      }
    };
  }

  window.JointEx = window.JointEx || {};
  window.JointEx.live = { connect: connect, channels: ALL };
})();
