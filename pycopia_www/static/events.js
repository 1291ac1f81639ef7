// pycopia-www live updates: what backends publish, pushed to the page (Server-Sent Events).
//
//   import { subscribe } from "/pwww/events.js";
//   const stop = subscribe("net.eth0", (value, topic) => { ... });   // value: typed, as proxy.js
//   stop();                                                          // decodes a call's result
//
// One EventSource per page carries every topic the page listens to; subscribing or stopping
// reopens it with the new set (from the last event seen, so nothing is lost in between). A
// dropped connection is reopened by the browser, which sends Last-Event-ID: the events backend
// replays what was missed, or says it cannot (onMissed: refetch the state). A refused stream
// (401 after a logout, 429) is tried again later, more slowly each time.
//
// Without writing JavaScript: elements with data-topic (and data-field, data-attribute) are kept
// up to date by bind(), which /pwww/live.js calls for the whole page. See docs/events.md.
import { decodeValue } from "./proxy.js";

const MISSED = "pwww-missed";       // the event that names subscriptions which lost events
const RETRY_FIRST = 2000;           // ms before reopening a refused stream; doubles up to:
const RETRY_MAX = 60000;
// The topic grammar of pycopia_www/config/topics.py: a name, "name.*" or "*".
const NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/;

let streamUrl = "/events";
const subscriptions = new Map();    // topic or pattern -> Set of { handler, onMissed }
const statusListeners = new Set();
let source = null;
let sourceKey = null;               // the topics `source` was opened for
let lastId = "";
let reopenQueued = false;
let retryTimer = null;
let retryDelay = RETRY_FIRST;
let state = "closed";

function checkTopic(topic) {
  const name = topic.endsWith(".*") ? topic.slice(0, -2) : topic;
  if (typeof topic !== "string" || topic.length > 130 || (topic !== "*" && !NAME.test(name))) {
    throw new TypeError(`${JSON.stringify(topic)} is not a topic name or pattern`);
  }
}

function covers(pattern, topic) {
  if (pattern === "*") return true;
  if (!pattern.endsWith(".*")) return pattern === topic;
  return topic.startsWith(pattern.slice(0, -1));
}

function report(error) {
  // A failing handler must not keep the others from their events.
  if (typeof reportError === "function") reportError(error);
  else setTimeout(() => { throw error; });
}

// ----- the page's one stream -----

// The page's root element says how the stream is (data-pwww-events="connecting", "open" or
// "closed"), for style sheets and tests.
function setState(next) {
  if (next === state) return;
  state = next;
  globalThis.document?.documentElement?.setAttribute("data-pwww-events", state);
  for (const listener of statusListeners) {
    try { listener(state); } catch (error) { report(error); }
  }
}

function schedule() {
  if (reopenQueued) return;
  reopenQueued = true;
  // Several subscribe() calls in one tick open one stream.
  queueMicrotask(() => { reopenQueued = false; open(); });
}

function open() {
  clearTimeout(retryTimer);
  retryTimer = null;
  const topics = [...subscriptions.keys()].sort();
  const key = topics.join("&");
  if (source && key === sourceKey && source.readyState !== EventSource.CLOSED) return;
  if (source) source.close();
  source = null;
  sourceKey = key;
  if (!topics.length) {
    setState("closed");
    return;
  }
  const url = new URL(streamUrl, globalThis.location?.href);
  for (const topic of topics) url.searchParams.append("topic", topic);
  if (lastId) url.searchParams.set("last-event-id", lastId);
  const es = source = new EventSource(url);
  setState("connecting");
  es.onopen = () => {
    retryDelay = RETRY_FIRST;
    setState("open");
  };
  es.onmessage = (event) => {
    if (event.lastEventId) lastId = event.lastEventId;
    let topic, value;
    try {
      const message = JSON.parse(event.data);
      topic = message.topic;
      value = decodeValue(message.value);
    } catch (error) {
      report(new TypeError(`an event that cannot be read: ${error.message}`));
      return;
    }
    for (const [pattern, entries] of subscriptions) {
      if (!covers(pattern, topic)) continue;
      for (const { handler } of [...entries]) {
        try { handler(value, topic); } catch (error) { report(error); }
      }
    }
  };
  es.addEventListener(MISSED, (event) => {
    for (const sub of JSON.parse(event.data)) {
      for (const { onMissed } of [...(subscriptions.get(sub) ?? [])]) {
        try { onMissed?.(sub); } catch (error) { report(error); }
      }
    }
  });
  es.onerror = () => {
    if (es !== source) return;
    if (es.readyState !== EventSource.CLOSED) {
      setState("connecting");           // the browser reconnects by itself
      return;
    }
    // Refused (a status other than 200) or not an event stream: the browser gives up; so do
    // we, for a while.
    setState("closed");
    retryTimer = setTimeout(() => { sourceKey = null; open(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX);
  };
}

// ----- the API -----

// Where the events backend is (default "/events"); reopens the stream if it is open.
export function configure({ url } = {}) {
  if (url) {
    streamUrl = url;
    sourceKey = null;
    schedule();
  }
}

// Call handler(value, topic) for every event on `topic` (a name, "name.*" or "*"). onMissed(topic)
// is called when events were lost (the page was offline longer than the server keeps them, or
// the server restarted): refetch the state. Returns the function that stops it.
export function subscribe(topic, handler, { onMissed } = {}) {
  checkTopic(topic);
  if (typeof handler !== "function") throw new TypeError("subscribe(topic, handler): handler is not a function");
  const entry = { handler, onMissed };
  if (!subscriptions.has(topic)) subscriptions.set(topic, new Set());
  subscriptions.get(topic).add(entry);
  schedule();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    const entries = subscriptions.get(topic);
    entries?.delete(entry);
    if (entries && !entries.size) subscriptions.delete(topic);
    schedule();
  };
}

// listener(state) on every change of the stream's state: "connecting", "open" or "closed".
// Returns the function that stops it.
export function onStatus(listener) {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

export const status = () => state;

// ----- declarative binding -----

// Attributes an event may set: none that can run script or load anything. data-* and aria-*
// are allowed too (but not the binding's own).
const SAFE_ATTRIBUTES = new Set(["value", "title", "class", "hidden", "min", "max", "low", "high",
  "optimum", "datetime", "alt", "lang", "dir", "open", "checked", "disabled", "selected"]);
const OWN = new Set(["data-topic", "data-field", "data-attribute"]);

function safeAttribute(name) {
  name = name.toLowerCase();
  if (OWN.has(name)) return false;
  return SAFE_ATTRIBUTES.has(name) || /^(data|aria)-[a-z0-9-]+$/.test(name);
}

function field(value, path) {
  for (const key of path ? path.split(".") : []) {
    if (value instanceof Map) value = value.get(key);
    else if (value !== null && typeof value === "object" && Object.hasOwn(value, key)) value = value[key];
    else return undefined;
  }
  return value;
}

function asText(value) {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return value.toLocaleString();
  if (typeof value === "object" && value.toString === Object.prototype.toString) {
    return JSON.stringify(value);
  }
  return String(value);
}

function update(element, value) {
  const name = element.getAttribute("data-attribute");
  const part = field(value, element.getAttribute("data-field"));
  if (!name) {
    element.textContent = asText(part);         // text only: markup in a value stays text
  } else if (part === false || part === null || part === undefined) {
    element.removeAttribute(name);
  } else {
    element.setAttribute(name, part === true ? name : asText(part));
  }
}

// Keep every element under `root` that has data-topic up to date: its text becomes the event's
// value (or the data-field within it: "memory.free"), or with data-attribute="value" that
// attribute. Returns the function that stops it all.
export function bind(root = document) {
  const byTopic = new Map();
  for (const element of root.querySelectorAll("[data-topic]")) {
    const name = element.getAttribute("data-attribute");
    if (name && !safeAttribute(name)) {
      report(new TypeError(`data-attribute="${name}" is not one an event may set`));
      continue;
    }
    const topic = element.getAttribute("data-topic");
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic).push(element);
  }
  const stops = [];
  for (const [topic, elements] of byTopic) {
    try {
      stops.push(subscribe(topic, (value) => elements.forEach((e) => update(e, value))));
    } catch (error) {
      report(error);
    }
  }
  return () => stops.forEach((stop) => stop());
}
