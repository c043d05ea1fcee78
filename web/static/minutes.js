// The minutes editor: saves as the secretary types (debounced), keeps a copy in localStorage until the
// server has it (restored if the page closed first), and stops on a stale save (409) instead of
// overwriting someone else's text.
(function () {
  "use strict";
  var form = document.getElementById("minutes-editor");
  if (!form) { return; }
  var url = form.getAttribute("data-save-url");
  var version = parseInt(form.getAttribute("data-version"), 10);
  var key = "giaoban.minutes." + form.getAttribute("data-meeting");
  var status = document.getElementById("minutes-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var DELAY = 1500;
  var timer = null;
  var inflight = false;
  var again = false;
  var stopped = false;

  function collect() {
    var items = {};
    form.querySelectorAll("textarea[data-item]").forEach(function (area) {
      items[area.getAttribute("data-item")] = area.value;
    });
    return {
      items: items,
      conclusions: form.elements.conclusions.value,
      attendance_note: form.elements.attendance_note.value,
      other: form.elements.other.value
    };
  }

  function fill(content) {
    form.querySelectorAll("textarea[data-item]").forEach(function (area) {
      var value = (content.items || {})[area.getAttribute("data-item")];
      if (typeof value === "string") { area.value = value; }
    });
    ["conclusions", "attendance_note", "other"].forEach(function (name) {
      if (typeof content[name] === "string") { form.elements[name].value = content[name]; }
    });
  }

  function show(text, isError) {
    status.textContent = text;
    status.classList.toggle("field-error", !!isError);
  }

  function keepLocal() {
    try {
      localStorage.setItem(key, JSON.stringify({ base_version: version, content: collect(), at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy is all there is */ }
  }

  function body() {
    return JSON.stringify({ base_version: version, content: collect() });
  }

  function save() {
    timer = null;
    if (stopped) { return; }
    if (inflight) { again = true; return; }
    inflight = true;
    var sent = body();
    show(form.getAttribute("data-text-saving"));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: sent
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, code: response.status, answer: answer }; });
    }).then(function (result) {
      inflight = false;
      if (result.ok) {
        version = result.answer.version;
        form.setAttribute("data-version", String(version));
        var now = new Date();
        show(form.getAttribute("data-text-saved") + " " + now.toLocaleTimeString());
        if (JSON.stringify(JSON.parse(sent).content) === JSON.stringify(collect())) {
          try { localStorage.removeItem(key); } catch (e) { /* nothing to do */ }
        } else {
          keepLocal();
        }
      } else {
        show(result.answer.error || String(result.code), true);
        if (result.code === 409 || result.code === 403 || result.code === 404) { stopped = true; }
        else { schedule(DELAY * 4); }
      }
      if (again) { again = false; schedule(0); }
    }).catch(function () {
      inflight = false;
      show(form.getAttribute("data-text-offline"), true);
      schedule(DELAY * 4);
    });
  }

  function schedule(delay) {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(save, delay === undefined ? DELAY : delay);
  }

  form.addEventListener("input", function () {
    if (stopped) { return; }
    keepLocal();
    schedule();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); save(); });

  // A copy based on an older version than the server's (someone saved since): never dropped silently; the
  // secretary chooses to take it (a save based on the current version) or to leave it.
  function offer(copy) {
    show(form.getAttribute("data-text-older"), true);
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button small";
    use.id = "minutes-use-copy";
    use.textContent = form.getAttribute("data-text-use-older");
    use.addEventListener("click", function () {
      fill(copy.content);
      use.remove();
      keepLocal();
      schedule(0);
    });
    status.insertAdjacentElement("afterend", use);
  }

  // A copy left by a page closed before its save: restored when based on the version shown now.
  try {
    var copy = JSON.parse(localStorage.getItem(key) || "null");
    if (copy && copy.base_version === version) {
      if (JSON.stringify(copy.content) !== JSON.stringify(collect())) {
        fill(copy.content);
        show(form.getAttribute("data-text-restored"));
        schedule(0);
      }
    } else if (copy) {
      if (JSON.stringify(copy.content) === JSON.stringify(collect())) {
        localStorage.removeItem(key);
      } else {
        offer(copy);
      }
    }
  } catch (e) { /* a broken copy is ignored */ }

  // Leaving with a save pending: send it on its way (keepalive outlives the page).
  window.addEventListener("pagehide", function () {
    if (timer === null || stopped) { return; }
    clearTimeout(timer);
    timer = null;
    try {
      fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token }, body: body()
      });
    } catch (e) { /* the localStorage copy remains */ }
  });
}());
