"""An application module that cannot be imported: the supervisor must give up on it, loudly."""
raise RuntimeError("this application is broken on purpose")
