"""Pure text to spans: normalisation, layouts and paragraphs, sentences, lost sentence joins."""
