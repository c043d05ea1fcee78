// The chair's console beside the chair's own picture: every invited site with its state, figures, people and
// roll-call answer; the queue of floor requests with "give the floor" / "take it back"; chaired or open mode;
// mute one, mute all; recording; co-chairs; ending the meeting. Shown only to controllers (the server says
// who is one and checks every command anyway). The agenda, roll-call and vote panes are drawn by their modules.

import { $, button, element, fill, reconcile } from "./dom.js";
import { answerText } from "./rollcall.js";

const STATES = ["lobby", "connected", "weak", "absent"];

export class Console {
  constructor(texts, config, send) {
    this.texts = texts;
    this.config = config;
    this.send = send;
    this.shown = false;
    this.state = { sites: [], hands: [], recording: false };
    this.roster = [];
    this.names = {};
    this.floor = null;
    this.mode = "open";
    this.me = null;
    const tabs = [...document.querySelectorAll(".console-tab")];
    for (const tab of tabs) {
      tab.addEventListener("click", () => this.tab(tab.dataset.tab));
      // The tab list as a screen reader expects it: arrows move between tabs.
      tab.addEventListener("keydown", (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) {
          const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
          this.tab(next.dataset.tab);
          next.focus();
          event.preventDefault();
        }
      });
    }
    this.tab("sites");
    $("mode-chaired").addEventListener("click", () => this.chair("mode", { value: "chaired" }));
    $("mode-open").addEventListener("click", () => this.chair("mode", { value: "open" }));
    $("mute-all").addEventListener("click", () => {
      if (window.confirm(texts.confirm_mute_all)) {
        this.chair("mute_all");
      }
    });
    $("record-toggle").addEventListener("click", () => this.record(!this.state.recording, false));
    $("console-close").addEventListener("click", () => {
      if (window.confirm(texts.confirm_close)) {
        this.chair("close");
      }
    });
  }

  chair(action, fields = {}) {
    return this.send({ type: "chair", action, ...fields });
  }

  // Starting to record a confidential meeting needs the chair's explicit, logged decision.
  record(on, askedAlready) {
    let override = false;
    if (on && (this.config.confidential || askedAlready)) {
      if (!window.confirm(this.texts.confirm_rec_confidential)) {
        return;
      }
      override = true;
    }
    this.chair("record", { value: on, override });
  }

  show(on) {
    if (on) {
      // The console has its own "end the meeting": the plain chair panel comes back if the console goes.
      this.panelHidden ||= !$("chair-panel").hidden;
      $("chair-panel").hidden = true;
    } else if (!on && this.shown && this.panelHidden) {
      $("chair-panel").hidden = false;
      this.panelHidden = false;
    }
    this.shown = on;
    $("console").hidden = !on;
    $("stage").classList.toggle("has-console", on);
  }

  tab(name) {
    for (const tab of document.querySelectorAll(".console-tab")) {
      tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
      tab.tabIndex = tab.dataset.tab === name ? 0 : -1;
    }
    for (const pane of document.querySelectorAll(".console-pane")) {
      pane.hidden = pane.dataset.pane !== name;
    }
  }

  setMe(id) {
    this.me = id;
  }

  setRoster(roster) {
    this.roster = roster;
    this.names = Object.fromEntries(roster.map((p) => [p.id, p]));
    this.draw();
  }

  setFloor(participant, mode) {
    this.floor = participant;
    if (mode) {
      this.mode = mode;
    }
    this.draw();
  }

  update(state) {
    this.state = { ...this.state, ...state };
    this.draw();
  }

  nameOf(id) {
    const site = this.state.sites.find((s) => s.participant === id);
    return this.names[id]?.name || site?.name || id;
  }

  draw() {
    if (!this.shown) {
      return;
    }
    this.drawFloor();
    this.drawSites();
    this.drawMore();
  }

  drawFloor() {
    const holder = $("floor-holder");
    const floorKey = `${this.floor}|${this.floor ? this.nameOf(this.floor) : ""}`;
    if (holder.dataset.key !== floorKey) {
      holder.dataset.key = floorKey;
      holder.replaceChildren();
      if (this.floor) {
        holder.append(element("span", "", fill(this.texts.floor_holder, { name: this.nameOf(this.floor) })));
        holder.append(button("take-floor", this.texts.take_floor, () => this.chair("floor", { participant: null })));
      } else {
        holder.textContent = this.texts.floor_none;
      }
    }
    const hands = (this.state.hands || []).filter((id) => id !== this.floor);
    const rows = hands.map((id) => ({
      key: id,
      sig: this.nameOf(id),
      build: () => {
        const item = element("li", "queue-item");
        item.dataset.participant = id;
        item.append(element("span", "queue-name", this.nameOf(id)));
        item.append(button("primary give-floor", this.texts.give_floor, () => this.chair("floor", { participant: id })));
        return item;
      },
    }));
    if (!hands.length) {
      rows.push({ key: "", sig: "", build: () => element("li", "queue-empty muted small", this.texts.queue_empty) });
    }
    reconcile($("floor-queue"), rows);
    $("queue-count").textContent = hands.length ? `(${hands.length})` : "";
    $("mode-chaired").setAttribute("aria-pressed", String(this.mode === "chaired"));
    $("mode-open").setAttribute("aria-pressed", String(this.mode === "open"));
    $("mode-note").textContent = this.mode === "chaired" ? this.texts.mode_is_chaired : this.texts.mode_is_open;
  }

  statsText(stats) {
    if (!stats) {
      return "";
    }
    const parts = [];
    if (typeof stats.rtt_ms === "number") {
      parts.push(fill(this.texts.stats_rtt, { n: Math.round(stats.rtt_ms) }));
    }
    if (typeof stats.loss === "number") {
      parts.push(fill(this.texts.stats_loss, { n: `${(stats.loss * 100).toFixed(1)}%` }));
    }
    if (typeof stats.fps === "number") {
      parts.push(fill(this.texts.stats_fps, { n: Math.round(stats.fps) }));
    }
    if (stats.weak_line) {
      parts.push(this.texts.stats_weak_line);
    }
    return parts.join(" · ");
  }

  // Floor and mute buttons for one participant (a site or a person sitting as themselves).
  actions(id) {
    const box = element("span", "cs-actions");
    if (!id || id === this.me) {
      return box;
    }
    const entry = this.names[id];
    if (this.floor === id) {
      box.append(button("take-floor", this.texts.take_floor, () => this.chair("floor", { participant: null })));
    } else {
      box.append(button("give-floor", this.texts.give_floor, () => this.chair("floor", { participant: id })));
    }
    const muted = Boolean(entry?.muted);
    const mute = button(muted ? "unmute" : "mute", muted ? this.texts.unmute_one : this.texts.mute_one, () =>
      this.chair("mute", { participant: id, value: !muted }),
    );
    box.append(mute);
    return box;
  }

  flags(id) {
    const flags = element("span", "cs-flags");
    if (!id) {
      return flags; // a site not in the room holds nothing
    }
    const entry = this.names[id];
    const hand = (this.state.hands || []).indexOf(id);
    if (this.floor === id) {
      flags.append(element("span", "flag flag-floor", this.texts.floor_flag));
    }
    if (hand >= 0) {
      flags.append(element("span", "flag flag-hand", fill(this.texts.hand, { n: hand + 1 })));
    }
    if (entry?.muted) {
      flags.append(element("span", "flag flag-muted", this.texts.muted_flag));
    }
    return flags;
  }

  // What a participant's row shows besides its figures (a change rebuilds the row).
  rowSig(id) {
    if (!id) {
      return "";
    }
    const entry = this.names[id];
    return JSON.stringify([this.floor === id, (this.state.hands || []).indexOf(id), Boolean(entry?.muted), entry?.name]);
  }

  siteRow(site, state, people) {
    const item = element("li", "console-site");
    item.dataset.site = site.site;
    item.dataset.state = state;
    if (site.participant) {
      item.dataset.participant = site.participant;
    }
    const head = element("div", "cs-head");
    head.append(element("span", "cs-name", site.name), element("span", `cs-state state-${state}`, this.texts[`state_${state}`]));
    head.append(this.flags(site.participant));
    item.append(head, element("div", "cs-meta muted small"));
    // Who is in the room from the site (as the room knows them), then who was invited from its unit by name.
    const present = (site.present || []).map((p) => p.name || this.texts.site_pc);
    if (present.length) {
      item.append(element("div", "cs-present small", fill(this.texts.present_names, { names: present.join(", ") })));
    }
    if (people.length) {
      item.append(element("div", "cs-people muted small", fill(this.texts.invited_names, { names: people.join(", ") })));
    }
    const roll = element("div", "cs-roll small", answerText(this.texts, site.roll_call));
    roll.dataset.status = site.roll_call?.status || "none";
    item.append(roll);
    if (site.participant && state !== "absent" && state !== "lobby") {
      item.append(this.actions(site.participant));
    }
    return item;
  }

  personRow(entry) {
    const item = element("li", "console-site");
    item.dataset.participant = entry.id;
    item.dataset.state = "connected";
    const head = element("div", "cs-head");
    head.append(element("span", "cs-name", entry.name), this.flags(entry.id));
    item.append(head, this.actions(entry.id));
    return item;
  }

  drawSites() {
    const rows = [];
    for (const site of this.state.sites || []) {
      const state = STATES.includes(site.state) ? site.state : "absent";
      const people = (site.people || []).map((p) => (typeof p === "string" ? p : p.name || p.label || "")).filter(Boolean);
      rows.push({
        key: `site-row-${site.site}`,
        sig: JSON.stringify([
          site.name,
          state,
          site.participant,
          people,
          (site.present || []).map((p) => [p.participant, p.name]),
          site.roll_call,
          this.rowSig(site.participant),
        ]),
        build: () => this.siteRow(site, state, people),
        // The figures change every few seconds: only their text is redrawn.
        patch: (node) => {
          node.querySelector(".cs-meta").textContent = this.statsText(site.stats) || "";
        },
      });
    }
    // People sitting as themselves (the secretary, invited guests): not sites, but they may speak too.
    const others = this.roster.filter((p) => p.site === null && p.id !== this.me);
    if (others.length) {
      rows.push({ key: "others", sig: "", build: () => element("li", "cs-group muted small", this.texts.others) });
      for (const entry of others) {
        rows.push({ key: `person-row-${entry.id}`, sig: this.rowSig(entry.id), build: () => this.personRow(entry) });
      }
    }
    if (!rows.length) {
      rows.push({ key: "none", sig: "", build: () => element("li", "muted small", this.texts.no_sites) });
    }
    reconcile($("console-sites"), rows);
  }

  drawMore() {
    const on = Boolean(this.state.recording);
    $("record-toggle").textContent = on ? this.texts.rec_stop : this.texts.rec_start;
    $("record-toggle").classList.toggle("danger", on);
    $("record-state").textContent = on ? this.texts.rec_on : this.texts.rec_off;
    const others = this.roster.filter((p) => p.id !== this.me);
    const rows = others.map((entry) => ({
      key: entry.id,
      sig: JSON.stringify([entry.name, Boolean(entry.controller)]),
      build: () => {
        const item = element("li", "cochair");
        item.dataset.participant = entry.id;
        item.append(element("span", "", entry.name));
        if (entry.controller) {
          item.append(element("span", "flag flag-cochair", this.texts.cochair_flag));
        }
        item.append(
          button("cochair-toggle", entry.controller ? this.texts.cochair_remove : this.texts.cochair_make, () =>
            this.chair("co_chair", { participant: entry.id, value: !entry.controller }),
          ),
        );
        return item;
      },
    }));
    if (!others.length) {
      rows.push({ key: "", sig: "", build: () => element("li", "muted small", this.texts.cochair_none) });
    }
    reconcile($("cochairs"), rows);
  }
}
