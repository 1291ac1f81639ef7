// pycopia-www JSON-RPC proxies: call Python objects on the server as if they were local.
//
//   import { connect } from "/pwww/proxy.js";
//   const demo = await connect("/api/demo");
//   await demo.add(2, 3);                            // 5
//   await demo.$with({ timeout: 500 }).sleep(2);     // rejects: ProxyError, type "TimeoutError"
//
// A plain ES module with no dependencies. The wire format (typed-value tags, batches,
// error codes) is specified in docs/proxy.md; the "JavaScript" section there documents this API.

const JSONRPC = "2.0";
const DEFAULT_TIMEOUT = 30000;      // ms; a call that hangs longer than this is a bug somewhere
const DEFAULT_MAX_BATCH = 100;      // the server's default batch limit
const MAX_DEPTH = 64;               // the server's default nesting limit; also stops cycles

// ----- errors -----

// Names for protocol errors that carry no Python exception type of their own.
const CODE_TYPES = {
  [-32700]: "ParseError",
  [-32600]: "InvalidRequest",
  [-32601]: "MethodNotFound",
  [-32602]: "InvalidParams",
  [-32603]: "InternalError",
  [-32001]: "LoginRequired",
  [-32003]: "Forbidden",
  [-32004]: "NotFound",
  [-32009]: "Conflict",
  [-32029]: "OutOfTime",
};

// Every rejection from this module is a ProxyError. `type` is the Python exception's name for
// an exception raised by the method (code -32000), a protocol error's name (CODE_TYPES), or a
// client-side one: TimeoutError, AbortError, NetworkError, HTTPError, InvalidResponse,
// EncodeError, DecodeError.
export class ProxyError extends Error {
  constructor(message, { type = "RemoteError", code = null, data = null, status = null } = {}) {
    super(message);
    this.name = "ProxyError";
    this.type = type;
    this.code = code;       // the JSON-RPC error code, null for client-side errors
    this.data = data;       // the error object's data, decoded
    this.status = status;   // the HTTP status when the error came from the server, else null
  }
}

function remoteError(error, status) {
  let data = error.data ?? null;
  try {
    data = decodeValue(data);
  } catch {
    // keep the raw data: the error itself matters more than its decoration
  }
  const hasType = data !== null && typeof data === "object" && typeof data.type === "string";
  const type = hasType ? data.type : (CODE_TYPES[error.code] ?? "RemoteError");
  // A raised exception's own message is in data; error.message may be a generic summary.
  const message = hasType && typeof data.message === "string" ? data.message : String(error.message ?? "");
  return new ProxyError(message, { type, code: error.code ?? null, data, status });
}

// ----- value wrappers: the types JavaScript lacks -----

// Decimal: the decimal's string, untouched, so no digit is lost to binary floating point.
export class Decimal {
  constructor(value) {
    const text = typeof value === "string" ? value.trim() : String(value);
    if (!/^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|Infinity|Inf|s?NaN)$/i.test(text)) {
      throw new TypeError(`not a decimal number: ${JSON.stringify(text)}`);
    }
    this.value = text;
    Object.freeze(this);
  }
  toString() { return this.value; }
  toJSON() { return this.value; }
  toNumber() { return Number(this.value.replace(/^([+-]?)inf$/i, "$1Infinity")); }
  equals(other) { return other instanceof Decimal && other.value === this.value; }
}

// UUID: the canonical lower-case string (as Python's str(uuid) writes it).
export class UUID {
  constructor(value) {
    const text = String(value).toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
      throw new TypeError(`not a canonical UUID: ${JSON.stringify(String(value))}`);
    }
    this.value = text;
    Object.freeze(this);
  }
  static random() { return new UUID(crypto.randomUUID()); }
  toString() { return this.value; }
  toJSON() { return this.value; }
  equals(other) { return other instanceof UUID && other.value === this.value; }
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

// PlainDate: a calendar date without time or zone (Python's date). Month is 1-12.
export class PlainDate {
  constructor(year, month, day) {
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);   // not Date.UTC: it maps years 0-99 to 1900-1999
    if (![year, month, day].every(Number.isInteger) || year < 1 || year > 9999 ||
        d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
      throw new RangeError(`not a date: ${year}-${month}-${day}`);
    }
    Object.assign(this, { year, month, day });
    Object.freeze(this);
  }
  static from(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m) throw new TypeError(`not a YYYY-MM-DD date: ${JSON.stringify(text)}`);
    return new PlainDate(+m[1], +m[2], +m[3]);
  }
  static today() {
    const d = new Date();
    return new PlainDate(d.getFullYear(), d.getMonth() + 1, d.getDate());
  }
  toString() { return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`; }
  toJSON() { return this.toString(); }
  equals(other) { return other instanceof PlainDate && other.toString() === this.toString(); }
}

// An offset as Python writes it: +HH:MM, optionally :SS and .ffffff; "Z" is read as +00:00.
const OFFSET = "Z|[+-]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,6})?)?";

// PlainTime: a time of day (Python's time), to the microsecond, with an optional UTC offset
// kept as its text ("+02:00"), since a time alone cannot be moved between zones.
export class PlainTime {
  constructor(hour, minute, second = 0, microsecond = 0, offset = null) {
    const ok = [hour, minute, second, microsecond].every(Number.isInteger) &&
      hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60 &&
      microsecond >= 0 && microsecond < 1e6;
    if (!ok) throw new RangeError(`not a time: ${hour}:${minute}:${second}.${microsecond}`);
    if (offset === "Z") offset = "+00:00";
    if (offset !== null && !new RegExp(`^(${OFFSET})$`).test(offset)) {
      throw new TypeError(`not a UTC offset: ${JSON.stringify(offset)}`);
    }
    Object.assign(this, { hour, minute, second, microsecond, offset });
    Object.freeze(this);
  }
  static from(text) {
    const m = new RegExp(`^(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,6}))?)?(${OFFSET})?$`).exec(text);
    if (!m) throw new TypeError(`not a HH:MM:SS time: ${JSON.stringify(text)}`);
    const micro = m[4] ? +m[4].padEnd(6, "0") : 0;
    return new PlainTime(+m[1], +m[2], +(m[3] ?? 0), micro, m[5] ?? null);
  }
  toString() {
    const frac = this.microsecond ? `.${pad(this.microsecond, 6)}` : "";
    return `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${frac}${this.offset ?? ""}`;
  }
  toJSON() { return this.toString(); }
  equals(other) { return other instanceof PlainTime && other.toString() === this.toString(); }
}

// EnumMember: a member of a Python enum whose class is not registered on this side.
export class EnumMember {
  constructor(className, name, value) {
    Object.assign(this, { className, name, value });
    Object.freeze(this);
  }
  toString() { return `${this.className}.${this.name}`; }
}

// ----- registered classes -----

const BUILTIN_TAGS = new Set(["datetime", "date", "time", "decimal", "set", "frozenset", "bytes",
  "uuid", "enum", "bigint", "float", "dict"]);
const registryByName = new Map();     // name -> entry
const registryByClass = new Map();    // class -> entry

// Register `cls` under `name`, the same name the server registers its class under.
//   encode(instance) -> state (any encodable value);  default: the own enumerable properties
//   decode(state) -> instance;  default: a cls object (constructor not called) with state's properties
// With `enum: true` the class stands for a Python enum: instances travel as the "enum" tag, encode
// returns {name, value} (default: the instance's name and value), decode gets {class, name, value}.
export function registerType(name, cls, { encode, decode, enum: isEnum = false } = {}) {
  if (typeof name !== "string" || !name) throw new TypeError("registerType: name must be a non-empty string");
  if (BUILTIN_TAGS.has(name)) throw new TypeError(`registerType: ${JSON.stringify(name)} is a built-in tag`);
  if (typeof cls !== "function") throw new TypeError("registerType: cls must be a class");
  const entry = {
    name, cls, isEnum,
    encode: encode ?? (isEnum ? (m) => ({ name: m.name, value: m.value }) : (obj) => ({ ...obj })),
    decode: decode ?? ((state) => Object.assign(Object.create(cls.prototype), state)),
  };
  // Re-registering replaces, so a module reloaded in development does not leave stale entries.
  const old = registryByName.get(name);
  if (old) registryByClass.delete(old.cls);
  registryByName.set(name, entry);
  registryByClass.set(cls, entry);
}

function registeredEntry(value) {
  const exact = registryByClass.get(value.constructor);
  if (exact) return exact;
  for (const entry of registryByClass.values()) {
    if (value instanceof entry.cls) return entry;
  }
  return null;
}

// ----- encoding: JavaScript values -> JSON-ready values with tags -----

const tag = (type, value) => ({ $type: type, $value: value });

function isPlainObject(value) {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {   // chunks: apply() has an argument limit
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// Turn a value into what JSON.stringify can send, tagging the types JSON lacks. Throws TypeError
// for what cannot be sent (functions, symbols, unregistered class instances, invalid dates).
export function encodeValue(value, depth = 0) {
  if (depth > MAX_DEPTH) throw new TypeError(`nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : tag("float", String(value));   // NaN, Infinity, -Infinity
    case "bigint":
      return tag("bigint", value.toString());
    case "object":
      break;
    default:
      throw new TypeError(`cannot send a ${typeof value}`);
  }
  const next = depth + 1;
  if (Array.isArray(value)) return value.map((item) => encodeValue(item, next));
  const entry = registeredEntry(value);
  if (entry) {
    if (entry.isEnum) {
      const { name, value: v } = entry.encode(value);
      return tag("enum", { class: entry.name, name, value: encodeValue(v, next) });
    }
    return tag(entry.name, encodeValue(entry.encode(value), next));
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("cannot send an invalid Date");
    return tag("datetime", value.toISOString());
  }
  if (value instanceof PlainDate) return tag("date", value.toString());
  if (value instanceof PlainTime) return tag("time", value.toString());
  if (value instanceof Decimal) return tag("decimal", value.value);
  if (value instanceof UUID) return tag("uuid", value.value);
  if (value instanceof EnumMember) {
    return tag("enum", { class: value.className, name: value.name, value: encodeValue(value.value, next) });
  }
  if (value instanceof Set) return tag("set", [...value].map((item) => encodeValue(item, next)));
  if (value instanceof Uint8Array) return tag("bytes", toBase64(value));
  if (value instanceof ArrayBuffer) return tag("bytes", toBase64(new Uint8Array(value)));
  if (value instanceof Map) {
    return tag("dict", [...value].map(([k, v]) => [encodeValue(k, next), encodeValue(v, next)]));
  }
  if (isPlainObject(value)) {
    const pairs = Object.entries(value).filter(([, v]) => v !== undefined);
    // An own "$type" key would read as a tag on the other side, so such an object goes tagged.
    if (Object.hasOwn(value, "$type")) return tag("dict", pairs.map(([k, v]) => [k, encodeValue(v, next)]));
    return Object.fromEntries(pairs.map(([k, v]) => [k, encodeValue(v, next)]));
  }
  const kind = value.constructor?.name ?? "object";
  throw new TypeError(`cannot send a ${kind}: register its class with registerType()`);
}

// ----- decoding: tagged JSON values -> JavaScript values -----

const DATETIME = new RegExp("^(\\d{4})-(\\d{2})-(\\d{2})[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,6}))?)?" +
  `(${OFFSET})?$`);

function parseDatetime(text) {
  const m = DATETIME.exec(text);
  if (!m) throw new TypeError(`not an ISO 8601 datetime: ${JSON.stringify(text)}`);
  const d = new Date(0);
  d.setUTCFullYear(+m[1], +m[2] - 1, +m[3]);
  d.setUTCHours(+m[4], +m[5], +(m[6] ?? 0), Math.floor(+(m[7] ?? "0").padEnd(6, "0") / 1000));
  let offsetMs = 0;       // no offset: the spec reads a naive datetime as UTC
  if (m[8] && m[8] !== "Z") {
    const [h, min, sec = "0"] = m[8].slice(1).split(":");
    offsetMs = (m[8][0] === "-" ? -1 : 1) * ((+h * 60 + +min) * 60 + +sec) * 1000;
  }
  return new Date(d.getTime() - offsetMs);
}

const FLOATS = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

const DECODERS = {
  datetime: (v) => parseDatetime(v),
  date: (v) => PlainDate.from(v),
  time: (v) => PlainTime.from(v),
  decimal: (v) => new Decimal(v),
  set: (v, depth) => new Set(v.map((item) => decodeValue(item, depth))),
  frozenset: (v, depth) => new Set(v.map((item) => decodeValue(item, depth))),
  bytes: (v) => fromBase64(v),
  uuid: (v) => new UUID(v),
  bigint: (v) => {
    if (!/^-?\d+$/.test(v)) throw new TypeError(`not an integer: ${JSON.stringify(v)}`);
    return BigInt(v);
  },
  float: (v) => {
    if (!Object.hasOwn(FLOATS, v)) throw new TypeError(`not a special float: ${JSON.stringify(v)}`);
    return FLOATS[v];
  },
  enum: (v, depth) => {
    const member = { class: v.class, name: v.name, value: decodeValue(v.value, depth) };
    const entry = registryByName.get(member.class);
    return entry?.isEnum ? entry.decode(member) : new EnumMember(member.class, member.name, member.value);
  },
  dict: (v, depth) => {
    const pairs = v.map(([k, val]) => [decodeValue(k, depth), decodeValue(val, depth)]);
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return pairs.every(([k]) => typeof k === "string") ? Object.fromEntries(pairs) : new Map(pairs);
  },
};

// Turn a parsed JSON value into JavaScript values, reviving tags. Throws TypeError for a tag
// that is malformed or names a type nobody registered.
export function decodeValue(value, depth = 0) {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) throw new TypeError(`nested deeper than ${MAX_DEPTH} levels`);
  const next = depth + 1;
  if (Array.isArray(value)) return value.map((item) => decodeValue(item, next));
  if (!Object.hasOwn(value, "$type")) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v, next)]));
  }
  const keys = Object.keys(value);
  if (keys.length !== 2 || !Object.hasOwn(value, "$value")) {
    throw new TypeError(`a typed value has exactly the keys $type and $value, not ${keys.join(", ")}`);
  }
  const type = value.$type;
  const builtin = Object.hasOwn(DECODERS, type) ? DECODERS[type] : null;
  if (builtin) return builtin(value.$value, next);
  const entry = registryByName.get(type);
  if (!entry) throw new TypeError(`unknown type ${JSON.stringify(type)}: register it with registerType()`);
  return entry.decode(decodeValue(value.$value, next));
}

// ----- the connection: queueing, batching, timeouts, transport -----

class Connection {
  constructor(url, options) {
    this.url = new URL(url, globalThis.location?.href).href;
    this.timeout = options.timeout === undefined ? DEFAULT_TIMEOUT : options.timeout;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.batching = options.batch ?? true;
    this.headers = options.headers ?? {};
    this.nextId = 1;
    this.queue = [];
  }

  // Queue one call; everything queued in the same tick leaves together in one request.
  call(method, params, { timeout = this.timeout, signal = null, notify = false } = {}) {
    return new Promise((resolve, reject) => {
      const call = { id: notify ? undefined : this.nextId++, method, settled: false, timer: null,
        request: null };
      call.settle = (fn, value) => {
        if (call.settled) return;
        call.settled = true;
        clearTimeout(call.timer);
        signal?.removeEventListener("abort", call.onAbort);
        fn(value);
        call.request?.done();
      };
      call.resolve = (value) => call.settle(resolve, value);
      call.reject = (error) => call.settle(reject, error);
      try {
        call.entry = { jsonrpc: JSONRPC, method };
        if (params !== undefined) call.entry.params = encodeValue(params);
        if (!notify) call.entry.id = call.id;
      } catch (exc) {
        call.reject(new ProxyError(exc.message, { type: "EncodeError" }));
        return;
      }
      if (signal) {
        if (signal.aborted) {
          call.reject(abortError(signal));
          return;
        }
        call.onAbort = () => call.reject(abortError(signal));
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      // The clock starts at the call, not when the batch leaves: a timeout is the caller's wait.
      if (timeout && Number.isFinite(timeout)) {
        call.timer = setTimeout(() => call.reject(new ProxyError(
          `${method}: no answer within ${timeout} ms`, { type: "TimeoutError" })), timeout);
      }
      this.queue.push(call);
      if (!this.batching) this.flush();
      else if (this.queue.length === 1) queueMicrotask(() => this.flush());
    });
  }

  flush() {
    const calls = this.queue.filter((c) => !c.settled);
    this.queue = [];
    for (let i = 0; i < calls.length; i += this.maxBatch) {
      this.send(calls.slice(i, i + this.maxBatch));
    }
  }

  async send(calls) {
    const controller = new AbortController();
    // Abort the HTTP request once no call is waiting for it (all timed out or were aborted).
    let waiting = calls.length;
    const request = { done: () => { if (--waiting === 0) controller.abort(); } };
    for (const call of calls) call.request = request;
    const rejectAll = (error) => calls.forEach((c) => c.reject(error));
    const body = JSON.stringify(calls.length === 1 ? calls[0].entry : calls.map((c) => c.entry));

    let response, text;
    try {
      response = await fetch(this.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { ...this.headers, "Content-Type": "application/json", "Accept": "application/json",
          "X-Requested-With": "pycopia-www" },
        signal: controller.signal,
      });
      text = await response.text();
    } catch (exc) {
      // After an abort every call has settled already and this is a no-op.
      rejectAll(new ProxyError(`${this.url}: ${exc.message}`, { type: "NetworkError" }));
      return;
    }
    const status = response.status;
    if (status === 204) {
      // Only notifications get no answer; a call expecting one must not hang.
      for (const c of calls) {
        if (c.id === undefined) c.resolve(undefined);
        else c.reject(new ProxyError(`${c.method}: HTTP 204, no answer`, { type: "InvalidResponse", status }));
      }
      return;
    }
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      rejectAll(new ProxyError(`${this.url}: HTTP ${status} ${response.statusText}`.trim(),
        { type: "HTTPError", status, data: { status, body: text.slice(0, 500) } }));
      return;
    }
    // A batch is answered with an array; a single call, or a refusal of the whole request, with one object.
    let responses;
    if (Array.isArray(answer)) responses = answer;
    else if (answer && typeof answer === "object") responses = [answer];
    else {
      rejectAll(new ProxyError(`${this.url}: not a JSON-RPC answer`, { type: "InvalidResponse", status }));
      return;
    }

    const byId = new Map(calls.filter((c) => c.id !== undefined).map((c) => [c.id, c]));
    let unmatched = null;   // an error with id null (refusal, parse error) concerns the whole request
    for (const r of responses) {
      const call = r && byId.get(r.id);
      if (!call) {
        if (r && r.error) unmatched = r.error;
        continue;
      }
      if (r.error) {
        call.reject(remoteError(r.error, status));
        continue;
      }
      try {
        call.resolve(decodeValue(r.result));
      } catch (exc) {
        call.reject(new ProxyError(`${call.method}: ${exc.message}`, { type: "DecodeError", status }));
      }
    }
    for (const c of calls) {
      if (c.id === undefined && !unmatched && status < 400) c.resolve(undefined);
      else if (unmatched) c.reject(remoteError(unmatched, status));
      else c.reject(new ProxyError(`${c.method}: no answer in the response`, { type: "InvalidResponse", status }));
    }
  }
}

function abortError(signal) {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "aborted");
  return new ProxyError(reason, { type: "AbortError" });
}

// ----- the proxy object -----

// Named arguments: for a method whose paramStructure is "by-name" (it has keyword-only
// parameters), a trailing plain object is the named arguments, and the arguments before it are
// bound by position to the parameters in the order rpc.discover lists them; params go as one
// object. For every other method all arguments go by position, a plain object included.
function bindArgs(info, args) {
  if (info.paramStructure !== "by-name") return args;
  const last = args[args.length - 1];
  const hasNamed = args.length > 0 && last !== null && typeof last === "object" && isPlainObject(last);
  const positional = hasNamed ? args.slice(0, -1) : args;
  // Keyword-only parameters are never filled by position, as in Python.
  const names = (info.params ?? []).filter((p) => !p["x-keyword-only"]).map((p) => p.name);
  if (positional.length > names.length) {
    throw new ProxyError(`${info.name}() takes at most ${names.length} positional argument(s), ` +
      `${positional.length} given`, { type: "InvalidParams", code: -32602 });
  }
  const params = {};
  positional.forEach((value, i) => { params[names[i]] = value; });
  if (hasNamed) {
    for (const [key, value] of Object.entries(last)) {
      if (Object.hasOwn(params, key)) {
        throw new ProxyError(`${info.name}() got ${key} both by position and by name`,
          { type: "InvalidParams", code: -32602 });
      }
      params[key] = value;
    }
  }
  return params;
}

// A proxy holds one function per remote method plus a few "$" members (a "$" can never start a
// Python name, so they cannot collide). `$with(options)` returns the same proxy with per-call
// options: {timeout (ms; 0 or Infinity for none), signal (an AbortSignal)}.
function buildProxy(conn, methods, options) {
  const proxy = {
    $url: conn.url,
    $methods: methods,
    $with: (more) => buildProxy(conn, methods, { ...options, ...more }),
    // Any method by name, params as an array (by position) or a plain object (by name).
    $call: (method, params, more) => conn.call(method, params ?? undefined, { ...options, ...more }),
    // A notification: no answer; resolves once the server has taken it.
    $notify: (method, params, more) => conn.call(method, params ?? undefined,
      { ...options, ...more, notify: true }),
  };
  for (const [name, info] of Object.entries(methods)) {
    // A "then" property would make the proxy a thenable that `await connect()` calls.
    if (name === "then" || name.startsWith("rpc.")) continue;
    const fn = (...args) => {
      let params;
      try {
        params = bindArgs(info, args);
      } catch (exc) {
        return Promise.reject(exc);
      }
      return conn.call(name, params.length === 0 ? undefined : params, options);
    };
    Object.defineProperty(fn, "name", { value: name });
    fn.description = info.description ?? "";
    proxy[name] = fn;
  }
  return Object.freeze(proxy);
}

// Connect to the proxy at `url`: ask it for its methods (rpc.discover) and return an object with
// one Promise-returning function per method.
//   options.timeout   default per-call timeout in ms (30000; 0 or Infinity for none)
//   options.batch     false sends every call in its own request (default true)
//   options.maxBatch  most calls per request (default: the server's x-max-batch, else 100)
//   options.headers   extra request headers
export async function connect(url, options = {}) {
  const conn = new Connection(url, options);
  const doc = await conn.call("rpc.discover", undefined, {});
  if (!doc || !Array.isArray(doc.methods)) {
    throw new ProxyError(`${conn.url}: rpc.discover returned no method list`, { type: "InvalidResponse" });
  }
  // The server says how long a batch may be; an explicit option still wins.
  const serverMax = doc.info?.["x-max-batch"];
  if (options.maxBatch === undefined && Number.isInteger(serverMax) && serverMax > 0) conn.maxBatch = serverMax;
  const methods = Object.fromEntries(doc.methods.map((m) => [m.name, m]));
  return buildProxy(conn, methods, {});
}
