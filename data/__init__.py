"""The data packs. Installed, this folder is the package ``bot.packs`` (see ``package-dir`` in pyproject.toml), so
the packs ship inside the package while ``data/`` stays their one copy in git."""
