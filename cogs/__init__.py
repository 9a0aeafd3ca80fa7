"""One cog per concern; FanBot loads every module here as an extension."""
