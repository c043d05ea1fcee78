// The room as people see it: the main view, the active speaker's view, the shared screen, the labelled
// thumbnails (and one's own picture), the list of sites with their state and link quality, and the chat.
// It only draws: what each slot shows comes from the server's "layout" messages.

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function makeTile(className) {
  const figure = element("figure", `tile ${className}`);
  const video = element("video");
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true; // sound comes through the audio slots
  const caption = element("figcaption");
  caption.append(element("span", "tile-name"), element("span", "tile-flags"));
  figure.append(video, caption);
  return figure;
}

export class Stage {
  constructor(texts, layout, me, onChairAction) {
    this.texts = texts;
    this.me = me;
    this.onChairAction = onChairAction;
    this.roster = [];
    this.names = {};
    this.speaker = null;
    this.quality = {};
    this.slots = {}; // mid -> participant shown
    this.tiles = {}; // mid -> figure
    this.audios = {}; // mid -> audio element
    this.freeThumbs = [];
    this.freeAudios = [];
    this.thumbTiles = [];
    for (let i = 0; i < (layout.thumbs || 0); i += 1) {
      const tile = makeTile("tile-thumb");
      tile.dataset.role = "thumb";
      tile.hidden = true;
      $("thumbs").append(tile);
      this.thumbTiles.push(tile);
    }
    this.audioElements = [];
    for (let i = 0; i < (layout.audio || 0); i += 1) {
      const audio = element("audio");
      audio.autoplay = true;
      $("audio-sinks").append(audio);
      this.audioElements.push(audio);
    }
    const self = $("tile-self");
    self.querySelector(".tile-name").textContent = `${me.caption || me.name} (${texts.you})`;
    self.title = me.name;
    self.dataset.participant = me.id;
    this.reset();
  }

  // A new negotiation: every slot starts empty again.
  reset() {
    this.tiles = {};
    this.audios = {};
    this.slots = {};
    this.freeThumbs = [...this.thumbTiles];
    this.freeAudios = [...this.audioElements];
    for (const tile of document.querySelectorAll("#stage figure.tile:not(.tile-self)")) {
      tile.hidden = true;
      delete tile.dataset.participant;
      delete tile.dataset.mid;
      tile.querySelector("video").srcObject = null;
    }
    this.audioElements.forEach((audio) => {
      audio.srcObject = null;
    });
    this.refreshEmpty();
  }

  showSelf(track) {
    const video = $("tile-self").querySelector("video");
    video.srcObject = track ? new MediaStream([track]) : null;
    $("tile-self").classList.toggle("no-video", !track);
  }

  attach(mid, role, track) {
    if (role === "audio") {
      const audio = this.audios[mid] || this.freeAudios.shift();
      if (audio) {
        this.audios[mid] = audio;
        audio.srcObject = new MediaStream([track]);
        audio.play().catch(() => {});
      }
      return;
    }
    let tile = this.tiles[mid];
    if (!tile) {
      tile = role === "thumb" ? this.freeThumbs.shift() : $(`tile-${role}`);
      if (!tile) {
        return;
      }
      this.tiles[mid] = tile;
    }
    tile.dataset.mid = mid;
    const video = tile.querySelector("video");
    video.srcObject = new MediaStream([track]);
    video.play().catch(() => {});
    this.draw();
  }

  setSink(deviceId) {
    if (!deviceId) {
      return;
    }
    this.audioElements.forEach((audio) => audio.setSinkId?.(deviceId).catch(() => {}));
  }

  setLayout(slots, speaker) {
    this.slots = slots || {};
    if (speaker !== undefined) {
      this.speaker = speaker;
    }
    this.draw();
  }

  setSpeaker(participant) {
    this.speaker = participant;
    this.draw();
    this.drawRoster();
  }

  setRoster(roster) {
    this.roster = roster;
    this.names = Object.fromEntries(roster.map((p) => [p.id, p]));
    this.draw();
    this.drawRoster();
  }

  setQuality(levels) {
    // The levels that changed; the others stay as they were.
    this.quality = { ...this.quality, ...(levels || {}) };
    this.draw();
    this.drawRoster();
  }

  qualityOf(id) {
    return this.quality[id] || this.names[id]?.quality || "unknown";
  }

  flags(entry) {
    const flags = [];
    if (entry.chair) {
      flags.push(["flag-chair", this.texts.chair]);
    }
    if (entry.hand) {
      flags.push(["flag-hand", this.texts.hand.replace("%(n)s", String(entry.hand))]);
    }
    if (entry.floor) {
      flags.push(["flag-floor", this.texts.floor_flag]);
    }
    if (entry.muted) {
      flags.push(["flag-muted", this.texts.muted_flag]);
    }
    if (!entry.audio) {
      flags.push(["flag-mic-off", this.texts.mic_off]);
    }
    if (!entry.video) {
      flags.push(["flag-camera-off", this.texts.camera_off]);
    }
    if (entry.sharing) {
      flags.push(["flag-sharing", this.texts.sharing]);
    }
    return flags;
  }

  drawFlags(container, entry, id) {
    container.replaceChildren();
    const quality = this.qualityOf(id);
    const dot = element("span", `quality quality-${quality}`);
    dot.title = this.texts[`quality_${quality}`];
    dot.setAttribute("aria-label", dot.title);
    dot.dataset.quality = quality;
    container.append(dot);
    if (entry) {
      for (const [className, label] of this.flags(entry)) {
        const flag = element("span", `flag ${className}`, label);
        container.append(flag);
      }
    }
  }

  draw() {
    for (const [mid, tile] of Object.entries(this.tiles)) {
      const who = this.slots[mid] || null;
      tile.hidden = !who;
      if (!who) {
        delete tile.dataset.participant;
        continue;
      }
      tile.dataset.participant = who;
      const entry = this.names[who];
      // The caption (a site's unit) tells tiles apart; the whole name shows on hover.
      const name = who === this.me.id ? this.texts.yourself : entry ? entry.caption || entry.name : who;
      tile.querySelector(".tile-name").textContent = name;
      tile.title = entry ? entry.name : name;
      tile.classList.toggle("speaking", who === this.speaker);
      tile.classList.toggle("no-video", Boolean(entry && !entry.video));
      this.drawFlags(tile.querySelector(".tile-flags"), entry, who);
    }
    const self = $("tile-self");
    self.classList.toggle("speaking", this.me.id === this.speaker);
    this.drawFlags(self.querySelector(".tile-flags"), this.names[this.me.id], this.me.id);
    this.refreshEmpty();
  }

  refreshEmpty() {
    const anyone = Object.values(this.tiles).some((tile) => !tile.hidden);
    const empty = $("empty-room");
    empty.textContent = this.texts.nobody;
    empty.hidden = anyone;
  }

  drawRoster() {
    const list = $("roster");
    list.replaceChildren();
    const me = this.names[this.me.id];
    for (const entry of this.roster) {
      const item = element("li", "roster-item");
      item.dataset.participant = entry.id;
      item.classList.toggle("speaking", entry.id === this.speaker);
      item.classList.toggle("away", entry.media !== "connected");
      const name = element("span", "roster-name", entry.id === this.me.id ? `${entry.name} (${this.texts.you})` : entry.name);
      const flags = element("span", "tile-flags");
      this.drawFlags(flags, entry, entry.id);
      item.append(name, flags);
      if (me && me.may_chair && entry.id !== this.me.id && !entry.may_chair) {
        const allow = element("button", "button small", entry.may_share ? this.texts.deny_share : this.texts.allow_share);
        allow.type = "button";
        allow.className = "button small allow-share";
        allow.addEventListener("click", () => this.onChairAction("allow_share", entry.id, !entry.may_share));
        item.append(allow);
      }
      list.append(item);
    }
    $("roster-count").textContent = `(${this.roster.length})`;
  }

  addChat(line) {
    const item = element("li", "chat-line");
    const time = line.at ? new Date(line.at).toLocaleTimeString(document.documentElement.lang || "vi", { hour: "2-digit", minute: "2-digit" }) : "";
    item.append(element("span", "chat-meta", `${line.name} · ${time}`), element("span", "chat-text", line.text));
    item.classList.toggle("mine", line.from === this.me.id);
    this.appendChat(item);
  }

  addNotice(text) {
    this.appendChat(element("li", "chat-line notice", text));
  }

  appendChat(item) {
    const log = $("chat-log");
    log.append(item);
    while (log.children.length > 200) {
      log.firstElementChild.remove();
    }
    log.scrollTop = log.scrollHeight;
  }
}
