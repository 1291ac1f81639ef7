// Calls the page's proxy (handlers/web/api.py). A classic script with import(): Chromium runs no
// <script type="module"> in XHTML pages.
import("/pwww/proxy.js").then(async ({ connect }) => {
  const api = await connect("/api");
  document.getElementById("greeting").textContent = await api.greet("visitor");
});
