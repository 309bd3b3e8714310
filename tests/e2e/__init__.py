"""Journeys through the app in a real browser (Playwright, Debian's chromium)."""
