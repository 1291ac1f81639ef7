// Calls a pycopia-www proxy with jayson's HTTP client, as a Node.js user of that client would.
// Run by tests/conformance/test_jsonrpc_clients.py:
//
//   node jayson_calls.js PORT PATH < steps.json      prints one JSON array, a result per step
//
// A step is one of
//   {"call": METHOD, "params": [...] | {...}, "id": ID}   id left out: jayson makes one;
//                                                          id null: a notification
//   {"batch": [CALL, ...]}                                the calls above, sent as one batch
//   {"raw": OBJECT}                                       a request object sent as it is
// and may say "bare": true to leave out the X-Requested-With header the proxy requires.
// A result is {"error": null | {"message", "code"}, "response": what jayson returned}.
"use strict";

const jayson = require("jayson");

const [port, path] = process.argv.slice(2);
const HEADERS = { "Content-Type": "application/json", "X-Requested-With": "pycopia-www" };

function client(bare) {
  const headers = bare ? { "Content-Type": "application/json" } : HEADERS;
  return jayson.client.http({ host: "127.0.0.1", port: Number(port), path, headers });
}

// A two-argument callback: jayson hands over the response as it came (an object or an array).
function send(c, ...args) {
  return new Promise((resolve) => {
    c.request(...args, (err, response) => resolve({
      error: err ? { message: err.message, code: err.code ?? null } : null,
      response: response ?? null,
    }));
  });
}

function request(c, step) {
  // jayson builds the request object without sending it when the callback is false.
  return c.request(step.call, step.params, "id" in step ? step.id : undefined, false);
}

async function run(step) {
  const c = client(step.bare);
  if (step.batch) return send(c, step.batch.map((s) => request(c, s)));
  if (step.raw) return send(c, step.raw);
  return send(c, step.call, step.params, "id" in step ? step.id : undefined);
}

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const results = [];
  for (const step of JSON.parse(input)) results.push(await run(step));
  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exitCode = 1;
});
