// The agenda: the current item over everyone's pictures (title, presenter, time used against time planned),
// and on the chair's console the list of items with previous / next / stop.
// The list comes with the page (config.agenda); which item is current comes from the server.

import { $, element, fill, reconcile } from "./dom.js";

const TICK_MS = 10000;
const LOADED_AT = Date.now(); // with the page, when config.now was the server's time

// Minutes used by an item: its earlier turns (used_seconds) and the current one since started_at, counted on
// the server's clock (the page brought it: the PC's own may be set to anything).
function minutesUsed(item, skew) {
  const started = Date.parse(item.started_at || "");
  const now = Number.isNaN(started) ? 0 : Math.max(0, (Date.now() + skew - started) / 1000);
  return Math.floor(((item.used_seconds || 0) + now) / 60);
}

export class Agenda {
  constructor(texts, items, send, serverNow) {
    this.texts = texts;
    const server = Date.parse(serverNow || "");
    this.skew = Number.isNaN(server) ? 0 : server - LOADED_AT; // the server's clock minus the PC's
    this.items = items || [];
    this.send = send;
    this.current = null;
    this.timer = setInterval(() => {
      this.drawBanner();
      this.drawConsole();
    }, TICK_MS);
    $("agenda-prev")?.addEventListener("click", () => this.step(-1));
    $("agenda-next")?.addEventListener("click", () => this.step(1));
    $("agenda-stop")?.addEventListener("click", () => this.go(null));
  }

  set(item) {
    this.current = item || null;
    this.drawBanner();
    this.drawConsole();
  }

  index() {
    return this.current ? this.items.findIndex((i) => i.id === this.current.id) : -1;
  }

  step(delta) {
    const next = this.items[this.index() + delta];
    if (next) {
      this.go(next.id);
    } else if (delta < 0 && this.index() === 0) {
      this.go(null);
    }
  }

  go(id) {
    this.send({ type: "chair", action: "agenda", item: id });
  }

  timeText(item) {
    const used = minutesUsed(item, this.skew);
    const planned = item.planned_minutes || 0;
    const text = fill(this.texts.agenda_time, { used, planned });
    return { text: planned && used > planned ? `${text} · ${this.texts.agenda_over}` : text, over: planned > 0 && used > planned };
  }

  drawBanner() {
    const banner = $("agenda-banner");
    if (!banner) {
      return;
    }
    const item = this.current;
    banner.hidden = !item;
    if (!item) {
      return;
    }
    $("agenda-title").textContent = item.title;
    $("agenda-presenter").textContent = item.presenter ? fill(this.texts.agenda_presenter, { name: item.presenter }) : "";
    const time = this.timeText(item);
    $("agenda-clock").textContent = time.text;
    $("agenda-clock").classList.toggle("over", time.over);
  }

  drawConsole() {
    const list = $("console-agenda");
    if (!list) {
      return;
    }
    const at = this.index();
    const rows = this.items.map((item, i) => {
      const meta = [item.presenter ? fill(this.texts.agenda_presenter, { name: item.presenter }) : ""];
      meta.push(
        i === at && this.current
          ? this.timeText(this.current).text
          : fill(this.texts.agenda_time, { used: "–", planned: item.planned_minutes }),
      );
      const metaText = meta.filter(Boolean).join(" · ");
      return {
        key: String(item.id),
        sig: JSON.stringify([i === at, at >= 0 && i < at, metaText]),
        build: () => {
          const row = element("li", "agenda-row");
          row.dataset.item = item.id;
          row.classList.toggle("current", i === at);
          row.classList.toggle("done", at >= 0 && i < at);
          const pick = element("button", "agenda-pick");
          pick.type = "button";
          pick.append(element("span", "agenda-row-title", item.title));
          pick.append(element("span", "agenda-row-meta muted small", metaText));
          pick.setAttribute("aria-current", String(i === at));
          pick.addEventListener("click", () => this.go(item.id));
          row.append(pick);
          return row;
        },
      };
    });
    reconcile(list, rows);
    $("agenda-empty").hidden = this.items.length > 0;
    $("agenda-prev").disabled = at < 0;
    $("agenda-next").disabled = at >= this.items.length - 1;
    $("agenda-stop").disabled = at < 0;
  }
}
