// Live elements without writing JavaScript: a page that includes this script (a classic one, so
// it runs in XHTML pages too: Chromium runs no module scripts there, crbug.com/717643) has every
// element with data-topic kept up to date by /pwww/events.js (see bind() there, docs/events.md).
(function () {
  function start() {
    import("/pwww/events.js").then((events) => events.bind(document));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
