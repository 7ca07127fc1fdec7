"""The hostile corpus's catalogs: files a user might bring that break naive JSON handling."""
