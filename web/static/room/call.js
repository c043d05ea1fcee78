// The media connection: one RTCPeerConnection with a fixed set of slots, negotiated once. What each receive
// slot shows is switched on the server; toggling the camera, the microphone or a screen share only replaces
// the track on a sender. A connection that fails is made again from scratch (the server replaces the old one).
// Events: "track" (detail: {mid, role, track}), "state" (detail: connectionState), "lost".

const ICE_WAIT_MS = 3000;
// The camera is sent twice: full size for the main and speaker views, and a quarter-size copy for the others'
// thumbnails, so that a commune showing eight thumbnails receives eight small streams, not eight large ones.
const THUMBNAIL_ENCODING = { scaleResolutionDownBy: 4, maxBitrate: 200000, maxFramerate: 15 };

function preferCodec(transceiver, kind, name) {
  // VP8 for every video m-line: the server forwards, it never transcodes, so everyone must share one codec;
  // a shorter offer is a bonus.
  if (!transceiver.setCodecPreferences || !RTCRtpReceiver.getCapabilities) {
    return;
  }
  const codecs = RTCRtpReceiver.getCapabilities(kind).codecs;
  const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === `${kind}/${name}`);
  const helpers = codecs.filter((c) => /\/(rtx|red|ulpfec)$/i.test(c.mimeType) && kind === "video");
  if (wanted.length) {
    transceiver.setCodecPreferences([...wanted, ...helpers.filter((c) => /rtx/i.test(c.mimeType))]);
  }
}

function gathered(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ICE_WAIT_MS);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export class Call extends EventTarget {
  constructor(signal, layout) {
    super();
    this.signal = signal;
    this.layout = layout; // {main, speaker, thumbs, screen, audio}
    this.pc = null;
    this.senders = {}; // role -> RTCRtpSender
    this.roles = {}; // receive mid -> role
    this.tracks = { camera: null, microphone: null, screen: null };
    this.disconnectTimer = null;
    this.generation = 0;
  }

  setTrack(role, track) {
    this.tracks[role] = track;
    // The thumbnail carries the camera's own track (so turning the camera off turns both off).
    const roles = role === "camera" ? ["camera", "thumbnail"] : [role];
    return Promise.all(
      roles.map((r) => (this.senders[r] ? this.senders[r].replaceTrack(track).catch(() => {}) : null)),
    );
  }

  async negotiate() {
    this.close();
    const generation = ++this.generation;
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    this.pc = pc;
    const send = (role, kind, track = this.tracks[role], sendEncodings = undefined) => {
      const init = sendEncodings ? { direction: "sendonly", sendEncodings } : { direction: "sendonly" };
      const transceiver = pc.addTransceiver(track || kind, init);
      this.senders[role] = transceiver.sender;
      return transceiver;
    };
    const sent = [
      ["camera", send("camera", "video")],
      ["thumbnail", send("thumbnail", "video", this.tracks.camera, [THUMBNAIL_ENCODING])],
      ["microphone", send("microphone", "audio")],
      ["screen", send("screen", "video")],
    ];
    const received = [];
    const receive = (role, kind, count) => {
      for (let i = 0; i < count; i += 1) {
        received.push([role, pc.addTransceiver(kind, { direction: "recvonly" })]);
      }
    };
    receive("main", "video", this.layout.main || 0);
    receive("speaker", "video", this.layout.speaker || 0);
    receive("thumb", "video", this.layout.thumbs || 0);
    receive("screen", "video", this.layout.screen || 0);
    receive("audio", "audio", this.layout.audio || 0);
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind === "video") {
        preferCodec(t, "video", "vp8");
      } else {
        preferCodec(t, "audio", "opus");
      }
    }
    pc.addEventListener("track", (event) => {
      const mid = event.transceiver.mid;
      this.dispatchEvent(new CustomEvent("track", { detail: { mid, role: this.roles[mid], track: event.track } }));
    });
    pc.addEventListener("connectionstatechange", () => this.onState(pc, generation));
    await pc.setLocalDescription();
    await gathered(pc);
    if (generation !== this.generation) {
      return;
    }
    this.roles = {};
    const slots = {};
    for (const [role, t] of received) {
      this.roles[t.mid] = role;
      slots[t.mid] = role;
    }
    const tracks = {};
    for (const [role, t] of sent) {
      tracks[t.mid] = role;
    }
    this.signal.send({ type: "offer", sdp: pc.localDescription.sdp, tracks, slots });
  }

  async answer(sdp) {
    if (this.pc && this.pc.signalingState === "have-local-offer") {
      await this.pc.setRemoteDescription({ type: "answer", sdp });
    }
  }

  onState(pc, generation) {
    if (generation !== this.generation) {
      return;
    }
    const state = pc.connectionState;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
    clearTimeout(this.disconnectTimer);
    if (state === "failed") {
      this.dispatchEvent(new CustomEvent("lost"));
    } else if (state === "disconnected") {
      // A short blip often recovers by itself; a longer one means the path is gone.
      this.disconnectTimer = setTimeout(() => {
        if (generation === this.generation && pc.connectionState !== "connected") {
          this.dispatchEvent(new CustomEvent("lost"));
        }
      }, 4000);
    }
  }

  connected() {
    return Boolean(this.pc && this.pc.connectionState === "connected");
  }

  close() {
    clearTimeout(this.disconnectTimer);
    if (this.pc) {
      this.generation += 1;
      this.pc.close();
      this.pc = null;
    }
    this.senders = {};
  }
}
