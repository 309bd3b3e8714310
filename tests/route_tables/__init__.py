"""Route classifications by area, merged into tests/test_routes.py's ROUTES."""
