// Starts js/demo.js from a classic script. The demo pages are XHTML, and Chromium does not run
// <script type="module"> in XML documents (crbug.com/717643); a classic script's import() works
// in both XHTML and text/html pages.
import("/js/demo.js");
