"""Support kinds, supporter kinds and what addresses each need, as JSON data; a package only so
that the files ship in the wheel."""
