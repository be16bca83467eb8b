"""The book's tooling: executing chapters, plots, progress lines,
widgets and quoted figures."""
