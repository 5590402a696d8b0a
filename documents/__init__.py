"""The documents the review procedure produces: DOCX from editable templates, XLSX lists.

`templates/*.docx` are real Word documents with Jinja fields (docxtpl), built by
`python -m documents.build_templates` so that their layout is reviewable; a province may replace
any of them (CHUNGTAY_TEMPLATES_DIR). See docs/documents.md.
"""
