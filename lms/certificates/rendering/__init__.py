"""Turning a certificate into a PDF: fonts, the HTML design, xhtml2pdf, the cache."""
