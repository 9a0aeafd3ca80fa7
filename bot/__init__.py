"""A Discord bot for film-franchise fans: stunts, filming locations, release dates and BTS videos."""

__version__ = "0.1.0"
