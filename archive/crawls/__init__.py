"""What the archive records about crawls: runs, per-site locks, the URLs already seen, what
discovery found per site and which pages were rejected."""
