"""The security suite: access matrix, CSRF, headers and cookies, brute force, XSS, fuzzing
and IDOR. See ``tests/security/conftest.py`` for the extra people and objects it uses."""
