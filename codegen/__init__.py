"""Code generation: IR expressions -> torch source, and whole modules from jinja2 templates."""
