"""Every read for rights that views, the API and other apps need."""
