"""The web layer: what an application author writes against (see docs/web.md).

A request, in the order it flows (app.py runs it in one pass):
    request     the parsed request; multipart, multidict, cookies, headers, limits help it
    app         build_app(site, backend): a backend's application; handle(request) -> Response,
                WSGI only at its edge; loader: the one loader the farm and the app check use
    middleware  hooks (before/after/on_error) around the dispatcher; WSGI wrappers outside it
    dispatch    routing a request to its handler
    handlers    dotted paths, handler kinds, methods, annotations, what a handler says of itself
    convert     text <-> value converters for groups and parameters
    access      who may have a route (the rule shared with the authorizer) and the CSRF check
    identity    the logged-in user the authorizer passed; requires_role, requires_login
    csrf        CSRF tokens for form posts
    response    responses; errors, errorpages (the one place errors are rendered)
Links:
    urlmap      the URL map of a whole site, resolution and get_url
    reverse     one route's URL builder, re-matching, NoReverseMatch
    pattern     a route regex read as a URL pattern to fill in; reversibility
"""
