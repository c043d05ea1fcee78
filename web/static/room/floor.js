// A participant's standing with the chair, shown on its own room page: it holds the floor, the chair muted it,
// or the meeting is chaired and it is not heard; its place in the queue of floor requests; and why the
// microphone button cannot make it heard when the chair decides (the server stops forwarding, not the page).

import { $, element, fill } from "./dom.js";

export class FloorState {
  constructor(texts) {
    this.texts = texts;
    this.position = element("span", "hand-position");
    this.position.hidden = true;
    this.position.setAttribute("role", "status");
    $("hand-toggle")?.after(this.position);
    // Said when the microphone button is pressed while the chair keeps this site silent.
    this.note = element("div", "mic-note");
    this.note.hidden = true;
    this.note.setAttribute("role", "alert");
    $("floor-state")?.after(this.note);
    this.noteTimer = null;
    $("mic-toggle").addEventListener("click", () => this.micClicked());
    this.state = { controller: false, mode: "open", floor: null, muted: false, hand: null, me: null };
  }

  // Only the parts given change.
  update(changes) {
    Object.assign(this.state, changes);
    this.draw();
  }

  // Not heard whatever the microphone button says.
  blocked() {
    const s = this.state;
    return !s.controller && (s.muted || (s.mode === "chaired" && s.floor !== s.me));
  }

  draw() {
    const s = this.state;
    const banner = $("floor-state");
    let kind = "";
    if (!s.controller) {
      if (s.muted) {
        kind = "muted";
      } else if (s.floor && s.floor === s.me) {
        kind = "floor";
      } else if (s.mode === "chaired") {
        kind = "chaired";
      }
    }
    if (banner) {
      banner.hidden = !kind;
      banner.dataset.kind = kind;
      banner.textContent = { muted: this.texts.muted_by_chair, floor: this.texts.you_floor, chaired: this.texts.chaired_note }[kind] || "";
    }
    const mic = $("mic-toggle");
    mic.title = this.blocked() ? this.texts.mic_blocked : "";
    mic.classList.toggle("blocked", this.blocked());
    this.position.hidden = !s.hand;
    this.position.textContent = s.hand ? fill(this.texts.hand_queued, { n: s.hand }) : "";
    $("hand-toggle")?.classList.toggle("raised", Boolean(s.hand));
    if (!this.blocked()) {
      this.note.hidden = true;
    }
  }

  // Turning the microphone on while the chair keeps this site silent: say so, next to the pictures.
  micClicked() {
    if (!this.blocked()) {
      return;
    }
    this.note.textContent = this.texts.mic_blocked;
    this.note.hidden = false;
    clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => {
      this.note.hidden = true;
    }, 10000);
  }
}
