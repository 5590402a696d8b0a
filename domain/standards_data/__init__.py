"""Poverty standards as JSON data; a package only so that the files ship in the wheel."""
