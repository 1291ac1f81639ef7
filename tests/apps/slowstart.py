"""An application that takes two seconds to load in the farm (not in `websitectl check`): long
enough for `websitectl status` to be seen saying "starting"."""
import os
import time

from testapps import whoami as application      # noqa: F401

if os.environ.get("PYCOPIA_WWW_BACKEND"):
    time.sleep(2.0)
