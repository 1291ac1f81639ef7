"""The manual's page."""
from handlers.common import page


def manual(request):
    doc, content = page("The manual", request)
    content.add_paragraph("This virtual host has one backend of its own, under its own user. "
                          "The full documentation is in the docs/ folder of the project.")
    content.add_definition_list({"make run": "serve the demo site", "make test": "run every test",
                                 "websitectl status": "who runs as whom, since when",
                                 "websitectl urls": "the whole URL tree"})
    content.add_paragraph().add_anchor(request.get_url("home", _host="appliance"), "The appliance")
    return doc
