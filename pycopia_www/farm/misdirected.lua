-- lighttpd (mod_magnet) for a request whose Host no virtual host of the farm answers: refused,
-- so that a page on another site reached by DNS rebinding never talks to the appliance.
lighty.r.resp_header["Content-Type"] = "text/plain; charset=utf-8"
lighty.r.resp_body:set({"421 Misdirected Request: this server does not answer for that host name.\n"})
return 421
