"""Rules of the emulation results as data: the default yearly target and its source."""
