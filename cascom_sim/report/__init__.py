"""The paper's claims against the models (``cascom validate``) and the figures.  Uses only the public API."""
