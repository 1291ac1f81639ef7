"""An application module whose import always fails: `websitectl start` must refuse to start."""
raise RuntimeError("cannot be imported")
