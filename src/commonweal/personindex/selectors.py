"""Every read for personindex that views, the API and other apps need."""
