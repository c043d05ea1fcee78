// What the browser measures of its own connection, summed up every few seconds and sent to the server,
// which scores each site's link from it and from its own figures.

export class StatsReporter {
  constructor(call, signal, intervalMs = 3000) {
    this.call = call;
    this.signal = signal;
    this.intervalMs = intervalMs;
    this.timer = null;
    this.previous = null;
  }

  start() {
    this.stop();
    this.timer = setInterval(() => this.report(), this.intervalMs);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.previous = null;
  }

  async summary() {
    const pc = this.call.pc;
    if (!pc || pc.connectionState !== "connected") {
      return null;
    }
    const report = await pc.getStats();
    let received = 0;
    let lost = 0;
    let bytes = 0;
    let fps = 0;
    let rtt = null;
    report.forEach((s) => {
      if (s.type === "inbound-rtp") {
        received += s.packetsReceived || 0;
        lost += Math.max(0, s.packetsLost || 0);
        bytes += s.bytesReceived || 0;
        if (s.kind === "video" && s.framesPerSecond) {
          fps += s.framesPerSecond;
        }
      } else if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) {
        rtt = s.currentRoundTripTime * 1000;
      }
    });
    const now = performance.now();
    const result = { rtt_ms: rtt, fps };
    if (this.previous) {
      const got = received - this.previous.received;
      const missed = Math.max(0, lost - this.previous.lost);
      result.loss = got + missed > 0 ? missed / (got + missed) : 0;
      result.bitrate_in = Math.max(0, ((bytes - this.previous.bytes) * 8 * 1000) / (now - this.previous.at));
    }
    this.previous = { received, lost, bytes, at: now };
    return result;
  }

  async report() {
    const summary = await this.summary().catch(() => null);
    if (summary) {
      const message = { type: "stats" };
      for (const [key, value] of Object.entries(summary)) {
        if (typeof value === "number" && Number.isFinite(value)) {
          message[key] = key === "loss" ? Math.min(1, value) : value;
        }
      }
      this.signal.send(message);
    }
  }
}
