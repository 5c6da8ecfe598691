"""Reading articles (files, folders, JSON lines, stdin) and writing them back atomically."""
