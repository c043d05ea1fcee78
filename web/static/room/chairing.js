// Everything the chair's console adds to the room page (issue 6), in one place for room.js to feed with the
// server's messages: the console itself for controllers, and for everyone the agenda banner, their standing
// with the chair (floor, muted, chaired mode), the roll call, votes and the recording indicator.

import { Agenda } from "./agenda.js";
import { Console } from "./console.js";
import { $ } from "./dom.js";
import { FloorState } from "./floor.js";
import { RollCall } from "./rollcall.js";
import { Votes } from "./vote.js";

export class Chairing {
  constructor(texts, config, send) {
    this.texts = texts;
    this.config = config;
    this.send = send;
    this.me = null;
    this.mode = "open";
    this.floor = null;
    this.console = new Console(texts, config, send);
    this.agenda = new Agenda(texts, config.agenda, send, config.now);
    this.floorState = new FloorState(texts);
    this.rollCall = new RollCall(texts, send);
    this.votes = new Votes(texts, send);
  }

  // The welcome: who this page is, and whatever state of the console it carries.
  welcome(m) {
    this.me = m.you.id;
    this.console.setMe(this.me);
    this.floorState.update({ me: this.me });
    this.setRoster(m.roster || []);
    if (m.floor) {
      this.setFloor(m.floor.participant ?? null, m.floor.mode);
    }
    if (m.agenda !== undefined) {
      this.agenda.set(m.agenda);
    }
    if (m.roll_call) {
      this.rollCall.setOpen(m.roll_call.open);
    }
    if (m.vote) {
      this.votes.opened(m.vote);
      if (m.vote.choice !== null && m.vote.choice !== undefined) {
        this.votes.confirmed(m.vote.id, m.vote.choice); // answered before this page came (back)
      }
    } else if (this.votes.open) {
      this.votes.open = null; // closed while this page was away
      this.votes.drawAnswer();
    }
    if (m.recording !== undefined) {
      this.handle({ type: "recording", on: m.recording });
    }
  }

  setRoster(roster) {
    const mine = roster.find((p) => p.id === this.me);
    const controller = Boolean(mine?.controller);
    this.console.show(controller);
    this.console.setRoster(roster);
    const floorHolder = roster.find((p) => p.floor);
    if (floorHolder && floorHolder.id !== this.floor) {
      this.setFloor(floorHolder.id, undefined);
    }
    this.floorState.update({ controller, muted: Boolean(mine?.muted), hand: mine?.hand || null });
    const isSite = Boolean(mine && mine.site !== null && mine.site !== undefined);
    this.rollCall.setMine(isSite, mine?.roll_call || this.rollCall.mine, mine?.media === "connected");
    this.votes.setVoter({ site: isSite, person: Boolean(this.config.person) });
  }

  setFloor(participant, mode) {
    this.floor = participant;
    if (mode) {
      this.mode = mode;
    }
    this.console.setFloor(participant, mode);
    this.floorState.update({ floor: participant, mode: this.mode });
  }

  // Returns true when the message was one of the console's.
  handle(m) {
    switch (m.type) {
      case "floor":
        this.setFloor(m.participant ?? null, m.mode);
        return true;
      case "agenda":
        this.agenda.set(m.item);
        return true;
      case "roll_call":
        this.rollCall.setOpen(m.open);
        return true;
      case "vote_opened":
        this.votes.opened(m.vote);
        return true;
      case "vote_closed":
        this.votes.closed(m);
        return true;
      case "recording":
        $("recording-indicator").hidden = !m.on;
        this.console.update({ recording: Boolean(m.on) });
        return true;
      case "muted":
        if (m.participant === this.me) {
          this.floorState.update({ muted: Boolean(m.value) });
        }
        return true;
      case "console":
        this.console.update(m);
        this.rollCall.setSites(m.sites);
        this.votes.drawLive(m.vote);
        if (m.agenda !== undefined) {
          this.agenda.set(m.agenda);
        }
        if (typeof m.roll_call_open === "boolean" && m.roll_call_open !== this.rollCall.open) {
          this.rollCall.setOpen(m.roll_call_open);
        }
        if (m.floor !== undefined && (m.floor !== this.floor || (m.mode && m.mode !== this.mode))) {
          this.setFloor(m.floor, m.mode);
        }
        return true;
      case "vote_answered":
        this.votes.confirmed(m.vote, m.choice);
        return true;
      default:
        return false;
    }
  }

  // An error from the server about one of the console's actions (room.js shows the message itself).
  error(code) {
    if (code === "already_voted") {
      this.votes.alreadyAnswered();
    } else if (code === "not_voter") {
      this.votes.notVoter();
    } else if (code === "recording_confidential") {
      this.console.record(true, true);
    }
  }
}
