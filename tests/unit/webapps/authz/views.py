from pycopia_www.web.identity import requires_login, requires_role


def open_page(request):
    user = request.user
    return {"user": user and user.name, "roles": sorted(user.roles) if user else None,
            "session": user and user.session}


@requires_login
def any_user(request):
    return {"user": request.user.name}


@requires_role("admin")
def admin_only(request):
    return {"user": request.user.name}


class Mixed:
    def get(self, request):
        return "anyone"

    @requires_role("ops")
    def post(self, request):
        return "ops only"


@requires_role("admin")
class AdminClass:
    def get(self, request):
        return "admin class"


class Form:
    def get(self, request):
        from pycopia_www.markup import XHTMLDocument
        doc = XHTMLDocument("form")
        form = doc.add_form(action="/form")
        form.add_textinput("text", "Text")
        return doc

    def post(self, request):
        return {"text": request.form.get("text")}


def echo_post(request):
    return {"text": request.form.get("text")}
