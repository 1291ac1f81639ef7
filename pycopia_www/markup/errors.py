"""The one exception the builder raises for markup it will not produce."""


class MarkupError(ValueError):
    """Invalid markup was asked for: a child or attribute the document type forbids, an unsafe
    URL, or a URL target with no resolver to turn it into a URL."""
