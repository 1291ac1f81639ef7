// The demo pages' live parts, all through the proxy at /api/demo (handlers/ui/api.py):
// the status panel refreshes without a page load, the settings form is saved with a proxy
// call, and a rejected call is shown where it happened. Each part starts only if its page has it.
import { connect } from "/pwww/proxy.js";

const byId = (id) => document.getElementById(id);

function show(id, text, isError = false) {
  const node = byId(id);
  node.textContent = text;
  node.classList.toggle("error", isError);
}

// A rejection as a reader wants it: the exception's message, and its type when that helps.
const describe = (error) => (error.code === -32000 ? `${error.type}: ${error.message}` : error.message);

// The same formats as handlers/ui/views.py, so a refresh changes only what changed.
function formatDuration(seconds) {
  const minutes = Math.floor(seconds / 60);
  const [days, hours, mins] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24, minutes % 60];
  const rest = `${hours} h ${String(mins).padStart(2, "0")} min`;
  return days ? `${days} d ${rest}` : rest;
}
const formatBytes = (n) => `${(n / 2 ** 30).toFixed(1)} GiB`;

async function liveStatus(demo) {
  // The first settings and status calls leave in the same tick: one batched request.
  const [settings] = await Promise.all([demo.settings(), refresh()]);
  setInterval(refresh, settings.refresh_seconds * 1000);

  async function refresh() {
    try {
      const s = await demo.status();
      show("status-hostname", s.hostname);
      show("status-uptime", formatDuration(s.uptime));
      show("status-load", s.load.map((x) => x.toFixed(2)).join(" "));
      show("status-memory", `${formatBytes(s.memory_available)} of ${formatBytes(s.memory_total)}`);
      show("status-processes", String(s.processes));
      show("status-worker", String(s.worker));
      show("status-updated", new Date().toLocaleTimeString());
      show("status-error", "");
    } catch (error) {
      // Keep the last good values; say they are stale and why.
      show("status-error", `Not updated: ${describe(error)}`, true);
    }
  }
}

function failingCall(demo) {
  const button = byId("fail-button");
  button.disabled = false;
  button.addEventListener("click", async () => {
    try {
      await demo.fail("This call fails on purpose.");
      show("fail-result", "The call succeeded?");
    } catch (error) {
      show("fail-result", `Rejected with ${describe(error)} (code ${error.code})`, true);
    }
  });
}

function settingsForm(demo) {
  const form = byId("settings-form");
  form.addEventListener("submit", async (event) => {
    if (event.submitter?.value === "apply") return;   // "Apply": a plain post, the page shows the countdown
    event.preventDefault();       // saved through the proxy: no page load
    const fields = form.elements;
    const refresh = Number(fields.refresh_seconds.value);
    if (!Number.isInteger(refresh)) {
      show("settings-result", "Write a whole number of seconds.", true);
      return;
    }
    try {
      // save_settings takes keyword-only arguments, so they go by name.
      const saved = await demo.save_settings({
        site_name: fields.site_name.value, refresh_seconds: refresh, motd: fields.motd.value });
      fields.site_name.value = saved.site_name;     // as the server normalised them
      fields.motd.value = saved.motd;
      show("settings-result", `Saved at ${new Date().toLocaleTimeString()}.`);
    } catch (error) {
      show("settings-result", error.message, true);    // the server's reason, e.g. a ValueError's
    }
  });
}

// Settings applied on probation: count down to the rollback the server will do by itself, then
// show the page again (with the previous values back). No proxy needed.
function pendingCountdown() {
  const box = byId("pending");
  const deadline = Number(box.dataset.deadline);
  const tick = () => {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    byId("countdown").textContent = `${left} s`;
    if (left === 0) {
      clearInterval(timer);
      window.location.replace(`${window.location.pathname}?flash=reverted`);
    }
  };
  const timer = setInterval(tick, 1000);
  tick();
}

async function main() {
  if (document.readyState === "loading") {
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  }
  if (byId("pending")) pendingCountdown();
  let demo;
  try {
    demo = await connect("/api/demo");
  } catch (error) {
    const where = byId("status-error") ?? byId("settings-result") ?? byId("fail-result");
    if (where) show(where.id, `The live parts are off: ${describe(error)}`, true);
    return;
  }
  if (byId("fail-button")) failingCall(demo);
  if (byId("settings-form")) settingsForm(demo);
  // Every handler is in place: say so (for style sheets and tests), then start the refreshing.
  document.body.classList.add("live");
  if (byId("status")) liveStatus(demo);
}

main();
