from pycopia_www.ui import page


def home(request):
    return page(request, "Home")


def broken(request):
    raise RuntimeError("a bug")
