"""One module per CLI command; each exposes ``register(app)``. Keep imports here
light: heavy modules (tree-sitter, jinja2, the simulator) are imported inside the
command bodies so that start-up stays fast."""
