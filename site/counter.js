// The visitor counter: reads /config.json (written by deploy from the stack's
// outputs), shows the counts, follows them live over the WebSocket, and polls
// when the socket is down. Elements marked data-counter="total" | "unique" |
// "page" hold the numbers as plain text. A live message carries the totals
// and the views of the most viewed pages, so it never makes the page ask the
// counts API again; the page's own key in it is the normalized path the
// counts API answered with (`/index.html` and `/` are one page).
(() => {
  "use strict";

  const POLL_MS = 15000;
  const MAX_BACKOFF_MS = 60000;
  const path = location.pathname;
  const status = document.querySelector("[data-counter-status]");
  let apiBase = "";
  let pageKey = null;
  let pollTimer = null;
  let backoff = 2000;
  let shown = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  // Counts only grow: a live message built from an older read (the
  // broadcaster reads eventually consistent) never takes a number back.
  function show(name, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    for (const el of document.querySelectorAll(`[data-counter="${name}"]`)) {
      const current = Number(el.textContent);
      if (el.textContent.trim() !== "" && Number.isFinite(current) && value < current) continue;
      const text = String(value);
      if (el.textContent !== text) {
        el.textContent = text;
        el.classList.remove("bumped");
        void el.offsetWidth;
        el.classList.add("bumped");
      }
    }
  }

  async function refresh() {
    try {
      const url = `${apiBase}/api/counts?path=${encodeURIComponent(path)}`;
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error(`counts API answered ${response.status}`);
      const counts = await response.json();
      show("total", counts.total);
      show("unique", counts.unique);
      show("page", counts.path_count);
      pageKey = counts.path;
      shown = true;
      return true;
    } catch (error) {
      if (!shown) say("Visitor counts are unavailable right now.");
      console.warn("counter:", error);
      return false;
    }
  }

  let lastAsked = 0;
  let askTimer = null;
  function refreshThrottled() {
    if (askTimer !== null) return;
    const wait = Math.max(0, lastAsked + 10000 - Date.now());
    askTimer = setTimeout(() => {
      askTimer = null;
      lastAsked = Date.now();
      refresh();
    }, wait);
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(refresh, POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect(url) {
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      console.warn("counter: no live updates:", error);
      startPolling();
      return;
    }
    socket.addEventListener("open", () => {
      backoff = 2000;
      stopPolling();
      if (shown) say("Live");
      refresh();
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type !== "counts") return;
      show("total", message.total);
      show("unique", message.unique);
      if (pageKey !== null && message.pages && pageKey in message.pages) {
        show("page", message.pages[pageKey]);
      } else {
        // A page outside the top pages asks for its own count, at most
        // once every 10 seconds however many messages arrive.
        refreshThrottled();
      }
      shown = true;
      say("Live");
    });
    socket.addEventListener("close", () => {
      if (shown) say("Live updates paused; refreshing every 15 seconds.");
      startPolling();
      setTimeout(() => connect(url), backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    });
  }

  async function start() {
    let config;
    try {
      const response = await fetch("/config.json", { cache: "no-store" });
      if (!response.ok) throw new Error(`config.json answered ${response.status}`);
      config = await response.json();
    } catch (error) {
      say("Visitor counts are unavailable right now.");
      console.warn("counter:", error);
      return;
    }
    apiBase = (config.apiUrl || "").replace(/\/+$/, "");
    if (await refresh()) say(config.webSocketUrl ? "Connecting…" : "");
    if (config.webSocketUrl) {
      connect(config.webSocketUrl);
    } else {
      startPolling();
    }
  }

  start();
})();
