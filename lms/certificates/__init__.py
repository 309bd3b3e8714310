"""Certificates: issued by the server when a course is completed (or attended), printed as
PDF, verifiable by anyone with the code, reissued or revoked by admins."""
