// The meeting room page: device check, then the lobby or the room, and everything in between.
// Plain ES modules, no build step; every text comes from the page (the server translated it).

import { Call } from "./call.js";
import { Chairing } from "./chairing.js";
import { DeviceCheck } from "./devices.js";
import { Signal } from "./signal.js";
import { Stage } from "./stage.js";
import { StatsReporter } from "./stats.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("room-config").textContent);
const texts = config.texts;
const app = $("room-app");

const devices = new DeviceCheck(texts);
let signal = null;
let call = null;
let stage = null;
let stats = null;
let me = null;
let room = null;
let audioOn = true;
let videoOn = true;
let hand = false;
let holdsFloor = false; // the chair gave this site the floor: nothing to ask for
let handAgain = false;
let screenTrack = null;
let errorTimer = null;
let chairing = null; // the chair's console and the sites' side of it (meetings only)

// For tests and support: the page's media connection and what its slots show.
window.giaoban = {
  get pc() {
    return call?.pc || null;
  },
  get stage() {
    return stage;
  },
};

// ---------- what is on screen ----------

function show(section) {
  app.dataset.stage = section;
  for (const id of ["check", "lobby", "stage", "ended"]) {
    $(id).hidden = id !== section;
  }
}

function connection(state) {
  const pill = $("conn-state");
  pill.dataset.state = state;
  pill.textContent = texts[state] || "";
  $("reconnecting").hidden = state !== "reconnecting";
}

function showError(message) {
  const box = $("room-error");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => {
    box.hidden = true;
  }, 8000);
}

function finish(message, canRejoin) {
  signal?.stop();
  call?.close();
  stats?.stop();
  stopShare(false);
  connection("idle");
  $("ended-text").textContent = message;
  $("rejoin-button").hidden = !canRejoin;
  show("ended");
}

function label(button, on, whenOn, whenOff) {
  button.textContent = on ? whenOn : whenOff;
  button.setAttribute("aria-pressed", String(!on));
}

function drawControls() {
  label($("mic-toggle"), audioOn, texts.mute, texts.unmute);
  label($("camera-toggle"), videoOn, texts.camera_stop, texts.camera_start);
  if ($("hand-toggle")) {
    // The chair gives the floor and speaks at will: asking for the floor is for the sites.
    $("hand-toggle").hidden = Boolean(me?.chair);
    // Holding the floor, the button says so instead of offering to ask for it.
    $("hand-toggle").disabled = holdsFloor;
    $("hand-toggle").classList.toggle("holding-floor", holdsFloor);
    $("hand-toggle").textContent = holdsFloor ? texts.holding_floor : hand ? texts.lower_hand : texts.raise_hand;
    $("hand-toggle").setAttribute("aria-pressed", String(hand && !holdsFloor));
  }
  $("share-toggle").textContent = screenTrack ? texts.stop_share : texts.share;
  $("share-toggle").setAttribute("aria-pressed", String(Boolean(screenTrack)));
  $("camera-toggle").disabled = !devices.camera;
  $("mic-toggle").disabled = !devices.microphone;
}

function lobby() {
  show("lobby");
  $("lobby-text").textContent = texts.lobby_wait;
  if (config.start_text) {
    $("lobby-start").textContent = texts.lobby_start.replace("%(time)s", config.start_text);
  }
  $("lobby-chair").hidden = !me?.chair || room?.kind !== "meeting";
  $("auto-open").checked = Boolean(room?.auto_open);
}

// The chair goes straight into the room; until the meeting is opened the sites wait, so say so and offer
// the button that the lobby would have shown.
function drawStageOpen() {
  $("stage-open").hidden = !me?.chair || room?.kind !== "meeting" || room?.stage !== "lobby";
}

// ---------- joining ----------

async function postCheck() {
  const csrf = document.querySelector("input[name=csrf_token]")?.value || "";
  try {
    const response = await fetch(config.checks, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(devices.report(config.token)),
      credentials: "same-origin",
    });
    if (response.ok) {
      $("check-saved").textContent = texts.check_saved;
    }
  } catch {
    // The check is a convenience for the IT officer; joining does not depend on it.
  }
}

function negotiate() {
  if (!call || !signal) {
    return;
  }
  stats?.stop();
  stage.reset();
  call.negotiate().catch((error) => showError(String(error)));
}

function enter() {
  postCheck();
  connection("connecting");
  signal = new Signal(config.signalling, config.token);
  signal.addEventListener("message", (event) => onMessage(event.detail));
  signal.addEventListener("reconnecting", () => {
    connection("reconnecting");
    call?.close();
    stats?.stop();
  });
  signal.addEventListener("final", (event) => {
    if (app.dataset.stage !== "ended") {
      finish(texts.ended, event.detail !== 4410);
    }
  });
  signal.start();
}

function onMessage(m) {
  switch (m.type) {
    case "welcome":
      me = m.you;
      room = m.room;
      if (!stage) {
        stage = new Stage(texts, m.layout, me, (action, participant, value) =>
          signal.send({ type: "chair", action, participant, value }),
        );
        stage.showSelf(devices.camera);
        stage.setSink(devices.speaker());
        (m.chat || []).forEach((line) => stage.addChat(line));
      }
      if (!call) {
        call = new Call(signal, m.layout);
        call.setTrack("camera", devices.camera);
        call.setTrack("microphone", devices.microphone);
        call.addEventListener("track", (event) => stage.attach(event.detail.mid, event.detail.role, event.detail.track));
        call.addEventListener("state", (event) => {
          if (event.detail === "connected") {
            connection("connected");
            stats.start();
            if (handAgain) {
              handAgain = false;
              hand = true;
              signal.send({ type: "hand", raised: true });
              drawControls();
            }
          }
        });
        call.addEventListener("lost", () => {
          connection("reconnecting");
          negotiate();
        });
        stats = new StatsReporter(call, signal);
      }
      stage.setRoster(m.roster);
      $("chair-panel").hidden = !(me.chair && room.kind === "meeting");
      if (room.kind === "meeting") {
        chairing ??= new Chairing(texts, config, (message) => signal.send(message));
        chairing.welcome(m);
      }
      signal.send({ type: "media_state", audio: audioOn, video: videoOn });
      // A hand raised before a reconnection is raised again once the media is back: the server takes floor
      // requests only from a site whose media is connected.
      handAgain = hand;
      drawControls();
      drawStageOpen();
      if (room.stage === "open" || me.chair) {
        show("stage");
        negotiate();
      } else {
        lobby();
      }
      break;
    case "opened":
      room = m.room;
      drawStageOpen();
      if (app.dataset.stage === "lobby") {
        show("stage");
        negotiate();
      }
      break;
    case "room":
      room = m.room;
      drawStageOpen();
      $("auto-open").checked = Boolean(room.auto_open);
      break;
    case "answer":
      call.answer(m.sdp).catch((error) => showError(String(error)));
      break;
    case "layout":
      stage.setLayout(m.slots, m.speaker);
      $("weak-line").hidden = !m.weak_line;
      break;
    case "roster":
      stage.setRoster(m.participants);
      if (m.speaker !== undefined) {
        stage.setSpeaker(m.speaker);
      }
      {
        const mine = m.participants.find((p) => p.id === me.id);
        $("share-toggle").disabled = !(mine && mine.may_share) && !screenTrack;
        $("share-toggle").title = mine && mine.may_share ? "" : texts.share_failed;
        if (mine && chairing) {
          hand = Boolean(mine.hand); // given the floor, or taken off the queue by the chair
          holdsFloor = Boolean(mine.floor);
          drawControls();
        }
      }
      chairing?.setRoster(m.participants);
      break;
    case "speaker":
      stage.setSpeaker(m.participant);
      break;
    case "quality":
      stage.setQuality(m.levels);
      break;
    case "chat":
      stage.addChat(m);
      break;
    case "notice":
      stage.addNotice(m.text);
      break;
    case "media_restarted":
    case "media_lost":
      connection("reconnecting");
      negotiate();
      break;
    case "screen_stopped":
      stopShare(false);
      break;
    case "error":
      if (m.code === "lobby") {
        lobby();
      } else if (m.code === "media_timeout" || m.code === "media_unavailable") {
        connection("reconnecting");
        setTimeout(negotiate, 1500);
      } else if (m.code === "share_not_allowed") {
        stopShare(false);
      }
      chairing?.error(m.code);
      showError(m.message);
      break;
    case "refused":
      finish(m.message, false);
      break;
    case "replaced":
      finish(m.message, true);
      break;
    case "closed":
      finish(m.message, false);
      break;
    default:
      chairing?.handle(m);
      break;
  }
}

// ---------- the controls ----------

async function startShare() {
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 10 }, audio: false });
    screenTrack = stream.getVideoTracks()[0];
  } catch {
    showError(texts.share_failed);
    return;
  }
  screenTrack.addEventListener("ended", () => stopShare(true));
  await call.setTrack("screen", screenTrack);
  signal.send({ type: "screen", on: true });
  drawControls();
}

function stopShare(tell) {
  if (!screenTrack) {
    return;
  }
  screenTrack.stop();
  screenTrack = null;
  call?.setTrack("screen", null);
  if (tell) {
    signal?.send({ type: "screen", on: false });
  }
  drawControls();
}

function wireControls() {
  $("join-button").addEventListener("click", () => {
    devices.stopMeter();
    enter();
  });
  $("recheck-button").addEventListener("click", () => devices.recheck());
  $("mic-toggle").addEventListener("click", () => {
    audioOn = !audioOn;
    if (devices.microphone) {
      devices.microphone.enabled = audioOn;
    }
    signal?.send({ type: "media_state", audio: audioOn, video: videoOn });
    drawControls();
  });
  $("camera-toggle").addEventListener("click", () => {
    videoOn = !videoOn;
    if (devices.camera) {
      devices.camera.enabled = videoOn;
    }
    signal?.send({ type: "media_state", audio: audioOn, video: videoOn });
    drawControls();
  });
  $("hand-toggle")?.addEventListener("click", () => {
    if (holdsFloor) {
      return;
    }
    hand = !hand;
    handAgain = false;
    signal?.send({ type: "hand", raised: hand });
    drawControls();
  });
  $("share-toggle").addEventListener("click", () => (screenTrack ? stopShare(true) : startShare()));
  $("leave-button").addEventListener("click", () => finish(texts.left, true));
  $("rejoin-button").addEventListener("click", () => location.reload());
  $("open-button").addEventListener("click", () => signal?.send({ type: "chair", action: "open" }));
  $("stage-open-button").addEventListener("click", () => signal?.send({ type: "chair", action: "open" }));
  $("auto-open").addEventListener("change", (event) =>
    signal?.send({ type: "chair", action: "auto_open", value: event.target.checked }),
  );
  $("close-button").addEventListener("click", () => {
    if (window.confirm(texts.confirm_close)) {
      signal?.send({ type: "chair", action: "close" });
    }
  });
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (text && signal?.send({ type: "chat", text })) {
      input.value = "";
    }
  });
  document.addEventListener("devices-changed", () => {
    if (devices.camera) {
      devices.camera.enabled = videoOn;
    }
    if (devices.microphone) {
      devices.microphone.enabled = audioOn;
    }
    stage?.showSelf(devices.camera);
    call?.setTrack("camera", devices.camera);
    call?.setTrack("microphone", devices.microphone);
    drawControls();
  });
}

wireControls();
show("check");
connection("idle");
devices.start().then(drawControls);
