// The signalling connection: JSON messages on a WebSocket, joined with the page's token, reconnecting by
// itself after a drop (a network cut, a server restart) until the server says it is over.
// Events: "open" (joined again), "message" (detail: the message), "reconnecting", "final" (detail: close code).

const FINAL_CODES = new Set([4403, 4409, 4410]); // refused, replaced, meeting ended: do not come back
const PING_MS = 20000;

export class Signal extends EventTarget {
  constructor(path, token) {
    super();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = `${scheme}//${location.host}${path}`;
    this.token = token;
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.pinger = null;
    this.retryTimer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  connect() {
    clearTimeout(this.retryTimer);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ type: "join", token: this.token, client: navigator.userAgent.slice(0, 250) }));
      this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "welcome") {
        this.attempt = 0;
        this.dispatchEvent(new CustomEvent("open"));
      }
      this.dispatchEvent(new CustomEvent("message", { detail: message }));
    });
    ws.addEventListener("close", (event) => {
      clearInterval(this.pinger);
      if (this.ws !== ws) {
        return;
      }
      this.ws = null;
      if (this.stopped) {
        return;
      }
      if (FINAL_CODES.has(event.code)) {
        this.stopped = true;
        this.dispatchEvent(new CustomEvent("final", { detail: event.code }));
        return;
      }
      // Back off: 0.5 s, 1 s, 2 s ... up to 8 s, with a little jitter so sites do not all come at once.
      const delay = Math.min(8000, 500 * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
      this.attempt += 1;
      this.dispatchEvent(new CustomEvent("reconnecting"));
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pinger);
    if (this.ws) {
      this.send({ type: "leave" });
      this.ws.close(1000);
      this.ws = null;
    }
  }
}
