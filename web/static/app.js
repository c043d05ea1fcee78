/* giaoban: small enhancements of server-rendered pages. No dependencies, no inline script (CSP). */
"use strict";

(function () {
  // Browsers give the camera only to secure contexts (HTTPS, or http://localhost). Say so up front.
  function showInsecureBanner() {
    var banner = document.getElementById("insecure-banner");
    if (banner && window.isSecureContext === false) {
      banner.hidden = false;
    }
  }

  // Agenda items: add and remove rows of the meeting form.
  function setUpAgenda() {
    var table = document.getElementById("agenda-rows");
    var template = document.getElementById("agenda-row-template");
    var add = document.getElementById("agenda-add");
    if (!table || !template || !add) {
      return;
    }
    function renumber() {
      var rows = table.querySelectorAll("tr.agenda-row");
      rows.forEach(function (row, index) {
        var number = row.querySelector(".agenda-number");
        if (number) {
          number.textContent = String(index + 1);
        }
      });
    }
    add.addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      table.appendChild(row);
      renumber();
      var first = row.querySelector("input");
      if (first) {
        first.focus();
      }
    });
    table.addEventListener("click", function (event) {
      var button = event.target.closest("button.agenda-remove");
      if (!button) {
        return;
      }
      var row = button.closest("tr");
      if (table.querySelectorAll("tr.agenda-row").length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach(function (input) {
          input.value = input.defaultValue = input.type === "number" ? "10" : "";
        });
      }
      renumber();
    });
    renumber();
  }

  // Urgent meetings need a reason: show the field only when it matters.
  function setUpUrgent() {
    var box = document.getElementById("urgent");
    var reason = document.getElementById("urgent-reason-field");
    if (!box || !reason) {
      return;
    }
    function sync() {
      reason.hidden = !box.checked;
    }
    box.addEventListener("change", sync);
    sync();
  }

  // Site checkboxes: tick or untick all sites of a unit group at once.
  function setUpSiteGroups() {
    document.querySelectorAll("[data-select-group]").forEach(function (button) {
      button.addEventListener("click", function () {
        var group = document.getElementById(button.getAttribute("data-select-group"));
        if (!group) {
          return;
        }
        var boxes = group.querySelectorAll("input[type=checkbox]");
        var allChecked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
        boxes.forEach(function (b) { b.checked = !allChecked; });
      });
    });
  }

  // Buttons that ask before doing something that cannot be undone (cancel a meeting, remove a file).
  function setUpConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  function setUpPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // A chart of months wider than a phone scrolls sideways: show the latest months (its right end) first.
  function setUpScrollEnd() {
    document.querySelectorAll("[data-scroll-end]").forEach(function (box) {
      box.scrollLeft = box.scrollWidth;
    });
  }

  // Date and time boxes are drawn by the browser in the format of its own language (an English Windows shows
  // 12/01/2026, 08:00 AM, which a Vietnamese reader takes for the 12th of January). Under each box, the
  // chosen day as Vietnamese write it: Thứ Ba, 01/12/2026, 08:00.
  function setUpDateEcho() {
    var locale = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
    var weekday = new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" });
    document.querySelectorAll("input[data-echo]").forEach(function (input) {
      var out = document.getElementById(input.getAttribute("data-echo"));
      if (!out) {
        return;
      }
      function show() {
        var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(input.value);
        if (!m) {
          out.textContent = "";
          return;
        }
        var day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
        var name = weekday.format(day);
        var text = name.charAt(0).toUpperCase() + name.slice(1) + ", " + m[3] + "/" + m[2] + "/" + m[1];
        out.textContent = m[4] ? text + ", " + m[4] + ":" + m[5] : text;
      }
      input.addEventListener("input", show);
      input.addEventListener("change", show);
      show();
    });
  }

  // Error pages: a way back to the page of ours the person came from (after a too-large upload, their form);
  // none for a page opened from elsewhere (a link in a mail).
  function setUpBack() {
    var fromUs = document.referrer !== "" && document.referrer.indexOf(window.location.origin + "/") === 0;
    document.querySelectorAll("[data-back]").forEach(function (button) {
      if (fromUs) {
        button.hidden = false;
        button.addEventListener("click", function () { window.history.back(); });
      }
    });
  }

  // Fields that matter for some answers only (the reply to an invitation: a reason when declining or sending
  // a deputy, the deputy's name and position when sending one): shown when one of those answers is chosen.
  function setUpShownFor() {
    document.querySelectorAll("[data-shown-for]").forEach(function (field) {
      var form = field.closest("form");
      var name = field.getAttribute("data-shown-for");
      var values = field.getAttribute("data-values").split(" ");
      if (!form) {
        return;
      }
      function sync() {
        var chosen = form.querySelector("input[name='" + name + "']:checked");
        field.hidden = !chosen || values.indexOf(chosen.value) < 0;
      }
      form.addEventListener("change", sync);
      sync();
    });
  }

  // The error summary's links put the cursor in the field to fix (or the first box of a group of them),
  // not only scroll to it.
  function setUpErrorLinks() {
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) {
          return;
        }
        var box = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        if (box) {
          event.preventDefault();
          target.scrollIntoView({ block: "center" });
          box.focus({ preventScroll: true });
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showInsecureBanner();
    setUpAgenda();
    setUpUrgent();
    setUpSiteGroups();
    setUpConfirm();
    setUpPrint();
    setUpScrollEnd();
    setUpDateEcho();
    setUpBack();
    setUpShownFor();
    setUpErrorLinks();
  });
})();
