"""Every read for payments that views, the API and other apps need."""
