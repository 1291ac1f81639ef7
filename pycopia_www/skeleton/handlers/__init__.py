"""The site's applications: one package per backend."""
