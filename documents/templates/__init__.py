"""The shipped DOCX templates (built by documents/build_templates.py); a package only so that the
files ship in the wheel."""
