"""Discord's limits, each named after what it limits: Discord rejects a message, a command or a modal that breaks
one, so the renderer, the forms and the autocompletes all cut to these numbers (and the tests check them against
Discord's API spec)."""

from __future__ import annotations

# A message
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000  # every title, description, field, footer and author of a message's embeds together

# An embed
EMBED_TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048

# Buttons
BUTTON_LABEL_MAX = 80
BUTTONS_PER_ROW = 5
BUTTON_URL_MAX = 512

# Autocomplete and option choices
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100

# A modal and its text inputs
MODAL_TITLE_MAX = 45
INPUT_LABEL_MAX = 45
INPUT_TEXT_MAX = 4000
INPUT_PLACEHOLDER_MAX = 100
