// The device check: camera preview, microphone level, a speaker test tone, the choice of devices, and a
// plain explanation when something is refused, missing, busy, or the page is not secure.

const $ = (id) => document.getElementById(id);

// What getUserMedia's errors mean to the person in front of the PC.
export function problemOf(error) {
  if (!error) {
    return "ok";
  }
  switch (error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "refused";
    case "NotFoundError":
    case "OverconstrainedError":
      return "missing";
    case "NotReadableError":
    case "AbortError":
      return "busy";
    default:
      return "error";
  }
}

export class DeviceCheck {
  constructor(texts) {
    this.texts = texts;
    this.camera = null; // MediaStreamTrack
    this.microphone = null;
    this.results = { camera: "untested", microphone: "untested", speaker: "untested" };
    this.peak = 0;
    this.level = 0;
    this.audioContext = null;
    this.analyser = null;
    this.meterSource = null;
    this.meterTimer = null;
    this.toneAudio = null;
    this.secure = Boolean(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  async start() {
    if (!this.secure) {
      this.results.camera = this.results.microphone = "insecure";
      const box = $("check-insecure");
      box.textContent = this.texts.insecure;
      box.hidden = false;
      return;
    }
    // One request for both first, so that the browser asks once; each alone only to tell which one failed.
    let both = null;
    try {
      both = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    } catch {
      both = null;
    }
    await this.openCamera("", both?.getVideoTracks()[0]);
    await this.openMicrophone("", both?.getAudioTracks()[0]);
    await this.listDevices();
    $("camera-select").addEventListener("change", () => this.openCamera($("camera-select").value));
    $("mic-select").addEventListener("change", () => this.openMicrophone($("mic-select").value));
    $("speaker-select").addEventListener("change", () => this.applySpeaker());
    $("tone-button").addEventListener("click", () => this.playTone());
    $("tone-heard").addEventListener("change", () => {
      this.results.speaker = $("tone-heard").checked ? "heard" : "not_heard";
    });
    navigator.mediaDevices.addEventListener("devicechange", () => this.listDevices());
  }

  async recheck() {
    await this.openCamera($("camera-select").value);
    await this.openMicrophone($("mic-select").value);
    await this.listDevices();
  }

  async openCamera(deviceId, given = null) {
    if (this.camera) {
      this.camera.stop();
      this.camera = null;
    }
    const problem = $("camera-problem");
    try {
      if (given) {
        this.camera = given;
      } else {
        const stream = await navigator.mediaDevices.getUserMedia({
          video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 } },
        });
        this.camera = stream.getVideoTracks()[0];
      }
      this.results.camera = "ok";
      $("preview").srcObject = new MediaStream([this.camera]);
      problem.hidden = true;
      $("camera-state").textContent = this.texts.camera_ok;
    } catch (error) {
      this.results.camera = problemOf(error);
      $("preview").srcObject = null;
      problem.textContent = `${this.texts[this.results.camera]} ${this.texts.no_camera_join}`;
      problem.hidden = false;
      $("camera-state").textContent = "";
    }
    this.dispatchChange();
  }

  async openMicrophone(deviceId, given = null) {
    if (this.microphone) {
      this.microphone.stop();
      this.microphone = null;
    }
    const problem = $("mic-problem");
    try {
      if (given) {
        this.microphone = given;
      } else {
        const stream = await navigator.mediaDevices.getUserMedia({
          audio: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), echoCancellation: true, noiseSuppression: true },
        });
        this.microphone = stream.getAudioTracks()[0];
      }
      this.results.microphone = "ok";
      problem.hidden = true;
      this.startMeter();
    } catch (error) {
      this.results.microphone = problemOf(error);
      problem.textContent = this.texts[this.results.microphone];
      problem.hidden = false;
      $("mic-state").textContent = "";
    }
    this.dispatchChange();
  }

  dispatchChange() {
    document.dispatchEvent(new CustomEvent("devices-changed"));
  }

  async listDevices() {
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      return;
    }
    const fill = (select, kind, current) => {
      const chosen = select.value || current;
      select.replaceChildren();
      const matching = devices.filter((d) => d.kind === kind);
      if (!matching.length) {
        select.append(new Option(this.texts.default_device, ""));
      }
      matching.forEach((device, index) => {
        const label = device.label || this.texts.device.replace("%(n)s", String(index + 1));
        select.append(new Option(label, device.deviceId, false, device.deviceId === chosen));
      });
      select.disabled = matching.length <= 1;
    };
    fill($("camera-select"), "videoinput", this.camera?.getSettings().deviceId);
    fill($("mic-select"), "audioinput", this.microphone?.getSettings().deviceId);
    fill($("speaker-select"), "audiooutput", "");
    // Choosing the speaker needs setSinkId (Chrome, Edge); elsewhere the system's default plays.
    if (!("setSinkId" in HTMLMediaElement.prototype)) {
      $("speaker-select").disabled = true;
    }
  }

  startMeter() {
    if (!this.audioContext) {
      this.audioContext = new AudioContext();
    }
    if (this.meterSource) {
      this.meterSource.disconnect();
    }
    this.analyser = this.audioContext.createAnalyser();
    this.analyser.fftSize = 1024;
    this.meterSource = this.audioContext.createMediaStreamSource(new MediaStream([this.microphone]));
    this.meterSource.connect(this.analyser);
    const samples = new Float32Array(this.analyser.fftSize);
    clearInterval(this.meterTimer);
    // A timer rather than animation frames: it keeps measuring when the tab is in the background.
    this.meterTimer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) {
        sum += s * s;
      }
      const rms = Math.sqrt(sum / samples.length);
      // -60 dBFS .. 0 dBFS shown as 0..100.
      const db = 20 * Math.log10(rms || 1e-6);
      this.level = Math.max(0, Math.min(100, Math.round(((db + 60) / 60) * 100)));
      this.peak = Math.max(this.peak, this.level);
      $("mic-level").style.width = `${this.level}%`;
      $("mic-meter").setAttribute("aria-valuenow", String(this.level));
      $("mic-state").textContent = this.peak > 15 ? this.texts.mic_ok : this.texts.mic_silent;
    }, 100);
  }

  applySpeaker() {
    const sink = $("speaker-select").value;
    document.querySelectorAll("audio").forEach((audio) => {
      if (audio.setSinkId) {
        audio.setSinkId(sink).catch(() => {});
      }
    });
  }

  speaker() {
    return $("speaker-select").value;
  }

  async playTone() {
    // A short two-note chime through an <audio> element, so that the chosen speaker plays it.
    if (!this.audioContext) {
      this.audioContext = new AudioContext();
    }
    const context = this.audioContext;
    await context.resume();
    const destination = context.createMediaStreamDestination();
    const gain = context.createGain();
    gain.gain.value = 0.2;
    gain.connect(destination);
    const start = context.currentTime + 0.05;
    [660, 880].forEach((frequency, i) => {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(start + i * 0.45);
      oscillator.stop(start + i * 0.45 + 0.4);
    });
    if (!this.toneAudio) {
      this.toneAudio = new Audio();
      this.toneAudio.autoplay = true;
      document.body.append(this.toneAudio);
    }
    this.toneAudio.srcObject = destination.stream;
    if (this.toneAudio.setSinkId && this.speaker()) {
      await this.toneAudio.setSinkId(this.speaker()).catch(() => {});
    }
    await this.toneAudio.play().catch(() => {});
    if (this.results.speaker === "untested") {
      this.results.speaker = "not_heard";
    }
  }

  report(token) {
    return {
      token,
      camera: this.results.camera,
      microphone: this.results.microphone,
      speaker: this.results.speaker,
      mic_peak: this.peak,
      camera_label: this.camera?.label || "",
      microphone_label: this.microphone?.label || "",
      browser: navigator.userAgent.slice(0, 300),
    };
  }

  stopMeter() {
    clearInterval(this.meterTimer);
  }
}
