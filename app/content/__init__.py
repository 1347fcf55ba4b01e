"""Curriculum files: parsing, validation and rendering. No Flask, no database."""
