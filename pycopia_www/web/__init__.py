"""The web layer: what an application author writes against (see docs/web.md).

    urlmap      the URL map of a whole site, resolution and get_url
    reverse     one route's URL builder, re-matching, NoReverseMatch
    pattern     a route regex read as a URL pattern to fill in; reversibility
    app         build_app(site, backend): a backend's WSGI application
    dispatch    routing a request to its handler, errors to pages
    handlers    dotted paths, handler kinds, methods, annotations
    convert     text <-> value converters for groups and parameters
    middleware  hooks and WSGI wrappers around the dispatcher
    request     the parsed request; multipart, multidict, cookies, headers, limits help it
    response    responses; errors, errorpages for the error ones
"""
