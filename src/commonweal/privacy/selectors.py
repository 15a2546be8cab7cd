"""Every read for privacy that views, the API and other apps need."""
