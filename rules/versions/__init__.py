"""Rule versions in the store: drafts, four-eyes sign-off, roll-back, the version in force on a
date, and the tiers those versions decide for a registry. Used by the web and the command line."""
