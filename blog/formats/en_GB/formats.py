"""How the admin prints dates and times (Django's en-GB formats, otherwise): to the minute,
with the zone, so an editor never wonders whether "10:00" is UTC or the site's time."""

DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
TIME_FORMAT = "H:i"
