"""Every read for rules that views, the API and other apps need."""
