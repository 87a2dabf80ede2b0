"""Evidence room: capture with the system Chromium (``capture``), the bundle and its
manifest (``bundle``), and checking a bundle again (``verify``)."""
