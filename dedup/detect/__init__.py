"""Which texts repeat: findings, within one article, across articles (LSH and verification), templates, clusters."""
