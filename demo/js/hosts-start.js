// Starts js/hosts.js from a classic script (XHTML pages run no module scripts in Chromium; see
// demo-start.js).
import("/js/hosts.js");
