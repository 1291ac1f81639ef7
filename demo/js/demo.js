// The demo pages' live parts: the settings form is saved with a call to the proxy at /api/demo
// (handlers/ui/api.py), a rejected call is shown where it happened, and the notes list grows when
// anyone adds a note (pushed on topic notes.added by the db backend). Each part starts only if its page has it.
// (The home page's status panel needs nothing here: its elements are bound by /pwww/live.js.)
import { connect } from "/pwww/proxy.js";
import { subscribe } from "/pwww/events.js";

const byId = (id) => document.getElementById(id);

function show(id, text, isError = false) {
  const node = byId(id);
  node.textContent = text;
  node.classList.toggle("error", isError);
}

// A rejection as a reader wants it: the exception's message, and its type when that helps.
const describe = (error) => (error.code === -32000 ? `${error.type}: ${error.message}` : error.message);

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

const MAX_NOTES = 50;               // as handlers/db/views.py keeps

// The db backend publishes each note once it is committed (notes.added, handlers/db/views.py).
function liveNotes() {
  const list = byId("notes");
  subscribe("notes.added", ({ text }) => {
    list.querySelector("li.empty")?.remove();
    const item = document.createElement("li");
    item.textContent = text;                    // text, never markup
    list.append(item);
    while (list.children.length > MAX_NOTES) list.firstElementChild.remove();
  }, {
    // Notes were added while this page could not hear them: take the list as the server has it.
    onMissed: async () => {
      const page = new DOMParser().parseFromString(await (await fetch("/notes")).text(), "text/html");
      const fresh = page.getElementById("notes");
      if (fresh) list.replaceChildren(...[...fresh.children].map((li) => document.importNode(li, true)));
    },
  });
}

async function main() {
  if (document.readyState === "loading") {
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  }
  if (byId("pending")) pendingCountdown();
  if (byId("notes")) liveNotes();
  let demo;
  try {
    demo = await connect("/api/demo");
  } catch (error) {
    const where = byId("settings-result") ?? byId("fail-result");
    if (where) show(where.id, `The live parts are off: ${describe(error)}`, true);
    return;
  }
  if (byId("fail-button")) failingCall(demo);
  if (byId("settings-form")) settingsForm(demo);
  // Every handler is in place: say so (for style sheets and tests).
  document.body.classList.add("live");
}

main();
