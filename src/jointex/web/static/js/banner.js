/*
 * Classification banners, top and bottom of every page (base.html renders them server-side).
 *
 * The server decides a page's highest marking and gives the banners their colour class; this
 * script lets a page that receives more highly marked data later (live updates) show the new
 * marking: JointEx.banner.set("SECRET//REL TO USA, TWN"). Colours follow the usual convention:
 * UNCLASSIFIED green, CONFIDENTIAL blue, SECRET red, TOP SECRET orange, all with white text.
 */
(function () {
  "use strict";

  var CLASSES = ["unclassified", "confidential", "secret", "top-secret", "other"];

  /* The colour class of a banner such as "//USA SECRET//NOFORN" or "TOP SECRET//REL TO USA". */
  function classify(marking) {
    var text = String(marking || "").trim().toUpperCase();
    // A foreign or joint owner comes first ("//GBR SECRET"); the level follows it.
    if (text.indexOf("//") === 0) {
      text = text.slice(2).replace(/^\S+\s+/, "");
    }
    var level = text.split("//")[0];
    if (level.indexOf("TOP SECRET") !== -1) return "top-secret";
    if (level.indexOf("SECRET") !== -1) return "secret";
    if (level.indexOf("CONFIDENTIAL") !== -1) return "confidential";
    if (level.indexOf("UNCLASSIFIED") !== -1) return "unclassified";
    return "other";
  }

  function banners() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-banner]"));
  }

  /* Show a marking in every banner of the page, with its colour. */
  function set(marking) {
    var kind = classify(marking);
    banners().forEach(function (element) {
      CLASSES.forEach(function (name) {
        element.classList.remove("banner--" + name);
      });
      element.classList.add("banner--" + kind);
      element.textContent = marking;
      element.setAttribute("aria-label", "Classification: " + marking);
    });
    document.title = document.title.replace(/·[^·]*·/, "· " + marking + " ·");
  }

  /* The marking the banners show now. */
  function current() {
    var first = banners()[0];
    return first ? first.textContent.trim() : "";
  }

  window.JointEx = window.JointEx || {};
  window.JointEx.banner = { classify: classify, set: set, current: current };
})();
