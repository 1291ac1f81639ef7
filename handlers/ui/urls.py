"""Backend ui of the demo site."""
from handlers.identity import identity_app

application = identity_app("ui")
