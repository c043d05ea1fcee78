// The roll call (điểm danh): a site answers from its room page (on line, in person, or absent with a reason,
// and how many people); the chair's console shows every site's answer, the total headcount, and corrects an
// answer. The latest answer wins, on the server.

import { $, button, element, fill, reconcile } from "./dom.js";

const STATUSES = ["online", "in_person", "absent"];
const MAX_HEADCOUNT = 10000; // the server refuses more (and closes the connection on a malformed message)

export function answerText(texts, answer) {
  if (!answer || !answer.status) {
    return texts.rc_none;
  }
  const parts = [texts[`rc_${answer.status}`] || answer.status];
  if (answer.status !== "absent" && answer.headcount !== null && answer.headcount !== undefined) {
    parts.push(fill(texts.people_n, { n: answer.headcount }));
  }
  if (answer.status === "absent" && answer.reason) {
    parts.push(fill(texts.rc_reason, { reason: answer.reason }));
  }
  return parts.join(" · ");
}

function readAnswer(status, headcountInput, reasonInput, texts) {
  const raw = headcountInput.value.trim();
  const headcount = raw === "" ? null : Number.parseInt(raw, 10);
  const reason = reasonInput.value.trim();
  if (status === "absent" && !reason) {
    return { error: texts.rc_need_reason };
  }
  if (status !== "absent" && (headcount === null || Number.isNaN(headcount) || headcount < 0 || headcount > MAX_HEADCOUNT)) {
    return { error: texts.rc_need_headcount };
  }
  return { status, headcount: status === "absent" ? null : headcount, reason: status === "absent" ? reason : "" };
}

export class RollCall {
  constructor(texts, send) {
    this.texts = texts;
    this.send = send;
    this.open = false;
    this.canAnswer = false;
    this.mine = null;
    this.sites = [];
    this.editing = null;
    const form = $("roll-form");
    form?.addEventListener("change", () => this.syncForm());
    form?.addEventListener("submit", (event) => {
      event.preventDefault();
      this.answer();
    });
    $("roll-toggle")?.addEventListener("click", () => this.send({ type: "chair", action: "roll_call", value: !this.open }));
  }

  // ---------- the site ----------

  setOpen(open) {
    this.open = Boolean(open);
    this.drawSite();
    this.drawConsole();
  }

  // connected: this site's picture and sound are in the meeting, so it cannot report itself absent (the
  // server refuses it; the chair may still correct it).
  setMine(canAnswer, answer, connected = false) {
    this.canAnswer = canAnswer;
    this.mine = answer || null;
    this.connected = connected;
    this.drawSite();
  }

  status() {
    return document.querySelector("input[name=roll-status]:checked")?.value || "online";
  }

  syncForm() {
    const absent = this.status() === "absent";
    $("roll-reason-field").hidden = !absent;
    $("roll-headcount-field").hidden = absent;
  }

  answer() {
    const result = readAnswer(this.status(), $("roll-headcount"), $("roll-reason"), this.texts);
    $("roll-error").hidden = !result.error;
    $("roll-error").textContent = result.error || "";
    if (result.error) {
      return;
    }
    if (this.send({ type: "roll_call", ...result })) {
      this.mine = result;
      this.drawSite();
    }
  }

  drawSite() {
    const panel = $("roll-answer");
    if (!panel) {
      return;
    }
    panel.hidden = !(this.open && this.canAnswer);
    const sent = $("roll-sent");
    sent.hidden = !this.mine;
    sent.textContent = this.mine ? fill(this.texts.rc_sent, { answer: answerText(this.texts, this.mine) }) : "";
    if (this.mine && document.activeElement?.closest?.("#roll-form") === null) {
      const radio = document.querySelector(`input[name=roll-status][value="${this.mine.status}"]`);
      if (radio) {
        radio.checked = true;
      }
    }
    const absent = document.querySelector("input[name=roll-status][value=absent]");
    if (absent) {
      absent.disabled = Boolean(this.connected);
      absent.closest("label").title = this.connected ? this.texts.rc_absent_connected : "";
      if (absent.disabled && absent.checked) {
        document.querySelector("input[name=roll-status][value=online]").checked = true;
      }
    }
    this.syncForm();
  }

  // ---------- the console ----------

  setSites(sites) {
    this.sites = sites || [];
    this.drawConsole();
  }

  drawConsole() {
    const list = $("roll-sites");
    if (!list) {
      return;
    }
    $("roll-toggle").textContent = this.open ? this.texts.rc_close : this.texts.rc_open;
    $("roll-state").textContent = this.open ? this.texts.rc_is_open : this.texts.rc_is_closed;
    const counts = { online: 0, in_person: 0, absent: 0, none: 0 };
    let total = 0;
    for (const site of this.sites) {
      const answer = site.roll_call;
      counts[answer?.status in counts ? answer.status : "none"] += 1;
      if (answer && answer.status !== "absent") {
        total += answer.headcount || 0;
      }
    }
    $("roll-total").textContent = fill(this.texts.rc_total, { n: total });
    $("roll-counts").textContent = fill(this.texts.rc_counts, counts);
    // An open editor is kept as it is while answers come in: the chair may be typing in it.
    reconcile(
      list,
      this.sites.map((site) => ({
        key: String(site.site),
        sig: this.editing === site.site ? "editing" : JSON.stringify([site.name, site.roll_call]),
        build: () => (this.editing === site.site ? this.editor(site) : this.row(site)),
      })),
    );
  }

  row(site) {
    const item = element("li", "roll-site");
    item.dataset.site = site.site;
    item.dataset.status = site.roll_call?.status || "none";
    item.append(element("span", "roll-site-name", site.name));
    const answer = element("span", "roll-site-answer", answerText(this.texts, site.roll_call));
    if (site.roll_call?.corrected) {
      answer.append(element("span", "muted small", ` (${this.texts.rc_corrected})`));
    }
    item.append(answer);
    item.append(
      button("roll-edit", this.texts.rc_correct, () => {
        this.editing = site.site;
        this.drawConsole();
      }),
    );
    return item;
  }

  editor(site) {
    const item = element("li", "roll-site editing");
    item.dataset.site = site.site;
    item.append(element("span", "roll-site-name", site.name));
    const select = element("select", "roll-edit-status");
    for (const status of STATUSES) {
      const option = element("option", "", this.texts[`rc_${status}`]);
      option.value = status;
      select.append(option);
    }
    select.value = site.roll_call?.status || "online";
    const headcount = element("input", "roll-edit-headcount");
    headcount.type = "number";
    headcount.min = "0";
    headcount.value = site.roll_call?.headcount ?? "";
    headcount.setAttribute("aria-label", this.texts.rc_need_headcount);
    const reason = element("input", "roll-edit-reason");
    reason.maxLength = 500;
    reason.value = site.roll_call?.reason || "";
    reason.setAttribute("aria-label", this.texts.rc_need_reason);
    const error = element("span", "roll-edit-error small");
    const save = button("primary roll-save", this.texts.rc_save, () => {
      const result = readAnswer(select.value, headcount, reason, this.texts);
      error.textContent = result.error || "";
      if (!result.error) {
        this.send({ type: "chair", action: "roll_call_set", site: site.site, ...result });
        this.editing = null;
        this.drawConsole();
      }
    });
    const cancel = button("roll-cancel", this.texts.rc_cancel, () => {
      this.editing = null;
      this.drawConsole();
    });
    item.append(select, headcount, reason, save, cancel, error);
    return item;
  }
}
